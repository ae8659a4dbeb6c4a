package report

// The value-against-learning-rate plot: every trial at its learning rate,
// the failed and diverged ones in a band beyond the worst edge.

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/hpsearch/hpsearch/results"
)

// ValueVsLearningRate plots each trial's value against its learning rate
// (param, on a log axis). Ok trials are points; pruned trials open rings
// at the value they were stopped with; diverged and failed trials have no
// value and are drawn as distinct marks in a band beyond the worst edge
// (above for a loss, below for a metric to maximize), so they are counted,
// not dropped. The best trial is ringed.
func ValueVsLearningRate(s results.Study, trials []results.Trial, param string) (*Figure, error) {
	groups, xs, ys, skipped := lrGroups(trials, param)
	if xs.pos == 0 {
		return nil, fmt.Errorf("value against %s: no trial has a positive %s: %w", param, param, ErrNoData)
	}
	floor, withFloor := s.Floor.Of(s.Metric)
	withFloor = withFloor && finite(floor)
	if withFloor {
		ys.add(floor)
	}
	logY := ys.spansDecades()
	metric := metricName(s)
	p := newPlot(metric+" against "+param, param+" (log)", metric)
	setLog(&p.X, xs.posLo, xs.posHi)
	setAxis(&p.Y, ys, logY)
	bottom := s.Goal.Maximizes()
	side := "top"
	if bottom {
		side = "bottom"
	}
	edge := edgeBand(&p.Y, logY, bottom)

	var sampled bool
	var drawn []plotter.XYs
	for _, g := range groups {
		if len(g.xys) == 0 {
			continue
		}
		xys := g.xys
		if len(xys) > maxPoints {
			xys, sampled = stride(xys, maxPoints), true
		}
		if g.atEdge {
			for i := range xys {
				xys[i].Y = edge
			}
		}
		drawn = append(drawn, xys)
		sc, err := plotter.NewScatter(xys)
		if err != nil {
			return nil, fmt.Errorf("value against %s: %w", param, err)
		}
		sc.GlyphStyle = g.glyph
		p.Add(sc)
		label := fmt.Sprintf("%s (%d)", g.name, len(g.xys))
		if g.atEdge {
			label = fmt.Sprintf("%s (%d), at the %s edge", g.name, len(g.xys), side)
		}
		p.Legend.Add(label, sc)
	}
	if err := markBest(p, s, trials, param); err != nil {
		return nil, fmt.Errorf("value against %s: %w", param, err)
	}
	if withFloor && (!logY || floor > 0) {
		// The least-squares floor, as a dashed line across the plot.
		line, err := plotter.NewLine(plotter.XYs{{X: p.X.Min, Y: floor}, {X: p.X.Max, Y: floor}})
		if err != nil {
			return nil, fmt.Errorf("value against %s: %w", param, err)
		}
		line.LineStyle = lineStyle(textColor, vg.Points(1), true)
		p.Add(line)
		p.Legend.Add("least-squares floor "+results.FormatValue(floor), line)
	}
	placeLegend(p, drawn...)

	fig := single(p, plotWidth, plotHeight)
	fig.Title = "Value against learning rate"
	fig.Caption = lrCaption(metric, param, side, logY, sampled, skipped)
	if withFloor {
		fig.Caption += floorNote(s.Metric)
	}
	return fig, nil
}

func lrCaption(metric, param, side string, logY, sampled bool, skipped int) string {
	c := fmt.Sprintf("Every trial's %s against its %s (log axis)%s: the lecture's \"each power of ten as the learning rate\". "+
		"Diverged (×) and failed (▲) trials have no value and sit in the band along the %s edge, so a learning rate that is too large shows as a column of crosses.",
		metric, param, logNote(logY, metric), side)
	if sampled {
		c += fmt.Sprintf(" At most %d points per kind are drawn, evenly spread; the legend counts them all.", maxPoints)
	}
	if skipped > 0 {
		c += fmt.Sprintf(" %d trials without a positive %s are not shown.", skipped, param)
	}
	return c
}

// floorNote says what the dashed line is.
func floorNote(metric string) string {
	if metric == "train_loss" {
		return " The dashed line is the least-squares floor: the lowest training loss any weights reach, which gradient descent approaches."
	}
	return " The dashed line is the least-squares floor: the " + metric + " of the weights with the lowest training loss, which gradient descent approaches (on held-out data a trial can end below it)."
}

