package report

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/hpsearch/hpsearch/results"
)

// DefaultTop is how many of the best trials the curve plots draw: more
// lines than a reader can tell apart by colour help nobody.
const DefaultTop = 6

// Limits on what the many-trial plots draw. Beyond them a plot samples
// (see sample): the picture does not change, the drawing time does.
const (
	maxPoints      = 2000 // value against learning rate, per status
	maxLines       = 2500 // parallel coordinates
	maxBestLines   = 250  // of which always the best
	maxPrunedLines = 600  // pruning plot, per group
)

// curveSpec is one metric drawn from trials' histories.
type curveSpec struct {
	name   string
	get    pointValue
	dashed bool
}

var (
	lossSpecs = []curveSpec{{"training", trainLoss, false}, {"validation", validationLoss, true}}
	gradSpecs = []curveSpec{{"gradient norm", gradNorm, false}}
)

// LossCurves plots the training (solid) and validation (dashed) loss of
// the top trials against the iteration, one colour per trial, on a log
// axis when the losses span two decades or more. The top trials are the
// best ok ones with a history; when no trial succeeded, the first ones in
// rank order, so a study where everything diverged still shows how.
func LossCurves(s results.Study, trials []results.Trial, top int) (*Figure, error) {
	return lossCurves(s, results.Rank(trials, s.Goal), top)
}

// lossCurves is LossCurves of trials already in rank order: a report ranks
// a 100,000-trial study once, not once per plot.
func lossCurves(s results.Study, ranked []results.Trial, top int) (*Figure, error) {
	picked := topWithHistory(ranked, top)
	if len(picked) == 0 {
		return nil, fmt.Errorf("loss curves: no trial has a history: %w", ErrNoData)
	}
	p, logY, err := historyPlot("Loss of the "+topLabel(picked), "loss", picked, lossSpecs, false, 0)
	if err != nil {
		return nil, fmt.Errorf("loss curves: %w", err)
	}
	fig := single(p, plotWidth, plotHeight)
	fig.Title = "Loss curves"
	fig.Caption = fmt.Sprintf("Training (solid) and validation (dashed) loss of the %s against the iteration, one colour per trial%s. "+
		"Curves that have flattened out have converged; a validation curve that turns up while the training curve keeps falling is overfitting.",
		topLabel(picked), logNote(logY, "loss"))
	return fig, nil
}

// GradNormCurves plots the L2 norm of the gradient of the top trials
// against the iteration on a log axis, with the gradient threshold of the
// study's config when it has one: the lecture's first stopping criterion
// is a person looking at this plot.
func GradNormCurves(s results.Study, trials []results.Trial, top int) (*Figure, error) {
	return gradNormCurves(s, results.Rank(trials, s.Goal), top)
}

func gradNormCurves(s results.Study, ranked []results.Trial, top int) (*Figure, error) {
	picked := topWithHistory(ranked, top)
	if len(picked) == 0 {
		return nil, fmt.Errorf("gradient norms: no trial has a history: %w", ErrNoData)
	}
	threshold := configNumber(s.Config, "trainer.gradient_threshold")
	p, logY, err := historyPlot("Gradient norm of the "+topLabel(picked), "gradient norm", picked, gradSpecs, true, threshold)
	if err != nil {
		return nil, fmt.Errorf("gradient norms: %w", err)
	}
	fig := single(p, plotWidth, plotHeight)
	fig.Title = "Gradient norms"
	fig.Caption = fmt.Sprintf("L2 norm of the gradient of the %s against the iteration%s. "+
		"Training can stop where the norm has fallen close to zero (the dotted threshold) or stopped falling.",
		topLabel(picked), logNote(logY, "gradient norm"))
	return fig, nil
}

