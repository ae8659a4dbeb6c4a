package report

import (
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/hpsearch/hpsearch/results"
)

// sans is the face of every text in the plots: gonum's default is a serif,
// which reads poorly at the small sizes a phone scales the images to. The
// Liberation fonts are compiled into gonum/plot, so nothing is fetched.
var sans = font.Font{Typeface: "Liberation", Variant: "Sans"}

var (
	plotBackground = color.White
	gridColor      = color.Gray{Y: 225}
	textColor      = color.Gray{Y: 30}
	faintColor     = color.NRGBA{R: 150, G: 150, B: 150, A: 110}
	okColor        = color.NRGBA{R: 0x4e, G: 0x79, B: 0xa7, A: 255}
	prunedColor    = color.NRGBA{R: 0xf2, G: 0x8e, B: 0x2b, A: 255}
	divergedColor  = color.NRGBA{R: 0xd6, G: 0x27, B: 0x28, A: 255}
	failedColor    = color.NRGBA{R: 0x40, G: 0x40, B: 0x40, A: 255}
)

// seriesColors tell up to eight trials apart (Tableau 10 without its
// lightest two), in the order of their rank.
var seriesColors = []color.Color{
	color.NRGBA{R: 0x4e, G: 0x79, B: 0xa7, A: 255},
	color.NRGBA{R: 0xf2, G: 0x8e, B: 0x2b, A: 255},
	color.NRGBA{R: 0xe1, G: 0x57, B: 0x59, A: 255},
	color.NRGBA{R: 0x59, G: 0xa1, B: 0x4f, A: 255},
	color.NRGBA{R: 0xb0, G: 0x7a, B: 0xa1, A: 255},
	color.NRGBA{R: 0x76, G: 0xb7, B: 0xb2, A: 255},
	color.NRGBA{R: 0x9c, G: 0x75, B: 0x5f, A: 255},
	color.NRGBA{R: 0xed, G: 0xc9, B: 0x48, A: 255},
}

func seriesColor(i int) color.Color { return seriesColors[i%len(seriesColors)] }

// withAlpha returns c with its opacity set to a (0–255).
func withAlpha(c color.Color, a uint8) color.Color {
	r, g, b, _ := c.RGBA()
	return color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: a}
}

func textStyle(size vg.Length, xa text.XAlignment, ya text.YAlignment) text.Style {
	return text.Style{
		Color:   textColor,
		Font:    font.From(sans, size),
		XAlign:  xa,
		YAlign:  ya,
		Handler: plot.DefaultTextHandler,
	}
}

// newPlot returns a plot in the report's style with axis labels and a
// light grid.
func newPlot(title, xLabel, yLabel string) *plot.Plot {
	p := styledPlot(title)
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	g := plotter.NewGrid()
	g.Vertical.Color = gridColor
	g.Horizontal.Color = gridColor
	p.Add(g)
	return p
}

// styledPlot returns a plot in the report's style: sans-serif text, thin
// dark-grey axes, the legend in the top right corner.
func styledPlot(title string) *plot.Plot {
	p := plot.New()
	p.BackgroundColor = plotBackground
	p.Title.Text = title
	p.Title.TextStyle.Font = font.From(sans, 12)
	p.Title.Padding = vg.Millimeter * 2
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = font.From(sans, 10)
		a.Tick.Label.Font = font.From(sans, 9)
		a.LineStyle.Color = textColor
		a.Tick.LineStyle.Color = textColor
		a.Tick.Length = vg.Points(4)
	}
	p.Legend.TextStyle.Font = font.From(sans, 9)
	p.Legend.Top = true
	p.Legend.ThumbnailWidth = vg.Centimeter * 0.8
	return p
}

// finite reports whether v is a real number (not NaN, not ±Inf).
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// extent is the range of the finite values seen, and of the positive ones:
// a log axis can only show the latter.
type extent struct {
	lo, hi       float64
	posLo, posHi float64
	n, pos       int
	nonPositive  bool
}

func newExtent() extent {
	return extent{lo: math.Inf(1), hi: math.Inf(-1), posLo: math.Inf(1), posHi: math.Inf(-1)}
}

func (e *extent) add(v float64) {
	if !finite(v) {
		return
	}
	e.n++
	e.lo, e.hi = math.Min(e.lo, v), math.Max(e.hi, v)
	if v <= 0 {
		e.nonPositive = true
		return
	}
	e.pos++
	e.posLo, e.posHi = math.Min(e.posLo, v), math.Max(e.posHi, v)
}

// spansDecades reports whether every value is positive and they cover at
// least two powers of ten: then a linear axis would flatten all but the
// largest into one line, and a log axis is the honest picture.
func (e extent) spansDecades() bool {
	return e.n > 0 && !e.nonPositive && e.posHi/e.posLo >= 100
}

// setLog makes a a log axis over [lo, hi] (both > 0), padded a little so
// that points on the edge are not cut in half. gonum panics on a log axis
// that reaches zero, so the range is always set explicitly, and padded in
// powers of ten: a history spanning 600 decades, or reaching the
// subnormal 1e-320, must not pad its ends to 0 or +Inf.
func setLog(a *plot.Axis, lo, hi float64) {
	if !(lo > 0) || !finite(lo) || !finite(hi) || hi < lo {
		lo, hi = 1, 10
	}
	llo, lhi := math.Log10(lo), math.Log10(hi)
	if !(lhi-llo > 1e-9) {
		llo, lhi = llo-0.3, lhi+0.3 // one value: a factor of two either side
	}
	pad := (lhi - llo) * 0.03
	a.Scale = plot.LogScale{}
	a.Tick.Marker = plot.TickerFunc(logTicks)
	a.Min = math.Max(math.Pow(10, llo-pad), math.SmallestNonzeroFloat64)
	a.Max = math.Min(math.Pow(10, lhi+pad), math.MaxFloat64)
	if !(a.Max > a.Min) {
		a.Min, a.Max = math.SmallestNonzeroFloat64, math.MaxFloat64
	}
}

