package results

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hpsearch/hpsearch/internal/choice"
)

// WriteStudies writes `hpsearch studies`: name, created, status, trials
// done/total and the best value with its trial.
func WriteStudies(w io.Writer, sums []Summary) error {
	header := []string{"study", "created", "strategy", "status", "done/total", "metric", "best", "best trial"}
	rows := make([][]string, 0, len(sums))
	for _, s := range sums {
		best, trial := missing, missing
		if s.BestTrial >= 0 {
			best, trial = FormatValue(s.Best), strconv.Itoa(s.BestTrial)
		}
		rows = append(rows, []string{s.Study.Name, s.Study.Created.Local().Format(time.DateTime), s.Study.Strategy,
			string(s.Study.Status), fmt.Sprintf("%d/%d", s.Done, max(s.Study.Total, s.Done)), s.Study.Metric, best, trial})
	}
	// A narrow terminal loses strategy, metric and created first.
	return renderTable(newTable(w, len(header), 0, 1, 2, 3, 5).dropFirst(2, 5, 1, 7, 3), header, rows)
}

// WriteCompare writes two studies side by side: their best value and best
// parameters, then each parameter's last-round range and how it moved from
// the first study to the second (the night-to-night question: did the best
// learning rate drift?).
func WriteCompare(w io.Writer, a Study, at []Trial, b Study, bt []Trial) error {
	ba, okA := Best(at, a.Goal)
	bb, okB := Best(bt, b.Goal)
	cell := func(ok bool, f func() string) string {
		if !ok {
			return missing
		}
		return f()
	}
	header := []string{"", a.Name, b.Name}
	rows := [][]string{
		{"metric", a.Metric, b.Metric},
		{"trials", strconv.Itoa(len(at)), strconv.Itoa(len(bt))},
		{"best value", cell(okA, func() string { return FormatValue(ba.Value.Float()) }), cell(okB, func() string { return FormatValue(bb.Value.Float()) })},
		{"best trial", cell(okA, func() string { return strconv.Itoa(ba.Number) }), cell(okB, func() string { return strconv.Itoa(bb.Number) })},
	}
	names := ParamNames(append(slices.Clone(at), bt...))
	for _, n := range names {
		rows = append(rows, []string{"best " + n, paramCell(okA, ba, n), paramCell(okB, bb, n)})
	}
	if err := renderTable(newTable(w, len(header), 0), header, rows); err != nil {
		return err
	}
	ra, rb := lastRanges(a), lastRanges(b)
	if len(ra) == 0 && len(rb) == 0 {
		return nil
	}
	fmt.Fprintln(w, "\nRanges of the last round:")
	header = []string{"parameter", a.Name, b.Name, "moved"}
	rows = rows[:0]
	for _, n := range rangeNames([]Round{{Ranges: ra}, {Ranges: rb}}) {
		x, okx := findRange(ra, n)
		y, oky := findRange(rb, n)
		rows = append(rows, []string{n, rangeCell(okx, x), rangeCell(oky, y), RangeMove(x, okx, y, oky)})
	}
	return renderTable(newTable(w, len(header), 0, 3), header, rows)
}

func paramCell(ok bool, t Trial, name string) string {
	if !ok {
		return missing
	}
	v, has := t.Params.Get(name)
	if !has {
		return notApplied // as the tables show it: the parameter does not apply
	}
	return FormatValue(v)
}

func rangeCell(ok bool, r Range) string {
	if !ok {
		return missing
	}
	return FormatRange(r)
}

func lastRanges(s Study) []Range {
	if len(s.Rounds) == 0 {
		return nil
	}
	return s.Rounds[len(s.Rounds)-1].Ranges
}

func findRange(rs []Range, name string) (Range, bool) {
	for _, r := range rs {
		if r.Name == name {
			return r, true
		}
	}
	return Range{}, false
}

// moveTolerance is how far (as a fraction of the first range's width, in
// log space for log ranges) a centre or width must change to count as moved:
// sampling noise alone shifts a narrowed range a little every night.
const moveTolerance = 0.1

// RangeMove describes how range y differs from x: "up", "down",
// "narrower", "wider" (combined when both), "same", or for choices the
// values gained and lost.
func RangeMove(x Range, okx bool, y Range, oky bool) string {
	switch {
	case !okx && !oky:
		return missing
	case !okx:
		return "new"
	case !oky:
		return "gone"
	}
	if len(x.Choices) > 0 || len(y.Choices) > 0 {
		var parts []string
		for _, v := range y.Choices {
			if !choice.Has(x.Choices, v) {
				parts = append(parts, "+"+FormatValue(v))
			}
		}
		for _, v := range x.Choices {
			if !choice.Has(y.Choices, v) {
				parts = append(parts, "-"+FormatValue(v))
			}
		}
		if len(parts) == 0 {
			return "same"
		}
		return strings.Join(parts, " ")
	}
	coord := func(v float64) float64 { return v }
	if x.Log && x.Low > 0 && y.Low > 0 {
		coord = math.Log10
	}
	x0, x1, y0, y1 := coord(x.Low), coord(x.High), coord(y.Low), coord(y.High)
	width := x1 - x0
	if !(width > 0) {
		width = math.Max(math.Abs(x0), 1)
	}
	var parts []string
	shift := ((y0 + y1) - (x0 + x1)) / 2
	switch {
	case shift > moveTolerance*width:
		parts = append(parts, "up")
	case shift < -moveTolerance*width:
		parts = append(parts, "down")
	}
	switch dw := (y1 - y0) - (x1 - x0); {
	case dw > moveTolerance*width:
		parts = append(parts, "wider")
	case dw < -moveTolerance*width:
		parts = append(parts, "narrower")
	}
	if len(parts) == 0 {
		return "same"
	}
	return strings.Join(parts, ", ")
}