// TrialCurves plots one trial: its training and validation loss above,
// its gradient norm (log axis, with the threshold) below. It is what
// `hpsearch plot STUDY --trial N` draws.
func TrialCurves(s results.Study, t results.Trial) (fig *Figure, err error) {
	defer func() {
		if p := recover(); p != nil {
			fig, err = nil, &panicError{plot: fmt.Sprintf("trial %d", t.Number), value: p}
		}
	}()
	if len(t.History) == 0 {
		return nil, fmt.Errorf("trial %d (%s) has no history: %w", t.Number, t.Status, ErrNoData)
	}
	one := []results.Trial{t}
	var panels []*plot.Plot
	loss, _, err := historyPlot(fmt.Sprintf("Trial %d: loss", t.Number), "loss", one, lossSpecs, false, 0)
	if err != nil && !errors.Is(err, ErrNoData) {
		return nil, fmt.Errorf("trial %d: %w", t.Number, err)
	}
	if loss != nil {
		if t.BestIteration > 0 && t.BestIteration < t.Iterations {
			if err := markKept(loss, t.BestIteration); err != nil {
				return nil, fmt.Errorf("trial %d: %w", t.Number, err)
			}
		}
		panels = append(panels, loss)
	}
	threshold := configNumber(s.Config, "trainer.gradient_threshold")
	grad, _, err := historyPlot(fmt.Sprintf("Trial %d: gradient norm", t.Number), "gradient norm", one, gradSpecs, true, threshold)
	if err != nil && !errors.Is(err, ErrNoData) {
		return nil, fmt.Errorf("trial %d: %w", t.Number, err)
	}
	if grad != nil {
		panels = append(panels, grad)
	}
	if len(panels) == 0 {
		return nil, fmt.Errorf("trial %d: every history value is NaN or infinite: %w", t.Number, ErrNoData)
	}
	fig = grid(panels, 1, plotWidth, plotHeight*0.8)
	fig.Title = fmt.Sprintf("Trial %d", t.Number)
	fig.Caption = describeTrial(s, t)
	return fig, nil
}

// describeTrial is one line about a trial: parameters, outcome, value.
func describeTrial(s results.Study, t results.Trial) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Trial %d of study %s", t.Number, s.Name)
	if len(t.Params) > 0 {
		parts := make([]string, len(t.Params))
		for i, p := range t.Params {
			parts[i] = p.Name + "=" + results.FormatValue(p.Value)
		}
		fmt.Fprintf(&b, " (%s)", strings.Join(parts, ", "))
	}
	fmt.Fprintf(&b, ": %s", t.Status)
	if t.StopReason != "" {
		fmt.Fprintf(&b, ", stopped by %s", t.StopReason)
	}
	fmt.Fprintf(&b, " after %d iterations", t.Iterations)
	if finite(t.Value.Float()) {
		fmt.Fprintf(&b, ", %s %s", metricName(s), results.FormatValue(t.Value.Float()))
	}
	if t.BestIteration > 0 && t.BestIteration < t.Iterations {
		fmt.Fprintf(&b, " at iteration %d, whose weights it kept (the grey line)", t.BestIteration)
	}
	return b.String() + "."
}

// markKept draws a vertical line across the loss panel at the iteration
// whose weights the trial kept (trainer.monitor validation_loss, or a
// command's best step): what the value belongs to, not the curve's end.
func markKept(p *plot.Plot, iteration int) error {
	x := float64(iteration)
	sty := draw.LineStyle{Color: faintColor, Width: vg.Points(1.5), Dashes: []vg.Length{vg.Points(4), vg.Points(3)}}
	th, err := addCurve(p, plotter.XYs{{X: x, Y: p.Y.Min}, {X: x, Y: p.Y.Max}}, sty)
	if err != nil {
		return err
	}
	p.Legend.Add(fmt.Sprintf("kept (iteration %d)", iteration), th)
	return nil
}

