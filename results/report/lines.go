package report

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/hpsearch/hpsearch/results"
)

// pointValue picks one metric out of a history point.
type pointValue func(results.Point) float64

func trainLoss(p results.Point) float64      { return p.TrainLoss }
func validationLoss(p results.Point) float64 { return p.ValidationLoss }
func gradNorm(p results.Point) float64       { return p.GradNorm }

// historyXYs returns (iteration, get(point)) for the points where the value
// can be drawn: finite, and positive on a log axis. A NaN in the middle of
// a diverging run is skipped rather than breaking the whole plot.
func historyXYs(h []results.Point, get pointValue, logY bool) plotter.XYs {
	xys := make(plotter.XYs, 0, len(h))
	for _, p := range h {
		v := get(p)
		if !finite(v) || (logY && v <= 0) {
			continue
		}
		xys = append(xys, plotter.XY{X: float64(p.Iteration), Y: v})
	}
	return xys
}

// addCurve adds xys to p as a line (or as a point when it is a single
// sample, which a line would not show) and returns its legend thumbnail;
// nil when there is nothing to draw.
func addCurve(p *plot.Plot, xys plotter.XYs, sty draw.LineStyle) (plot.Thumbnailer, error) {
	switch len(xys) {
	case 0:
		return nil, nil
	case 1:
		s, err := plotter.NewScatter(xys)
		if err != nil {
			return nil, fmt.Errorf("curve: %w", err)
		}
		s.GlyphStyle = draw.GlyphStyle{Color: sty.Color, Radius: sty.Width * 1.5, Shape: draw.CircleGlyph{}}
		p.Add(s)
		return s, nil
	}
	l, err := plotter.NewLine(xys)
	if err != nil {
		return nil, fmt.Errorf("curve: %w", err)
	}
	l.LineStyle = sty
	p.Add(l)
	return l, nil
}

// polyline is one trial's line in a plot that draws thousands of them.
type polyline struct {
	xys   plotter.XYs
	style draw.LineStyle
}

// polylines draws many lines with one plotter instead of one plotter
// each: the parallel-coordinates and pruning plots of a 100,000-trial
// study stay within the time budget. Points must be inside the axes'
// ranges (and positive on a log axis); the callers set the ranges from
// the same points.
type polylines []polyline

func (pl polylines) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	var pts []vg.Point
	for _, l := range pl {
		if len(l.xys) == 0 {
			continue
		}
		if len(l.xys) == 1 {
			// One point (a trial on a single axis): a short dash, which a
			// line of one point would not show.
			x, y := trX(l.xys[0].X), trY(l.xys[0].Y)
			c.StrokeLine2(l.style, x-vg.Points(3), y, x+vg.Points(3), y)
			continue
		}
		pts = pts[:0]
		for _, xy := range l.xys {
			pts = append(pts, vg.Point{X: trX(xy.X), Y: trY(xy.Y)})
		}
		c.StrokeLines(l.style, pts)
	}
}

// DataRange lets plot.Add widen the axes to the lines.
func (pl polylines) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, ymin = math.Inf(1), math.Inf(1)
	xmax, ymax = math.Inf(-1), math.Inf(-1)
	for _, l := range pl {
		for _, xy := range l.xys {
			xmin, xmax = math.Min(xmin, xy.X), math.Max(xmax, xy.X)
			ymin, ymax = math.Min(ymin, xy.Y), math.Max(ymax, xy.Y)
		}
	}
	return xmin, xmax, ymin, ymax
}

// legendLine is a legend entry for a group of polylines.
func legendLine(sty draw.LineStyle) plot.Thumbnailer {
	return &plotter.Line{LineStyle: sty}
}

// sample returns at most limit of ranked (best first), deterministically:
// the best keepBest of them, then an even stride through the rest, so that
// a plot of a huge study keeps both the winners and the shape of the
// crowd. The order of ranked is kept.
func sample(ranked []results.Trial, limit, keepBest int) []results.Trial {
	if limit <= 0 || len(ranked) <= limit {
		return ranked
	}
	keepBest = min(keepBest, limit)
	out := make([]results.Trial, 0, limit)
	out = append(out, ranked[:keepBest]...)
	rest := ranked[keepBest:]
	want := limit - keepBest
	for i := range want {
		out = append(out, rest[i*len(rest)/want])
	}
	return out
}
