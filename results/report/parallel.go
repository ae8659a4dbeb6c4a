package report

import (
	"fmt"
	"image/color"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/hpsearch/hpsearch/results"
)

// viridis anchors, stopped short of its last yellow, which vanishes on
// white: dark is best, light is worst.
var viridis = []color.Color{
	color.NRGBA{R: 0x44, G: 0x01, B: 0x54, A: 255},
	color.NRGBA{R: 0x3b, G: 0x52, B: 0x8b, A: 255},
	color.NRGBA{R: 0x21, G: 0x91, B: 0x8c, A: 255},
	color.NRGBA{R: 0x5e, G: 0xc9, B: 0x62, A: 255},
	color.NRGBA{R: 0xb5, G: 0xde, B: 0x2b, A: 255},
}

// ramp returns the colour map of the parallel-coordinates plot over [lo, hi].
func ramp(lo, hi float64) (palette.ColorMap, error) {
	cm, err := moreland.NewLuminance(viridis)
	if err != nil {
		return nil, fmt.Errorf("colour map: %w", err)
	}
	cm.SetMin(lo)
	cm.SetMax(hi)
	return cm, nil
}

// pcAxis is one vertical axis of the parallel-coordinates plot: where a
// trial's value falls on it (0 bottom, 1 top), and what its labels say.
type pcAxis struct {
	name   string
	labels []pcLabel
	pos    func(v any) (float64, bool)
	log    bool
}

type pcLabel struct {
	at   float64
	text string
}

// numericAxis spreads values between the extent's ends, in log space for a
// log-scaled parameter, so that 1e-4 … 1 are evenly spaced decades.
func numericAxis(name string, e extent, log bool) pcAxis {
	log = log && e.pos > 0 && !e.nonPositive
	lo, hi := e.lo, e.hi
	f := func(v float64) float64 { return v }
	if log {
		lo, hi, f = e.posLo, e.posHi, math.Log10
	}
	a := pcAxis{name: name, log: log, labels: []pcLabel{{0, results.FormatValue(lo)}, {1, results.FormatValue(hi)}}}
	if hi == lo {
		a.labels = []pcLabel{{0.5, results.FormatValue(lo)}}
	}
	flo, fhi := f(lo), f(hi)
	a.pos = func(v any) (float64, bool) {
		x, ok := toFloat(v)
		if !ok || !finite(x) || (log && x <= 0) {
			return 0, false
		}
		if fhi == flo {
			return 0.5, true
		}
		return math.Max(0, math.Min(1, fraction(flo, fhi, f(x)))), true
	}
	return a
}

// choiceAxis spreads the choices evenly, in the order the config lists
// them and then as first seen.
func choiceAxis(name string, choices []string) pcAxis {
	index := make(map[string]int, len(choices))
	for i, c := range choices {
		index[c] = i
	}
	at := func(i int) float64 {
		if len(choices) == 1 {
			return 0.5
		}
		return float64(i) / float64(len(choices)-1)
	}
	a := pcAxis{name: name}
	every := max(1, len(choices)/12) // label a dozen at most
	for i, c := range choices {
		if i%every == 0 {
			a.labels = append(a.labels, pcLabel{at(i), c})
		}
	}
	a.pos = func(v any) (float64, bool) {
		i, ok := index[results.FormatValue(v)]
		return at(i), ok
	}
	return a
}

// paramAxes builds one axis per parameter. The first round's ranges say
// which parameters are choices and which are log-scaled, and widen the
// axes to the whole searched range; parameters without a recorded range
// are judged by their values.
func paramAxes(s results.Study, trials []results.Trial) []pcAxis {
	first := map[string]results.Range{}
	if len(s.Rounds) > 0 {
		for _, rg := range s.Rounds[0].Ranges {
			first[rg.Name] = rg
		}
	}
	var axes []pcAxis
	for _, name := range results.ParamNames(trials) {
		rg, hasRange := first[name]
		if len(rg.Choices) > 0 || !numericParam(trials, name) {
			axes = append(axes, choiceAxis(name, choices(rg, trials, name)))
			continue
		}
		e := newExtent()
		for _, t := range trials {
			if v, ok := t.Params.Get(name); ok {
				x, _ := toFloat(v)
				e.add(x)
			}
		}
		if e.n == 0 {
			continue
		}
		if hasRange {
			e.add(rg.Low)
			e.add(rg.High)
		}
		axes = append(axes, numericAxis(name, e, (hasRange && rg.Log) || (!hasRange && e.spansDecades())))
	}
	return axes
}