// setLinear fixes a linear axis over [lo, hi], padded by 3%, within
// float64 even for values at its limits.
func setLinear(a *plot.Axis, lo, hi float64) {
	if !finite(lo) || !finite(hi) || hi < lo {
		lo, hi = 0, 1
	}
	pad := (hi/2 - lo/2) * 0.06
	a.Scale = wideLinear{}
	a.Tick.Marker = plot.TickerFunc(linearTicks)
	a.Min, a.Max = clampFinite(lo-pad), clampFinite(hi+pad)
	widenIfFlat(a)
}

// linearTicks are gonum's, labelled the way the tables write numbers:
// iterations as 250, not 250.00.
// gonum's labelling loops for ever on a range wider than float64 holds
// (-1.7e308 to 1.7e308) and panics on an empty one, so such ranges get
// the ticks of a quarter of the range, scaled back up (exactly: a power of two).
func linearTicks(lo, hi float64) []plot.Tick {
	if !finite(lo) || !finite(hi) || !(hi > lo) {
		return nil
	}
	scale := 1.0
	if math.IsInf(hi-lo, 0) {
		scale = 4
	}
	ticks := plot.DefaultTicks{}.Ticks(lo/scale, hi/scale)
	for i := range ticks {
		ticks[i].Value *= scale
		if ticks[i].Label != "" {
			ticks[i].Label = results.FormatValue(ticks[i].Value)
		}
	}
	return ticks
}

// setAxis picks log or linear for the values of e.
func setAxis(a *plot.Axis, e extent, log bool) {
	if log && e.pos > 0 {
		setLog(a, e.posLo, e.posHi)
		return
	}
	setLinear(a, e.lo, e.hi)
}

// logTicks labels the powers of ten of a log axis, like plot.LogTicks, but
// also 2 and 5 × 10ᵏ when the axis spans three decades or fewer, every few decades
// when it spans dozens, and falls back to linear ticks rather than leave an
// axis with fewer than two labels.
func logTicks(lo, hi float64) []plot.Tick {
	if !(lo > 0) || !(hi > lo) || !finite(hi) {
		return positiveTicks(lo, hi)
	}
	first := int(math.Floor(math.Log10(lo)))
	last := int(math.Ceil(math.Log10(hi)))
	decades := last - first
	step := max(1, decades/8)
	var ticks []plot.Tick
	labelled := 0
	for e := first; e <= last; e++ {
		base := math.Pow(10, float64(e))
		for m := 1; m < 10; m++ {
			if m > 1 && decades > 24 {
				break // minor ticks would merge into a smear
			}
			v := float64(m) * base
			if v < lo || v > hi {
				continue
			}
			t := plot.Tick{Value: v}
			if (m == 1 && (e-first)%step == 0) || (decades <= 3 && (m == 2 || m == 5)) {
				t.Label = results.FormatValue(v)
				labelled++
			}
			ticks = append(ticks, t)
		}
	}
	if labelled < 2 {
		return positiveTicks(lo, hi)
	}
	return ticks
}

// positiveTicks are linear ticks without the ones at or below zero, which
// gonum's log scale would panic on.
func positiveTicks(lo, hi float64) []plot.Tick {
	var out []plot.Tick
	for _, t := range linearTicks(lo, hi) {
		if t.Value > 0 {
			out = append(out, t)
		}
	}
	return out
}

// placeLegend puts the legend in the corner of the data area that holds
// the fewest of the drawn points (the top right among equals): a legend
// over the data hides what the plot is for. Call it once the axes are set.
func placeLegend(p *plot.Plot, sets ...plotter.XYs) {
	var count [4]int // top right, top left, bottom right, bottom left
	for _, set := range sets {
		for _, xy := range set {
			x, okX := norm(&p.X, xy.X)
			y, okY := norm(&p.Y, xy.Y)
			if !okX || !okY {
				continue
			}
			switch {
			case y > 0.6 && x > 0.55:
				count[0]++
			case y > 0.6 && x < 0.45:
				count[1]++
			case y < 0.4 && x > 0.55:
				count[2]++
			case y < 0.4 && x < 0.45:
				count[3]++
			}
		}
	}
	best := 0
	for i, n := range count {
		if n < count[best] {
			best = i
		}
	}
	p.Legend.Top = best < 2
	p.Legend.Left = best%2 == 1
}

// norm is v's position along a (0 at Min, 1 at Max); false where a log
// axis cannot place it.
func norm(a *plot.Axis, v float64) (float64, bool) {
	if _, isLog := a.Scale.(plot.LogScale); (isLog && (v <= 0 || a.Min <= 0)) || !finite(v) || !(a.Max > a.Min) {
		return 0, false
	}
	return a.Norm(v), true
}

// along returns n points evenly spaced from a to b, for counting a
// straight line (a threshold) in placeLegend.
func along(a, b plotter.XY, n int) plotter.XYs {
	out := make(plotter.XYs, n)
	for i := range out {
		f := float64(i) / float64(n-1)
		out[i] = plotter.XY{X: a.X + f*(b.X-a.X), Y: a.Y + f*(b.Y-a.Y)}
	}
	return out
}

// lineStyle is a solid or dashed line of the given colour and width.
func lineStyle(c color.Color, width vg.Length, dashed bool) draw.LineStyle {
	s := draw.LineStyle{Color: c, Width: width}
	if dashed {
		s.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
	}
	return s
}
