package report

import (
	"errors"
	"fmt"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/hpsearch/hpsearch/results"
)

// RangeNarrowing plots, one panel per parameter, the range each round of
// coarse-to-fine sampled from: a band from low to high over the rounds (on
// a log axis for log-scaled parameters), with the best trial of each round
// ringed inside it. A categorical parameter's panel marks which choices
// each round kept. It is the lecture's "narrow the range step by step
// according to the accuracy", made visible.
func RangeNarrowing(s results.Study, trials []results.Trial) (*Figure, error) {
	best := bestByRound(s, trials)
	var panels []*plot.Plot
	for _, name := range rangeNames(s.Rounds) {
		p, err := rangePanel(name, s.Rounds, best)
		if errors.Is(err, ErrNoData) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("range narrowing: %s: %w", name, err)
		}
		panels = append(panels, p)
	}
	if len(panels) == 0 {
		return nil, fmt.Errorf("range narrowing: the study recorded no ranges: %w", ErrNoData)
	}
	cols := 1
	if len(panels) > 1 {
		cols = 2
	}
	fig := grid(panels, cols, plotWidth, panelHeight)
	fig.Title = "How the ranges narrowed"
	fig.Caption = fmt.Sprintf("The range every parameter was sampled from in each of the %d rounds (shaded), and the value of each round's best trial (ringed). "+
		"Log-scaled parameters have log axes; for a choice, the dots are the choices a round kept.", len(s.Rounds))
	return fig, nil
}

// rangeNames is the union of the rounds' parameter names, first seen first.
func rangeNames(rounds []results.Round) []string {
	var names []string
	seen := map[string]bool{}
	for _, r := range rounds {
		for _, rg := range r.Ranges {
			if !seen[rg.Name] {
				seen[rg.Name] = true
				names = append(names, rg.Name)
			}
		}
	}
	return names
}

func findRange(r results.Round, name string) (results.Range, bool) {
	for _, rg := range r.Ranges {
		if rg.Name == name {
			return rg, true
		}
	}
	return results.Range{}, false
}

// bestByRound is the best ok trial of each round, by round number.
func bestByRound(s results.Study, trials []results.Trial) map[int]results.Trial {
	byRound := map[int][]results.Trial{}
	for _, t := range trials {
		byRound[t.Round] = append(byRound[t.Round], t)
	}
	best := map[int]results.Trial{}
	for r, ts := range byRound {
		if b, ok := results.Best(ts, s.Goal); ok {
			best[r] = b
		}
	}
	return best
}

func rangePanel(name string, rounds []results.Round, best map[int]results.Trial) (*plot.Plot, error) {
	for _, r := range rounds {
		if rg, ok := findRange(r, name); ok {
			if len(rg.Choices) > 0 {
				return choicePanel(name, rounds, best)
			}
			return numericPanel(name, rounds, best)
		}
	}
	return nil, ErrNoData
}

// roundAxis labels the x axis with the round numbers.
func roundAxis(p *plot.Plot, rounds []results.Round) {
	ticks := make([]plot.Tick, 0, len(rounds))
	first, last := rounds[0].Round, rounds[0].Round
	for _, r := range rounds {
		ticks = append(ticks, plot.Tick{Value: float64(r.Round), Label: strconv.Itoa(r.Round)})
		first, last = min(first, r.Round), max(last, r.Round)
	}
	p.X.Tick.Marker = plot.ConstantTicks(ticks)
	p.X.Min, p.X.Max = float64(first)-0.4, float64(last)+0.4
	widenIfFlat(&p.X) // a round numbered past 2^53, as a damaged store may hold
}