// numericParam reports whether every value of the named parameter is a
// number.
func numericParam(trials []results.Trial, name string) bool {
	for _, t := range trials {
		if v, ok := t.Params.Get(name); ok {
			if _, isNum := toFloat(v); !isNum {
				return false
			}
		}
	}
	return true
}

// choices lists a categorical parameter's values as the tables write
// them: the configured choices first, then any other value as first seen.
func choices(rg results.Range, trials []results.Trial, name string) []string {
	var out []string
	seen := map[string]bool{}
	add := func(v any) {
		if c := results.FormatValue(v); !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	for _, c := range rg.Choices {
		add(c)
	}
	for _, t := range trials {
		if v, ok := t.Params.Get(name); ok {
			add(v)
		}
	}
	return out
}

// ParallelCoordinates draws every trial as a polyline across one vertical
// axis per parameter and a last one for its value, coloured by that value
// (dark is best). Log-scaled parameters are spread in log space, choices
// evenly. Trials without a value (diverged, failed, pruned) are faint grey
// lines across the parameter axes that end at "no value", beyond the
// worst end of the value axis, so that even a one-parameter study draws
// them as lines. A study of more than maxLines trials is sampled: its best
// maxBestLines trials, then an even spread of the rest.
func ParallelCoordinates(s results.Study, trials []results.Trial) (*Figure, error) {
	return parallelCoordinates(s, trials, results.Rank(trials, s.Goal))
}

// parallelCoordinates is ParallelCoordinates with the trials also in rank
// order (ranked), which is the order they are sampled and drawn in.
func parallelCoordinates(s results.Study, trials, ranked []results.Trial) (*Figure, error) {
	axes, values, valueAxis, err := pcAxes(s, trials)
	if err != nil {
		return nil, err
	}

	drawn := sample(ranked, maxLines, maxBestLines)
	cm, err := ramp(0, 1)
	if err != nil {
		return nil, fmt.Errorf("parallel coordinates: %w", err)
	}
	noValue := math.NaN()
	if valueAxis >= 0 && slices.ContainsFunc(drawn, func(t results.Trial) bool { return !hasPCValue(t) }) {
		noValue = noValueAbove
		if s.Goal.Maximizes() {
			noValue = noValueBelow
		}
	}
	lines, err := pcLines(drawn, axes, valueAxis, noValue, s.Goal.Maximizes(), cm)
	if err != nil {
		return nil, fmt.Errorf("parallel coordinates: %w", err)
	}

	p := styledPlot("All trials, coloured by " + metricName(s))
	p.Add(pcFrame(axes), lines)
	if !math.IsNaN(noValue) {
		p.Add(noValueMark{x: float64(valueAxis), y: noValue})
	}
	ticks := make([]plot.Tick, len(axes))
	for i, a := range axes {
		ticks[i] = plot.Tick{Value: float64(i), Label: a.name}
	}
	p.X.Tick.Marker = plot.ConstantTicks(ticks)
	// Half an axis's spacing either side: room for the first and last
	// axes' names.
	p.X.Min, p.X.Max = -0.5, float64(len(axes)-1)+0.5
	p.Y.Min, p.Y.Max = -0.09, 1.09
	if !math.IsNaN(noValue) {
		p.Y.Min, p.Y.Max = math.Min(p.Y.Min, noValue-0.05), math.Max(p.Y.Max, noValue+0.05)
	}
	p.HideY()
	// The frame draws the axes; a horizontal one would only add a line.
	p.X.LineStyle.Width = 0
	p.X.Tick.Length = 0

	fig := single(p, plotWidth, plotHeight)
	if valueAxis >= 0 {
		bar, err := colorBar(s, axes[valueAxis], values)
		if err != nil {
			return nil, fmt.Errorf("parallel coordinates: %w", err)
		}
		fig = stacked(p, bar, plotWidth, plotHeight+barHeight, barHeight)
	}
	turnNamesWhenNarrow(fig, p, len(axes))
	fig.Title = "Parallel coordinates"
	fig.Caption = pcCaption(s, axes, len(trials), len(drawn))
	return fig, nil
}

// pcAxes is one axis per parameter and, when some trial is ok, a last one
// for the value (valueAxis is its index, -1 without one), whose extent
// values the colour bar shares.
func pcAxes(s results.Study, trials []results.Trial) (axes []pcAxis, values extent, valueAxis int, err error) {
	axes = paramAxes(s, trials)
	if len(axes) == 0 {
		return nil, extent{}, 0, fmt.Errorf("parallel coordinates: no trial has parameters: %w", ErrNoData)
	}
	values = newExtent()
	for _, t := range trials {
		if t.Status == results.StatusOK {
			values.add(t.Value.Float())
		}
	}
	if values.n > 0 {
		axes = append(axes, numericAxis(metricName(s), values, values.spansDecades()))
	}
	valueAxis = len(axes) - 1
	if values.n == 0 {
		valueAxis = -1
	}
	return axes, values, valueAxis, nil
}

// turnNamesWhenNarrow turns the axes' names in fig's phone layout only: on
// a phone the axes stand closer than their names are long, while on a
// wide page turned names would waste height.
func turnNamesWhenNarrow(fig *Figure, p *plot.Plot, nAxes int) {
	n := fig.narrow
	if n == nil {
		return
	}
	whole := n.draw
	n.draw = func(c draw.Canvas) {
		label, lo, hi := p.X.Tick.Label, p.X.Min, p.X.Max
		p.X.Tick.Label.Rotation, p.X.Tick.Label.XAlign, p.X.Tick.Label.YAlign = math.Pi/4, draw.XRight, draw.YCenter
		p.X.Min, p.X.Max = -1, float64(nAxes-1)+0.3
		defer func() { p.X.Tick.Label, p.X.Min, p.X.Max = label, lo, hi }()
		whole(c)
	}
}

// Where the lines of trials without a value end on the value axis: beyond
// its worst end, above it for a loss, below it for a metric to maximize,
// clear of the end's label.
const (
	noValueAbove = 1.17
	noValueBelow = -0.17
)

// hasPCValue reports whether a trial has a value the value axis shows.
func hasPCValue(t results.Trial) bool {
	return t.Status == results.StatusOK && finite(t.Value.Float())
}

// noValueMark labels the end of the value axis where trials without a
// value end.
type noValueMark struct{ x, y float64 }

func (m noValueMark) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	x, y := trX(m.x), trY(m.y)
	c.StrokeLine2(lineStyle(faintColor, vg.Points(1.5), false), x-vg.Points(4), y, x+vg.Points(4), y)
	// Left of the axis: the last axis is the plot's right edge.
	c.FillText(textStyle(vg.Points(9), draw.XRight, draw.YCenter), vg.Point{X: x - vg.Points(6), Y: y}, "no value")
}

