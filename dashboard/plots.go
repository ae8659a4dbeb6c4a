package dashboard

// The study page's drawn plots are the HTML report's own (results/report),
// rendered on the server as SVG once per snapshot: the same pictures as
// report.html, redrawn only when the study moved.

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"gonum.org/v1/plot/vg"

	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/results/report"
)

// learningRate is the parameter the lecture compares in powers of ten (as
// in the report and the terminal's tables).
const learningRate = "learning_rate"

// plotKinds are the drawn plots a study page asks for, in page order.
var plotKinds = []string{"learning-rate", "parallel", "narrowing", "pruning"}

// plotDoc is one drawn plot, or why there is none.
type plotDoc struct {
	Kind    string `json:"kind"`
	Version string `json:"version"`
	Title   string `json:"title,omitempty"`
	Caption string `json:"caption,omitempty"`
	SVG     string `json:"svg,omitempty"`
	Width   int    `json:"width,omitempty"` // CSS pixels at full size
	// NarrowSVG is the phone layout of the same plot (report.Figure's
	// Narrow: text legible at 390 px), shown up to narrowScreen wide.
	NarrowSVG   string `json:"narrow_svg,omitempty"`
	NarrowWidth int    `json:"narrow_width,omitempty"`
	Missing     string `json:"missing,omitempty"`
}

// plot draws (once per snapshot) the plot of kind, which must be one of
// plotKinds.
func (s *snapshot) plot(kind string) plotDoc {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d, ok := s.plots[kind]; ok {
		return d
	}
	d := drawPlot(kind, s)
	d.Kind, d.Version = kind, s.version
	if s.plots == nil {
		s.plots = make(map[string]plotDoc)
	}
	s.plots[kind] = d
	return d
}

func drawPlot(kind string, s *snapshot) (d plotDoc) {
	// A plot that panics is a bug in drawing, and a note on the page,
	// never the server down.
	defer func() {
		if p := recover(); p != nil {
			d = plotDoc{Missing: fmt.Sprintf("This plot could not be drawn: %v.", p)}
		}
	}()
	var (
		fig *report.Figure
		err error
	)
	// The report's plots describe results: a trial still running (or
	// waiting) has none yet, and would be drawn as one without a value.
	trials := s.trials
	if s.summary.Done < len(trials) {
		trials = make([]results.Trial, 0, s.summary.Done)
		for _, t := range s.trials {
			if t.Status.Finished() {
				trials = append(trials, t)
			}
		}
	}
	switch kind {
	case "learning-rate":
		fig, err = report.ValueVsLearningRate(s.study, trials, learningRate)
	case "parallel":
		fig, err = report.ParallelCoordinates(s.study, trials)
	case "narrowing":
		if len(s.study.Rounds) < 2 {
			return plotDoc{Missing: "No plot: the study has one round, so no range narrowed."}
		}
		fig, err = report.RangeNarrowing(s.study, trials)
	case "pruning":
		fig, err = report.PrunedCurves(s.study, s.pruning)
	default:
		return plotDoc{Missing: "unknown plot " + kind}
	}
	if err == nil {
		var buf bytes.Buffer
		if err = fig.Render(&buf, report.SVG); err == nil {
			d := plotDoc{Title: fig.Title, Caption: fig.Caption, SVG: buf.String(), Width: cssPixels(fig.Width)}
			if n := fig.Narrow(); n != fig {
				var nb bytes.Buffer
				if n.Render(&nb, report.SVG) == nil {
					d.NarrowSVG, d.NarrowWidth = nb.String(), cssPixels(n.Width)
				}
			}
			return d
		}
	}
	if errors.Is(err, report.ErrNoData) {
		return plotDoc{Missing: "No plot: " + strings.TrimSuffix(err.Error(), ": "+report.ErrNoData.Error()) + "."}
	}
	return plotDoc{Missing: "This plot could not be drawn: " + err.Error()}
}

// cssPixels is a figure's length as the browser lays it out (96 per inch).
func cssPixels(l vg.Length) int { return int(float64(l/vg.Inch)*96 + 0.5) }
