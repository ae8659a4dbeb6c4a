package report

import (
	"strings"
	"testing"

	"github.com/hpsearch/hpsearch/results"
)

// A legend never covers the points: in every plot that has one, each of
// its entries lies under the x axis's label, outside the data area. (It
// used to sit in a corner of the data area, where on the learning-rate
// plot it hid the diverged trials' crosses along the top edge.)
func TestLegendsAreOutsideTheData(t *testing.T) {
	s, trials := small()
	ranked := results.Rank(trials, s.Goal)
	for _, c := range []struct {
		name    string
		make    func() (*Figure, error)
		xLabel  string
		isEntry func(text string) bool
	}{
		{"learning rate", func() (*Figure, error) { return ValueVsLearningRate(s, trials, "learning_rate") }, "learning_rate (log)",
			func(s string) bool {
				for _, p := range []string{"ok (", "pruned (", "diverged (", "failed (", "best: trial"} {
					if strings.HasPrefix(s, p) {
						return true
					}
				}
				return false
			}},
		{"loss curves", func() (*Figure, error) { return lossCurves(s, ranked, DefaultTop) }, "iteration",
			func(s string) bool { return strings.HasPrefix(s, "trial ") }},
		{"pruned curves", func() (*Figure, error) { return prunedCurves(ranked) }, "iteration",
			func(s string) bool { return strings.HasPrefix(s, "pruned (") || strings.HasPrefix(s, "kept (") }},
	} {
		t.Run(c.name, func(t *testing.T) {
			fig, err := c.make()
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range []*Figure{fig, fig.Narrow()} {
				svg := renderSVG(t, f)
				axis, ok := textY(svg, c.xLabel)
				if !ok {
					t.Fatalf("no x-axis label %q", c.xLabel)
				}
				entries := 0
				for text, ys := range texts(svg) {
					if !c.isEntry(text) {
						continue
					}
					for _, y := range ys {
						entries++
						if y >= axis {
							t.Errorf("%.0fpt wide: legend entry %q at %.1f, above the x axis's label at %.1f: inside the data area", f.Width.Points(), text, y, axis)
						}
					}
				}
				if entries < 2 {
					t.Errorf("%.0fpt wide: %d legend entries found, want the legend", f.Width.Points(), entries)
				}
			}
		})
	}
}