func pcCaption(s results.Study, axes []pcAxis, total, drawn int) string {
	c := fmt.Sprintf("Each line is one trial, crossing one axis per parameter and a last one for its %s; its colour is the %s too, dark for the best. "+
		"Where the dark lines bunch on an axis, that parameter matters; where they spread, it hardly does. Grey lines are trials without a value (diverged, failed or pruned): they end at \"no value\", beyond the worst end of the %s axis.",
		metricName(s), metricName(s), metricName(s))
	var logs []string
	for _, a := range axes {
		if a.log {
			logs = append(logs, a.name)
		}
	}
	if len(logs) > 0 {
		c += " Logarithmic axes: " + strings.Join(logs, ", ") + "."
	}
	if drawn < total {
		c += fmt.Sprintf(" %d of the %d trials are drawn: the best %d, then an even spread of the rest.", drawn, total, maxBestLines)
	}
	return c
}

// pcLines turns trials (in rank order, best first) into polylines in
// reverse, so the best lie on top; trials without a value, which Rank puts
// last, come first of all, in grey.
// noValue is where a trial without a value meets the value axis (NaN:
// it does not).
func pcLines(drawn []results.Trial, axes []pcAxis, valueAxis int, noValue float64, maximize bool, cm palette.ColorMap) (polylines, error) {
	grey := lineStyle(faintColor, vg.Points(0.5), false)
	var lines polylines
	for i := len(drawn) - 1; i >= 0; i-- {
		t := drawn[i]
		hasValue := valueAxis >= 0 && hasPCValue(t)
		var xys plotter.XYs
		for j, a := range axes {
			var y float64
			var ok bool
			if j == valueAxis {
				y, ok = a.pos(t.Value.Float())
				ok = ok && hasValue
				if !hasValue && !math.IsNaN(noValue) {
					y, ok = noValue, true
				}
			} else if v, has := t.Params.Get(a.name); has {
				y, ok = a.pos(v)
			}
			if ok {
				xys = append(xys, plotter.XY{X: float64(j), Y: y})
			}
		}
		sty := grey
		if hasValue {
			y, _ := axes[valueAxis].pos(t.Value.Float())
			if maximize {
				y = 1 - y
			}
			c, err := cm.At(y)
			if err != nil {
				return nil, err
			}
			sty = lineStyle(withAlpha(c, 170), vg.Points(0.8), false)
		}
		lines = append(lines, polyline{xys: xys, style: sty})
	}
	return lines, nil
}