// numericPanel needs no legend: the caption says what the band and the
// rings are, and small panels have no corner to spare.
func numericPanel(name string, rounds []results.Round, best map[int]results.Trial) (*plot.Plot, error) {
	var lows, highs, bests plotter.XYs
	var bars polylines
	ys := newExtent()
	logY := false
	barStyle := lineStyle(okColor, vg.Points(3), false)
	for _, r := range rounds {
		rg, ok := findRange(r, name)
		if !ok || len(rg.Choices) > 0 || !finite(rg.Low) || !finite(rg.High) || rg.Low > rg.High || (rg.Log && rg.Low <= 0) {
			continue
		}
		logY = logY || rg.Log
		x := float64(r.Round)
		lows = append(lows, plotter.XY{X: x, Y: rg.Low})
		highs = append(highs, plotter.XY{X: x, Y: rg.High})
		bars = append(bars, polyline{xys: plotter.XYs{{X: x, Y: rg.Low}, {X: x, Y: rg.High}}, style: barStyle})
		ys.add(rg.Low)
		ys.add(rg.High)
		if v, ok := bestParam(best, r.Round, name); ok && (!rg.Log || v > 0) {
			bests = append(bests, plotter.XY{X: x, Y: v})
			ys.add(v)
		}
	}
	if len(lows) == 0 {
		return nil, ErrNoData
	}
	// A log range that reaches zero (a mix of rounds) cannot be drawn on a
	// log axis; a linear one is still true.
	logY = logY && !ys.nonPositive
	p := newPlot(name, "round", "")
	if len(lows) > 1 {
		ring := append(plotter.XYs{}, lows...)
		for i := len(highs) - 1; i >= 0; i-- {
			ring = append(ring, highs[i])
		}
		band, err := plotter.NewPolygon(ring)
		if err != nil {
			return nil, err
		}
		band.Color = withAlpha(okColor, 50)
		band.LineStyle = lineStyle(withAlpha(okColor, 120), vg.Points(0.5), false)
		p.Add(band)
	}
	p.Add(bars)
	if len(bests) > 0 {
		sc, err := plotter.NewScatter(bests)
		if err != nil {
			return nil, err
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: divergedColor, Radius: vg.Points(3.5), Shape: draw.RingGlyph{}}
		p.Add(sc)
	}
	roundAxis(p, rounds)
	setAxis(&p.Y, ys, logY)
	if logY {
		p.Y.Label.Text = "log scale"
	}
	return p, nil
}

// bestParam is the numeric value of name in the best trial of round.
func bestParam(best map[int]results.Trial, round int, name string) (float64, bool) {
	t, ok := best[round]
	if !ok {
		return 0, false
	}
	v, ok := t.Params.Get(name)
	if !ok {
		return 0, false
	}
	f, ok := toFloat(v)
	return f, ok && finite(f)
}

// choicePanel marks, per round, the choices a categorical parameter kept
// (filled squares) and the best trial's choice (ringed).
func choicePanel(name string, rounds []results.Round, best map[int]results.Trial) (*plot.Plot, error) {
	index := map[string]int{}
	var labels []string
	var kept, bests plotter.XYs
	at := func(v any) float64 {
		label := results.FormatValue(v)
		i, ok := index[label]
		if !ok {
			i = len(labels)
			index[label] = i
			labels = append(labels, label)
		}
		return float64(i)
	}
	for _, r := range rounds {
		rg, ok := findRange(r, name)
		if !ok {
			continue
		}
		for _, c := range rg.Choices {
			kept = append(kept, plotter.XY{X: float64(r.Round), Y: at(c)})
		}
		if t, ok := best[r.Round]; ok {
			if v, ok := t.Params.Get(name); ok {
				bests = append(bests, plotter.XY{X: float64(r.Round), Y: at(v)})
			}
		}
	}
	if len(kept) == 0 {
		return nil, ErrNoData
	}
	p := newPlot(name, "round", "")
	sc, err := plotter.NewScatter(kept)
	if err != nil {
		return nil, err
	}
	sc.GlyphStyle = draw.GlyphStyle{Color: okColor, Radius: vg.Points(3), Shape: draw.BoxGlyph{}}
	p.Add(sc)
	if len(bests) > 0 {
		b, err := plotter.NewScatter(bests)
		if err != nil {
			return nil, err
		}
		b.GlyphStyle = draw.GlyphStyle{Color: divergedColor, Radius: vg.Points(5), Shape: draw.RingGlyph{}}
		p.Add(b)
	}
	ticks := make([]plot.Tick, len(labels))
	for i, l := range labels {
		ticks[i] = plot.Tick{Value: float64(i), Label: l}
	}
	p.Y.Tick.Marker = plot.ConstantTicks(ticks)
	p.Y.Min, p.Y.Max = -0.6, float64(len(labels))-0.4
	roundAxis(p, rounds)
	return p, nil
}

