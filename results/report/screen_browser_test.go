package report

import (
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/hpsearch/hpsearch/internal/browsertest"
)

// screenReport is what the report's own script measured, laid out at one
// width: the page's width and the screen's, the tables that scroll in
// their box and those whose box reaches past the screen, how each box
// overflows, and each plot's smallest text in CSS pixels as shown.
type screenReport struct {
	page, view int
	clipped    []string
	outside    []string
	overflow   string
	textPx     map[string]float64
}

// laidOut opens page in headless Chromium inside an iframe width pixels
// wide (its --window-size lays --dump-dom out at 500 pixels at least;
// an iframe's viewport is exactly its width), and reads back what the
// report's script recorded there.
func laidOut(t *testing.T, bin, page string, width int) screenReport {
	t.Helper()
	wrapper := `<!DOCTYPE html><html><body style="margin:0">` +
		`<iframe id="f" style="border:0" width="` + strconv.Itoa(width) + `" height="3000" srcdoc="` + html.EscapeString(page) + `"></iframe>` +
		`<pre id="out"></pre><script>
var f = document.getElementById("f");
f.addEventListener("load", function () {
  setTimeout(function () {
    var d = f.contentDocument, b = d.body, out = [], over = {};
    out.push("page=" + b.getAttribute("data-page-width"));
    out.push("clipped=" + b.getAttribute("data-clipped-tables"));
    out.push("outside=" + b.getAttribute("data-tables-outside"));
    d.querySelectorAll(".scroll").forEach(function (box) { over[getComputedStyle(box).overflowX] = true; });
    out.push("overflow=" + Object.keys(over).sort().join(" "));
    d.querySelectorAll("img[data-plot]").forEach(function (img) {
      out.push("plot " + img.getAttribute("data-plot") + "=" + img.getAttribute("data-text-px"));
    });
    document.getElementById("out").textContent = out.join("\n");
  }, 300);
});
</script></body></html>`
	path := filepath.Join(t.TempDir(), "wrapper.html")
	if err := os.WriteFile(path, []byte(wrapper), 0o644); err != nil {
		t.Fatal(err)
	}
	dom := chromium(t, bin, "file://"+path, "--window-size=1400,1000", "--dump-dom")
	m := regexp.MustCompile(`(?s)<pre id="out">(.*?)</pre>`).FindStringSubmatch(dom)
	if m == nil || m[1] == "" {
		t.Fatalf("the wrapper read nothing back from the report at %d pixels", width)
	}
	r := screenReport{textPx: map[string]float64{}}
	for _, line := range strings.Split(html.UnescapeString(m[1]), "\n") {
		key, val, _ := strings.Cut(line, "=")
		switch {
		case key == "page":
			pw := regexp.MustCompile(`^(\d+) in (\d+)$`).FindStringSubmatch(val)
			if pw == nil {
				t.Fatalf("page width %q", val)
			}
			r.page, _ = strconv.Atoi(pw[1])
			r.view, _ = strconv.Atoi(pw[2])
		case key == "clipped":
			r.clipped = strings.Fields(val)
		case key == "outside":
			r.outside = strings.Fields(val)
		case key == "overflow":
			r.overflow = val
		case strings.HasPrefix(key, "plot "):
			v, err := strconv.ParseFloat(val, 64)
			if err != nil {
				t.Errorf("%s: text size %q not recorded", key, val)
				continue
			}
			r.textPx[strings.TrimPrefix(key, "plot ")] = v
		}
	}
	if r.view != width {
		t.Fatalf("laid out at %d pixels, want %d", r.view, width)
	}
	return r
}

// TestReportReadsOnAnyScreen lays a report out at a phone's 390 pixels
// and a laptop's 1280: on both every plot's smallest text shows at 11
// pixels or more, and nothing widens the page; on the phone a table wider
// than the screen scrolls inside its own box, which stays on the screen;
// on the laptop no table is clipped at all.
func TestReportReadsOnAnyScreen(t *testing.T) {
	bin := browsertest.Chromium(t)
	s, trials := synth{trials: 40, rounds: 4, history: 30, pruning: true, seed: 11}.study()
	s.Name = "screens"
	var b strings.Builder
	if err := WriteHTML(&b, s, trials); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	plots := len(inlineImage.FindAllString(page, -1))
	for _, width := range []int{390, 1280} {
		t.Run(strconv.Itoa(width), func(t *testing.T) {
			t.Parallel()
			r := laidOut(t, bin, page, width)
			if r.page > r.view {
				t.Errorf("the page is %d pixels wide on a %d-pixel screen", r.page, r.view)
			}
			if len(r.textPx) != plots || plots < 5 {
				t.Errorf("%d plots measured of %d", len(r.textPx), plots)
			}
			for id, px := range r.textPx {
				if px < 11 {
					t.Errorf("plot %s: its smallest text shows at %.1f pixels, want 11 or more", id, px)
				}
			}
			if len(r.outside) > 0 {
				t.Errorf("tables %v reach past the screen's edge", r.outside)
			}
			switch width {
			case 390:
				if !strings.Contains(" "+strings.Join(r.clipped, " ")+" ", " ranked-table ") || r.overflow != "auto" {
					t.Errorf("the ranked table is not scrolling in its own box (clipped %v, overflow %q)", r.clipped, r.overflow)
				}
			case 1280:
				if len(r.clipped) > 0 {
					t.Errorf("tables %v are clipped at 1280 pixels", r.clipped)
				}
			}
		})
	}
}