// colorScale draws a colour map over [0, 1] as n bands across [lo, hi] ×
// [0, 1]. (plotter.ColorBar draws a one-pixel-high image, which a browser
// keeps at its aspect ratio in SVG: a hairline.) The map stays on [0, 1]
// because its own arithmetic overflows on values from -1.7e308 to 1.7e308.
type colorScale struct {
	cm     palette.ColorMap
	lo, hi float64
	n      int
}

func (s colorScale) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	y0, y1 := trY(0), trY(1)
	x1 := trX(s.hi)
	for i := range s.n {
		a := lerp(s.lo, s.hi, float64(i)/float64(s.n))
		col, err := s.cm.At((float64(i) + 0.5) / float64(s.n))
		if err != nil {
			continue
		}
		// Each band reaches the end and the next paints over it: bands
		// that only touch leave anti-aliased seams.
		x0 := trX(a)
		c.FillPolygon(col, []vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}})
	}
}

func (s colorScale) DataRange() (xmin, xmax, ymin, ymax float64) {
	return s.lo, s.hi, 0, 1
}

// pcFrame draws the vertical axes and their end or choice labels.
type pcFrame []pcAxis

func (f pcFrame) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	axisStyle := lineStyle(textColor, vg.Points(0.7), false)
	above := textStyle(vg.Points(9), draw.XCenter, draw.YBottom)
	below := textStyle(vg.Points(9), draw.XCenter, draw.YTop)
	side := textStyle(vg.Points(9), draw.XLeft, draw.YCenter)
	for i, a := range f {
		x := trX(float64(i))
		c.StrokeLine2(axisStyle, x, trY(0), x, trY(1))
		for _, l := range a.labels {
			switch {
			case len(a.labels) <= 2 && l.at == 1:
				c.FillText(above, vg.Point{X: x, Y: trY(1) + vg.Points(2)}, l.text)
			case len(a.labels) <= 2 && l.at == 0:
				c.FillText(below, vg.Point{X: x, Y: trY(0) - vg.Points(2)}, l.text)
			default:
				c.FillText(side, vg.Point{X: x + vg.Points(3), Y: trY(l.at)}, l.text)
			}
		}
	}
}

// colorBar is the strip under the parallel-coordinates plot that says
// which colour is which value; on a log axis its ticks are powers of ten.
func colorBar(s results.Study, a pcAxis, values extent) (*plot.Plot, error) {
	lo, hi := values.lo, values.hi
	if a.log {
		lo, hi = math.Log10(values.posLo), math.Log10(values.posHi)
	}
	cm, err := ramp(0, 1)
	if err != nil {
		return nil, err
	}
	if s.Goal.Maximizes() {
		cm = palette.Reverse(cm)
	}
	p := styledPlot("")
	p.X.Label.Text = metricName(s) + " (dark is best)"
	p.HideY()
	p.X.Padding = 0
	p.X.Scale = wideLinear{}
	p.X.Tick.Marker = plot.TickerFunc(linearTicks)
	p.X.Min, p.X.Max = lo, hi
	widenIfFlat(&p.X) // one value: a bar of one colour still needs a width
	p.Add(colorScale{cm: cm, lo: p.X.Min, hi: p.X.Max, n: 64})
	if a.log {
		p.X.Tick.Marker = plot.TickerFunc(func(lo, hi float64) []plot.Tick {
			ticks := logTicks(math.Pow(10, lo), math.Pow(10, hi))
			for i := range ticks {
				ticks[i].Value = math.Log10(ticks[i].Value)
			}
			return ticks
		})
	}
	return p, nil
}
