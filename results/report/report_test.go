package report

import (
	"bytes"
	"encoding/base64"
	"regexp"
	"strings"
	"testing"

	"github.com/hpsearch/hpsearch/results"
)

func writeHTML(t *testing.T, s results.Study, trials []results.Trial) string {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteHTML(&buf, s, trials); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

var inlineImage = regexp.MustCompile(`<img id="plot-([a-z]+)" data-plot="[a-z]+" data-text="[0-9.]*" src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)" width="(\d+)" height="(\d+)" alt="([^"]+)">`)

func TestWriteHTML(t *testing.T) {
	s, trials := small()
	page := writeHTML(t, s, trials)

	images := map[string]bool{}
	for _, m := range inlineImage.FindAllStringSubmatch(page, -1) {
		images[m[1]] = true
		svg, err := base64.StdEncoding.DecodeString(m[2])
		if err != nil || !bytes.Contains(svg, []byte("<svg")) {
			t.Errorf("plot %s: the inline image is not an SVG: %v", m[1], err)
		}
		if len(m[5]) < 40 {
			t.Errorf("plot %s: alt text %q says too little", m[1], m[5])
		}
	}
	for _, id := range []string{"loss", "grad", "lr", "ranges", "parallel", "pruned"} {
		if !images[id] {
			t.Errorf("no inline image for plot %s", id)
		}
	}
	for _, want := range []string{
		`<span id="study-name">synthetic</span>`,
		`<table id="ranked-table">`, `<table id="rounds-table">`, `<table id="lr-table">`,
		`<tr class="status-diverged">`, `<tr class="status-failed">`, `<tr class="status-pruned">`,
		`<th class="left" scope="col">optimizer</th>`, // text columns align left, numbers right
		`<th scope="col">validation_loss</th>`,
		"best validation_loss", // WriteSummary's line
		`data-rendered`,        // the script the browser test reads back
		`name="viewport"`,      // phones get the page at their width
		`Content-Security-Policy" content="default-src 'none'`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the report lacks %s", want)
		}
	}
	if n := strings.Count(page, `<tr class="status-`); n != len(trials) {
		t.Errorf("%d ranked rows for %d trials", n, len(trials))
	}
}

func TestWriteHTMLListsTheTopTrials(t *testing.T) {
	s, trials := synth{trials: TopRows + 14, rounds: 4, history: 5, seed: 2}.study()
	page := writeHTML(t, s, trials)
	if n := strings.Count(page, `<tr class="status-`); n != TopRows {
		t.Errorf("%d ranked rows, want the top %d", n, TopRows)
	}
	if !strings.Contains(page, "The 50 best of 64 trials") {
		t.Error("no note that the table is cut")
	}
}

// TestWriteHTMLIsSelfContained checks that nothing in the page would make
// a request: no URL outside data:, no external stylesheet, font or script.
func TestWriteHTMLIsSelfContained(t *testing.T) {
	s, trials := small()
	page := writeHTML(t, s, trials)
	// Inline images are base64: drop them, then nothing may point outside.
	text := regexp.MustCompile(`data:image/svg\+xml;base64,[A-Za-z0-9+/=]+`).ReplaceAllString(page, "data:")
	for _, bad := range []string{"http:", "https:", "//", "<link", "@import", "url(", "src=\"http", "@font-face"} {
		if i := strings.Index(text, bad); i >= 0 {
			t.Errorf("the report contains %q: …%s…", bad, text[max(0, i-60):min(len(text), i+60)])
		}
	}
	// The SVGs themselves reference only their namespaces.
	for _, m := range inlineImage.FindAllStringSubmatch(page, -1) {
		svg, _ := base64.StdEncoding.DecodeString(m[2])
		clean := strings.NewReplacer(`xmlns="http://www.w3.org/2000/svg"`, "", `xmlns:xlink="http://www.w3.org/1999/xlink"`, "").Replace(string(svg))
		if strings.Contains(clean, "http") || strings.Contains(clean, "href=\"/") {
			t.Errorf("plot %s refers to something outside itself", m[1])
		}
	}
}

func TestWriteHTMLEscapes(t *testing.T) {
	s, trials := small()
	s.Name = `<script>alert("x")</script>`
	trials[0].Params[3].Value = `<b>adam</b>`
	page := writeHTML(t, s, trials)
	if strings.Contains(page, `<script>alert`) || strings.Contains(page, `<b>adam</b>`) {
		t.Error("study name or parameter value written unescaped")
	}
	if !strings.Contains(page, `&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;`) {
		t.Error("escaped study name missing")
	}
}

// TestWriteHTMLDegrades writes reports of studies with little or nothing
// in them: the page is still written, and says why a plot is missing.
func TestWriteHTMLDegrades(t *testing.T) {
	cases := []struct {
		name    string
		study   func() (results.Study, []results.Trial)
		missing []string // notes expected instead of these plots
		images  int
		absent  []string // sections left out
	}{
		{"empty", func() (results.Study, []results.Trial) { return results.Study{Name: "empty", Goal: "minimize"}, nil },
			[]string{"loss", "grad", "parallel"}, 0, []string{"learning-rate", "rounds", "pruning"}},
		{"no histories", mutate(func(_ *results.Study, t *results.Trial) { t.History = nil }),
			[]string{"loss", "grad"}, 4, []string{"pruning"}},
		{"every value NaN", mutate(func(_ *results.Study, t *results.Trial) {
			t.Status, t.Value = results.StatusDiverged, results.Measurement{}
			t.History = nil
		}), []string{"loss", "grad", "importance"}, 3, []string{"pruning"}},
		{"no learning rate, one round", mutate(func(s *results.Study, t *results.Trial) {
			s.Rounds = s.Rounds[:1]
			t.Params[0].Name = "step"
		}), nil, 5, []string{"learning-rate", "rounds"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, trials := tc.study()
			page := writeHTML(t, s, trials)
			for _, id := range tc.missing {
				if !strings.Contains(page, `id="missing-`+id+`"`) {
					t.Errorf("no note where plot %s would be", id)
				}
			}
			if n := len(inlineImage.FindAllString(page, -1)); n != tc.images {
				t.Errorf("%d images, want %d", n, tc.images)
			}
			for _, id := range tc.absent {
				if strings.Contains(page, `<section id="`+id+`"`) {
					t.Errorf("section %s is there", id)
				}
			}
			if !strings.Contains(page, "</html>") {
				t.Error("page cut short")
			}
		})
	}
}
