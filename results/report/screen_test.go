package report

import (
	"math"
	"regexp"
	"strconv"
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

// Parallel coordinates draw the trials without a value as their caption
// says: grey lines that end at "no value" beyond the worst end of the
// value axis, also in a study of one parameter, where a line across the
// parameter axes alone would be a single point and not drawn at all.
func TestParallelCoordinatesDrawValuelessTrials(t *testing.T) {
	for _, params := range []int{1, 4} {
		for _, goal := range []results.Goal{results.GoalMinimize, results.GoalMaximize} {
			s, trials := small()
			for i := range trials {
				trials[i].Params = trials[i].Params[:params]
			}
			s.Goal = goal
			valueless := 0
			for _, tr := range trials {
				if !hasPCValue(tr) {
					valueless++
				}
			}
			if valueless < 5 {
				t.Fatalf("the test study needs trials without a value: %d", valueless)
			}
			fig, err := ParallelCoordinates(s, trials)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(fig.Caption, `end at "no value"`) {
				t.Errorf("caption %q does not say where the grey lines end", fig.Caption)
			}
			svg := renderSVG(t, fig)
			grey := greyPaths(svg)
			if len(grey) != valueless+1 { // and the "no value" mark
				t.Errorf("%d parameters, %s: %d grey paths for %d trials without a value and the mark", params, goal, len(grey), valueless)
			}
			mark, ok := textY(svg, "no value")
			if !ok {
				t.Fatalf("%d parameters, %s: no \"no value\" label", params, goal)
			}
			// Every grey line ends level with the label, on the value axis.
			for _, end := range grey {
				if math.Abs(end[1]-mark) > 6 { // the label is centred on the line: its baseline is a little lower
					t.Errorf("%d parameters, %s: a grey line ends at y %.1f, the \"no value\" label is at %.1f", params, goal, end[1], mark)
				}
			}
		}
	}
}

// greyPaths returns the last point of each path stroked in the grey of
// trials without a value, y measured up from the bottom.
func greyPaths(svg string) [][2]float64 {
	var out [][2]float64
	for _, m := range svgFullPath.FindAllStringSubmatch(svg, -1) {
		// faintColor, un-premultiplied by gonum's SVG (150 becomes 149).
		if st := strings.ToUpper(m[2]); !strings.Contains(st, "STROKE:#959595") && !strings.Contains(st, "STROKE:#969696") {
			continue
		}
		pts := svgPoint.FindAllStringSubmatch(m[1], -1)
		last := pts[len(pts)-1]
		x, _ := strconv.ParseFloat(last[1], 64)
		y, _ := strconv.ParseFloat(last[2], 64)
		out = append(out, [2]float64{x, y})
	}
	return out
}

var (
	svgFullPath = regexp.MustCompile(`<path d="([^"]*)" style="([^"]*)"`)
	svgPoint    = regexp.MustCompile(`[ML]([-0-9.e]+),([-0-9.e]+)`)
)

// A study with a least-squares floor shows it: among the study's facts,
// as the ranked table's "above floor" column, and as a dashed line with a
// legend entry on the learning-rate plot; a study without one shows none.
func TestReportShowsTheFloor(t *testing.T) {
	s, trials := small()
	plain := writeHTML(t, s, trials)
	if strings.Contains(plain, "floor") {
		t.Fatal("a study without a floor mentions one")
	}
	s.Floor = &results.Floor{TrainLoss: 0.015, ValidationLoss: 0.018}
	page := writeHTML(t, s, trials)
	for _, want := range []string{"<dt>least-squares floor</dt><dd>0.018 (train_loss 0.015)</dd>", `scope="col">above floor</th>`, "least-squares floor: validation_loss 0.018"} {
		if !strings.Contains(page, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	fig, err := ValueVsLearningRate(s, trials, "learning_rate")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := textY(renderSVG(t, fig), "least-squares floor 0.018"); !ok || !strings.Contains(fig.Caption, "dashed line is the least-squares floor") {
		t.Errorf("the learning-rate plot does not draw the floor (caption %q)", fig.Caption)
	}
}

// The importance section scores the study's parameters, in a table and a
// plot.
func TestReportShowsImportance(t *testing.T) {
	s, trials := small()
	page := writeHTML(t, s, trials)
	for _, want := range []string{`<section id="importance">`, `id="importance-table"`, `id="plot-importance"`, "learning_rate", " × "} {
		if !strings.Contains(page, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
}