// historyPlot draws specs of each picked trial's history against the
// iteration. One trial gets one colour per metric; several get one colour
// per trial and line styles per metric. The y axis is logarithmic when
// the values span two decades, or whenever preferLog and some are
// positive. A threshold > 0 is drawn as a dotted line.
func historyPlot(title, yLabel string, picked []results.Trial, specs []curveSpec, preferLog bool, threshold float64) (*plot.Plot, bool, error) {
	xs, ys := newExtent(), newExtent()
	for _, t := range picked {
		for _, pt := range t.History {
			xs.add(float64(pt.Iteration))
			for _, sp := range specs {
				ys.add(sp.get(pt))
			}
		}
	}
	if ys.n == 0 {
		return nil, false, fmt.Errorf("%s: every value is NaN or infinite: %w", yLabel, ErrNoData)
	}
	// Whether the data can take a log axis is for the data alone to say:
	// a positive threshold over gradients that are all zero cannot.
	logY := ys.spansDecades() || (preferLog && ys.pos > 0)
	if threshold > 0 && finite(threshold) {
		ys.add(threshold)
	}
	p := newPlot(title, "iteration", yLabel)
	one := len(picked) == 1
	var drawn []plotter.XYs
	for i, t := range picked {
		labelled := false
		for j, sp := range specs {
			c := seriesColor(i)
			if one {
				c = seriesColor(j)
			}
			xys := historyXYs(t.History, sp.get, logY)
			drawn = append(drawn, xys)
			th, err := addCurve(p, xys, lineStyle(c, vg.Points(1.5), sp.dashed))
			if err != nil {
				return nil, false, err
			}
			switch {
			case th == nil:
			case one:
				p.Legend.Add(sp.name, th)
			case !labelled:
				p.Legend.Add(trialLabel(t), th)
				labelled = true
			}
		}
	}
	if !one && len(specs) > 1 {
		for _, sp := range specs {
			p.Legend.Add(sp.name, legendLine(lineStyle(textColor, vg.Points(1.5), sp.dashed)))
		}
	}
	if threshold > 0 && finite(threshold) {
		sty := draw.LineStyle{Color: divergedColor, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(1.5), vg.Points(2.5)}}
		line := plotter.XYs{{X: xs.lo, Y: threshold}, {X: xs.hi, Y: threshold}}
		th, err := addCurve(p, line, sty)
		if err != nil {
			return nil, false, err
		}
		p.Legend.Add("gradient threshold "+results.FormatValue(threshold), th)
		drawn = append(drawn, along(line[0], line[1], 20))
	}
	setLinear(&p.X, xs.lo, xs.hi)
	setAxis(&p.Y, ys, logY)
	placeLegend(p, drawn...)
	return p, logY, nil
}

// topWithHistory returns up to n of the best ok trials (of ranked, in
// rank order) that have a history, or, when none has, up to n of the
// others.
func topWithHistory(ranked []results.Trial, n int) []results.Trial {
	if n <= 0 {
		n = DefaultTop
	}
	var ok, other []results.Trial
	for _, t := range ranked {
		if len(t.History) == 0 {
			continue
		}
		if t.Status == results.StatusOK {
			ok = append(ok, t)
			if len(ok) == n {
				break
			}
		} else if len(other) < n {
			other = append(other, t)
		}
	}
	if len(ok) > 0 {
		return ok
	}
	return other
}

func topLabel(picked []results.Trial) string {
	ok := picked[0].Status == results.StatusOK
	switch {
	case len(picked) == 1 && ok:
		return "best trial"
	case len(picked) == 1:
		return "only trial with a history"
	case ok:
		return strconv.Itoa(len(picked)) + " best trials"
	}
	return strconv.Itoa(len(picked)) + " first trials (none succeeded)"
}

func trialLabel(t results.Trial) string {
	if t.Status == results.StatusOK && finite(t.Value.Float()) {
		return fmt.Sprintf("trial %d: %s", t.Number, results.FormatValue(t.Value.Float()))
	}
	return fmt.Sprintf("trial %d (%s)", t.Number, t.Status)
}

func logNote(logY bool, what string) string {
	if !logY {
		return ""
	}
	return "; the " + what + " axis is logarithmic"
}

func metricName(s results.Study) string {
	if s.Metric == "" {
		return "value"
	}
	return s.Metric
}

// configNumber reads one `key: value` line of a study's resolved config
// (the configs.FormatCanonical text a study is stored with); NaN when the
// key is absent or not a number, as in a study from an older version.
func configNumber(config, key string) float64 {
	for line := range strings.Lines(config) {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ": ")
		if !ok || k != key {
			continue
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			return math.NaN()
		}
		return f
	}
	return math.NaN()
}

// toFloat converts a numeric parameter value; ok is false for strings
// and anything else that has no place on a numeric axis.
func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case int32:
		return float64(x), true
	case uint64:
		return float64(x), true
	}
	return 0, false
}