// lrGroup is one kind of trial in the learning-rate plot.
type lrGroup struct {
	name   string
	glyph  draw.GlyphStyle
	atEdge bool // no value: drawn in the band beyond the worst edge
	xys    plotter.XYs
}

// lrGroups sorts trials into ok, pruned, diverged and failed, with the
// extents of their learning rates and of the values that can be drawn;
// skipped counts trials without a positive learning rate. A trial that is
// not failed but has no value or an infinite one counts as diverged: its
// loss blew up, whatever stopped it.
func lrGroups(trials []results.Trial, param string) (groups []*lrGroup, xs, ys extent, skipped int) {
	ok := &lrGroup{name: "ok", glyph: draw.GlyphStyle{Color: withAlpha(okColor, 170), Radius: vg.Points(2.2), Shape: draw.CircleGlyph{}}}
	pruned := &lrGroup{name: "pruned", glyph: draw.GlyphStyle{Color: prunedColor, Radius: vg.Points(2.5), Shape: draw.RingGlyph{}}}
	diverged := &lrGroup{name: "diverged", atEdge: true, glyph: draw.GlyphStyle{Color: divergedColor, Radius: vg.Points(3), Shape: draw.CrossGlyph{}}}
	failed := &lrGroup{name: "failed", atEdge: true, glyph: draw.GlyphStyle{Color: failedColor, Radius: vg.Points(3), Shape: draw.TriangleGlyph{}}}
	xs, ys = newExtent(), newExtent()
	for _, t := range trials {
		v, has := t.Params.Get(param)
		lr, isNum := toFloat(v)
		if !has || !isNum || !(lr > 0) || !finite(lr) {
			if has {
				skipped++
			}
			continue
		}
		xs.add(lr)
		var g *lrGroup
		switch {
		case t.Status == results.StatusFailed:
			g = failed
		case !finite(t.Value.Float()) || t.Status == results.StatusDiverged:
			g = diverged
		case t.Status == results.StatusPruned:
			g = pruned
		default:
			g = ok
		}
		if !g.atEdge {
			ys.add(t.Value.Float())
		}
		g.xys = append(g.xys, plotter.XY{X: lr, Y: t.Value.Float()})
	}
	return []*lrGroup{failed, diverged, pruned, ok}, xs, ys, skipped
}

// edgeBand widens axis a by a band beyond its top (or bottom) edge and
// returns the band's middle, where trials without a value are drawn. The
// band is worked out in powers of ten on a log axis and on halves on a
// linear one, so an axis already near 0 or ±1.7e308 stays within float64.
func edgeBand(a *plot.Axis, logY, bottom bool) float64 {
	if logY {
		lo, hi := math.Log10(a.Min), math.Log10(a.Max)
		d := (hi - lo) * 0.07
		if bottom {
			y := math.Max(math.Pow(10, lo-d), math.SmallestNonzeroFloat64)
			a.Min = math.Max(math.Pow(10, lo-2*d), math.SmallestNonzeroFloat64)
			return y
		}
		y := math.Min(math.Pow(10, hi+d), math.MaxFloat64)
		a.Max = math.Min(math.Pow(10, hi+2*d), math.MaxFloat64)
		return y
	}
	d := (a.Max/2 - a.Min/2) * 0.14
	if bottom {
		y := clampFinite(a.Min - d)
		a.Min = clampFinite(y - d)
		return y
	}
	y := clampFinite(a.Max + d)
	a.Max = clampFinite(y + d)
	return y
}

// markBest rings the best trial, when there is one on the plot.
func markBest(p *plot.Plot, s results.Study, trials []results.Trial, param string) error {
	best, ok := results.Best(trials, s.Goal)
	if !ok {
		return nil
	}
	v, _ := best.Params.Get(param)
	lr, isNum := toFloat(v)
	if !isNum || !(lr > 0) || !finite(lr) {
		return nil
	}
	sc, err := plotter.NewScatter(plotter.XYs{{X: lr, Y: best.Value.Float()}})
	if err != nil {
		return err
	}
	sc.GlyphStyle = draw.GlyphStyle{Color: textColor, Radius: vg.Points(5), Shape: draw.RingGlyph{}}
	p.Add(sc)
	p.Legend.Add(fmt.Sprintf("best: trial %d", best.Number), sc)
	return nil
}

// stride returns n of xys, evenly spread.
func stride(xys plotter.XYs, n int) plotter.XYs {
	out := make(plotter.XYs, n)
	for i := range out {
		out[i] = xys[i*len(xys)/n]
	}
	return out
}
