package report

// The parameter-importance section: which settings matter, by fANOVA
// (results/importance), as a table and a bar chart.

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/results/importance"
)

// importanceSamples caps each tree's bootstrap sample in the report: a
// 100,000-trial study's importance then costs half a second of CPU (2000
// would cost 1.3 s, most of the report's time), and each of the 64 trees
// still sees a different thousand trials.
const importanceSamples = 1000

// importanceOf scores the study's parameters; note says why there are no
// scores when err is nil and ok false.
func importanceOf(s results.Study, trials []results.Trial) (r importance.Result, note string, err error) {
	r, err = importance.OfStudy(context.Background(), s, trials, importanceSamples)
	if errors.Is(err, importance.ErrTooFewTrials) {
		return r, fmt.Sprintf("no importance: %d trials finished ok with a value, %d are needed", r.Trials, importance.MinTrials), nil
	}
	return r, "", err
}

// importanceSection is the section of the page: the scores as a table
// and as bars, or a sentence saying why there are none.
func importanceSection(r importance.Result, note string, err error, fig figure) section {
	sec := section{ID: "importance", Title: "Parameter importance",
		Intro: "Which settings matter: fANOVA over a random forest fitted to the trials that finished ok (Hutter et al. 2014, as Optuna's fANOVA). " +
			"A parameter's importance is the share of the metric's variance over the searched space that it explains alone; " +
			"a pair's is what the two explain together beyond each alone (an interaction)."}
	sec.Figures = []figure{fig} // or the note saying why there is none
	if err == nil && note == "" {
		sec.Tables = []table{importanceTable(r)}
	}
	return sec
}

// importanceTable lists every parameter, then the top pairs.
func importanceTable(r importance.Result) table {
	header := []string{"parameter", "importance", "spread across trees"}
	var cells [][]string
	for _, s := range r.Params {
		cells = append(cells, []string{s.Name, importance.Percent(s.Importance), "±" + importance.Percent(s.Std)})
	}
	for _, p := range r.Pairs[:min(importance.TopPairs, len(r.Pairs))] {
		cells = append(cells, []string{p.Names[0] + " × " + p.Names[1], importance.Percent(p.Importance), "±" + importance.Percent(p.Std)})
	}
	t := newTable("importance-table", header, cells)
	t.Left = []bool{true, false, false} // percentages are numbers too
	t.Note = fmt.Sprintf("From %d trials that finished ok", r.Trials)
	if r.Skipped > 0 {
		t.Note += fmt.Sprintf("; %d diverged, failed or pruned trials have no comparable value and are left out", r.Skipped)
	}
	t.Note += ". What no parameter or pair explains alone is left to three or more together."
	return t
}

// importanceChart draws the scores as horizontal bars, the most
// important on top: the parameters, then the top pairs.
func importanceChart(r importance.Result) (*Figure, error) {
	type bar struct {
		name  string
		share float64
	}
	var bars []bar
	for _, s := range r.Params {
		bars = append(bars, bar{s.Name, s.Importance})
	}
	for _, p := range r.Pairs[:min(importance.TopPairs, len(r.Pairs))] {
		bars = append(bars, bar{p.Names[0] + " × " + p.Names[1], p.Importance})
	}
	if len(bars) == 0 {
		return nil, fmt.Errorf("importance: no parameter: %w", ErrNoData)
	}
	slices.Reverse(bars) // NominalY puts the first name at the bottom
	values := make(plotter.Values, len(bars))
	names := make([]string, len(bars))
	for i, b := range bars {
		values[i], names[i] = 100*b.share, b.name
	}
	p := newPlot("Parameter importance", "share of the variance (%)", "")
	chart, err := plotter.NewBarChart(values, vg.Points(11))
	if err != nil {
		return nil, fmt.Errorf("importance: %w", err)
	}
	chart.Horizontal = true
	chart.Color = okColor
	chart.LineStyle.Width = 0
	p.Add(chart)
	p.NominalY(names...)
	p.Y.Tick.Label.Font = p.X.Tick.Label.Font
	p.X.Min, p.X.Max = 0, 100
	p.X.Tick.Marker = plot.TickerFunc(linearTicks)
	fig := single(p, plotWidth, vg.Points(40)+vg.Points(18)*vg.Length(len(bars)))
	fig.Title = "Parameter importance"
	fig.Caption = "Each parameter's share of the variance of the metric (fANOVA), then the pairs' interactions (a × b: what the two explain together beyond each alone)."
	return fig, nil
}