// PrunedCurves plots the intermediate validation loss of the trials early
// stopping pruned against those it kept, each pruned curve ending in a
// cross where it was stopped: a reader can see whether the pruner stopped
// trials that were still catching up. ErrNoData when no trial was pruned.
func PrunedCurves(s results.Study, trials []results.Trial) (*Figure, error) {
	return prunedCurves(results.Rank(trials, s.Goal))
}

// prunedCurves is PrunedCurves of trials already in rank order.
func prunedCurves(ranked []results.Trial) (*Figure, error) {
	var pruned, kept []results.Trial
	for _, t := range ranked {
		if len(t.History) == 0 {
			continue
		}
		switch t.Status {
		case results.StatusPruned:
			pruned = append(pruned, t)
		case results.StatusOK:
			kept = append(kept, t)
		}
	}
	if len(pruned) == 0 {
		return nil, fmt.Errorf("pruned curves: no trial was pruned: %w", ErrNoData)
	}
	nPruned, nKept := len(pruned), len(kept)
	pruned, kept = sample(pruned, maxPrunedLines, 0), sample(kept, maxPrunedLines, maxPrunedLines/5)

	xs, ys := newExtent(), newExtent()
	for _, group := range [][]results.Trial{pruned, kept} {
		for _, t := range group {
			for _, pt := range t.History {
				xs.add(float64(pt.Iteration))
				ys.add(pt.ValidationLoss)
			}
		}
	}
	if ys.n == 0 {
		return nil, fmt.Errorf("pruned curves: every validation loss is NaN or infinite: %w", ErrNoData)
	}
	logY := ys.spansDecades()
	p := newPlot("Early stopping: pruned and kept trials", "iteration", "validation loss")
	prunedStyle := lineStyle(withAlpha(prunedColor, 200), vg.Points(1), false)
	keptStyle := lineStyle(withAlpha(okColor, 110), vg.Points(0.8), false)
	lines, ends := curveLines(pruned, prunedStyle, logY)
	keptLines, _ := curveLines(kept, keptStyle, logY)
	// Pruned on top: they are what this plot is about.
	p.Add(keptLines, lines)
	if len(ends) > 0 {
		sc, err := plotter.NewScatter(ends)
		if err != nil {
			return nil, fmt.Errorf("pruned curves: %w", err)
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: prunedColor, Radius: vg.Points(2), Shape: draw.CrossGlyph{}}
		p.Add(sc)
		p.Legend.Add(fmt.Sprintf("pruned (%d)", nPruned), legendLine(prunedStyle), sc)
	}
	p.Legend.Add(fmt.Sprintf("kept (%d)", nKept), legendLine(keptStyle))
	setLinear(&p.X, xs.lo, xs.hi)
	setAxis(&p.Y, ys, logY)
	drawn := []plotter.XYs{ends}
	for _, l := range slices.Concat(lines, keptLines) {
		drawn = append(drawn, l.xys)
	}
	placeLegend(p, drawn...)

	fig := single(p, plotWidth, plotHeight)
	fig.Title = "Pruned and kept trials"
	fig.Caption = fmt.Sprintf("Intermediate validation loss of the %d pruned trials (orange, × where each was stopped) and the %d kept ones (blue)%s.",
		nPruned, nKept, logNote(logY, "loss"))
	if nPruned > maxPrunedLines || nKept > maxPrunedLines {
		fig.Caption += fmt.Sprintf(" At most %d curves of each kind are drawn: the best, then an even spread of the rest.", maxPrunedLines)
	}
	return fig, nil
}

// curveLines turns trials' validation histories into polylines, and
// returns the last drawable point of each.
func curveLines(trials []results.Trial, sty draw.LineStyle, logY bool) (polylines, plotter.XYs) {
	lines := make(polylines, 0, len(trials))
	var ends plotter.XYs
	for _, t := range trials {
		xys := historyXYs(t.History, validationLoss, logY)
		if len(xys) == 0 {
			continue
		}
		lines = append(lines, polyline{xys: xys, style: sty})
		ends = append(ends, xys[len(xys)-1])
	}
	return lines, ends
}
