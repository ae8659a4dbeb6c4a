package report

import (
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hpsearch/hpsearch/internal/browsertest"
)

// chromium runs headless Chromium on url with extra flags, isolated from
// any profile and from the network, and returns its stdout.
func chromium(t *testing.T, bin, url string, flags ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	args := append([]string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--hide-scrollbars", "--virtual-time-budget=5000",
		"--user-data-dir=" + t.TempDir(),
	}, flags...)
	cmd := exec.CommandContext(ctx, bin, append(args, url)...)
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(bin), strings.Join(flags, " "), err, stderr.String())
	}
	return stdout.String()
}

// TestReportInBrowser opens a report in headless Chromium: the DOM after
// its script ran must have every plot decoded (data-rendered="yes"), the
// tables and the study name; screenshots at laptop and phone width must
// not be blank, the laptop one must show a plot's colours, and on a phone
// nothing may widen the page beyond the screen.
func TestReportInBrowser(t *testing.T) {
	bin := browsertest.Chromium(t)
	s, trials := synth{trials: 40, rounds: 4, history: 30, pruning: true, seed: 11}.study()
	s.Name = "browser-check"
	dir := t.TempDir()
	path := filepath.Join(dir, "report.html")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteHTML(f, s, trials); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	url := "file://" + path

	// Each subtest is its own browser: run them at once.
	t.Run("dom", func(t *testing.T) {
		t.Parallel()
		dom := chromium(t, bin, url, "--window-size=1280,2000", "--dump-dom")
		for _, id := range []string{"loss", "grad", "lr", "ranges", "parallel", "pruned"} {
			img := regexp.MustCompile(`<img[^>]*id="plot-` + id + `"[^>]*>`).FindString(dom)
			if !strings.Contains(img, `data-rendered="yes"`) {
				t.Errorf("plot %s not rendered by the browser: %.200s", id, img)
			}
		}
		for _, want := range []string{`id="ranked-table"`, `id="rounds-table"`, `id="lr-table"`, `<span id="study-name">browser-check</span>`} {
			if !strings.Contains(dom, want) {
				t.Errorf("the DOM lacks %s", want)
			}
		}
	})

	// Headless Chromium lays out --dump-dom at 500 pixels at least (its
	// screenshots do honour 390): narrow enough that the ranked table
	// would widen the page if it did not scroll inside its box.
	t.Run("narrow width", func(t *testing.T) {
		t.Parallel()
		dom := chromium(t, bin, url, "--window-size=390,844", "--dump-dom")
		m := regexp.MustCompile(`data-page-width="(\d+) in (\d+)"`).FindStringSubmatch(dom)
		if m == nil {
			t.Fatal("the page did not record its width")
		}
		page, _ := strconv.Atoi(m[1])
		view, _ := strconv.Atoi(m[2])
		if view > 600 || page > view {
			t.Errorf("the page is %d pixels wide in a %d-pixel window: something does not scroll in its box", page, view)
		}
	})

	for _, tc := range []struct {
		name, size string
		plotShown  bool // the loss curves are within the first screen
	}{
		{"laptop", "1280,2000", true},
		{"phone", "390,844", false},
	} {
		t.Run("screenshot "+tc.name, func(t *testing.T) {
			t.Parallel()
			shot := filepath.Join(dir, tc.name+".png")
			chromium(t, bin, url, "--window-size="+tc.size, "--screenshot="+shot)
			r, err := os.Open(shot)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			img, err := png.Decode(r)
			if err != nil {
				t.Fatalf("screenshot: %v", err)
			}
			checkNotBlank(t, tc.name, img)
			// The second trial's orange is drawn by the plots alone.
			if rows := rowsOf(img, seriesColor(1), 40); tc.plotShown && len(rows) < 20 {
				t.Errorf("the loss curves do not show: %d rows hold their orange", len(rows))
			}
			if dst := os.Getenv("HPSEARCH_SCREENSHOTS"); dst != "" {
				// For a person to look at: HPSEARCH_SCREENSHOTS=/tmp go test -run Browser
				if data, err := os.ReadFile(shot); err == nil {
					_ = os.WriteFile(filepath.Join(dst, "report-"+tc.name+".png"), data, 0o644)
				}
			}
		})
	}
}
