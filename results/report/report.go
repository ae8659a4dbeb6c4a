package report

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/results/importance"
)

// TopRows is how many trials the report's ranked table lists: the
// ranking's head is what decides; trials.csv holds the rest.
const TopRows = 50

// learningRate is the parameter the lecture compares in powers of ten.
const learningRate = "learning_rate"

// WriteHTML writes a study's report as one self-contained HTML page: the
// summary, the ranked table (top TopRows), the training curves, the
// learning-rate table and plot, the per-round table and the narrowing
// plot, the parallel-coordinates plot and, when early stopping pruned
// trials, their curves. Images are inline SVGs, styles and the one small
// script are inline, and a Content-Security-Policy forbids every request:
// the file opens the same from a mail attachment on a phone as from disk.
//
// A plot that cannot be drawn is replaced by a sentence saying why; only a
// failure to write w, or a bug outside the plots (recovered, never a
// panic), is an error.
func WriteHTML(w io.Writer, s results.Study, trials []results.Trial, opts ...Option) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("report of study %s: %w", s.Name, &panicError{plot: "page", value: p})
		}
	}()
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if err := pageTemplate.Execute(w, newPage(s, trials, o)); err != nil {
		return fmt.Errorf("report of study %s: %w", s.Name, err)
	}
	return nil
}

// Option changes what WriteHTML writes.
type Option func(*options)

type options struct {
	trialOutput func(results.Trial) string
}

// TrialOutput names the file that keeps a trial's whole output, "" for
// none, for the failed-trials list: without it the list gives the
// reasons alone.
func TrialOutput(f func(results.Trial) string) Option {
	return func(o *options) { o.trialOutput = f }
}

// page is what the template renders.
type page struct {
	Study    string
	Lede     []string
	Facts    []fact
	Best     []fact
	Sections []section
}

type fact struct{ Name, Value string }

type section struct {
	ID, Title, Intro string
	Tables           []table
	Figures          []figure
}

type table struct {
	ID     string
	Note   string
	Header []string
	Rows   []row
	Left   []bool // per column: text, aligned left (numbers align right)
	Tall   bool   // scrolls inside a box of limited height, headers kept
}

type row struct {
	Class string
	Cells []string
}

type figure struct {
	ID, Title, Caption string
	Src                template.HTMLAttr // src="data:…": base64 needs no escaping, and html/template would turn every + into &#43;
	Width, Height      int               // CSS pixels
	// NarrowSrc (srcset="data:…") is the phone layout (Figure.Narrow),
	// shown on screens up to narrowScreen wide; "" for none.
	NarrowSrc                 template.HTMLAttr
	NarrowWidth, NarrowHeight int
	// MinText is the size of the figure's smallest text in CSS pixels at
	// its natural size; the page's script records what it is as shown.
	MinText string
	Missing string
}

// narrowScreen is the widest screen shown the phone layout of the plots:
// from there on the wide layout fits at 94% of its size or more, its
// 9-point (12-pixel) labels at 11.3 pixels or more.
const narrowScreen = 820

// svgFontSize matches the sizes of an SVG's texts, in points.
var svgFontSize = regexp.MustCompile(`font-size:([0-9.]+)px`)

// minText is the smallest text of the SVGs in CSS pixels at their natural
// size (gonum's SVG units are points).
func minText(svgs ...[]byte) string {
	least := math.Inf(1)
	for _, svg := range svgs {
		for _, m := range svgFontSize.FindAllSubmatch(svg, -1) {
			if v, err := strconv.ParseFloat(string(m[1]), 64); err == nil {
				least = math.Min(least, v)
			}
		}
	}
	if math.IsInf(least, 1) {
		return ""
	}
	return strconv.FormatFloat(least*cssDPI/72, 'f', 2, 64)
}

func newPage(s results.Study, trials []results.Trial, o options) page {
	p := page{Study: s.Name, Lede: summaryLines(s, trials), Facts: facts(s, trials), Best: bestParams(s, trials)}
	ranked := results.Rank(trials, s.Goal)
	// The learning-rate and narrowing sections are left out, as in the
	// terminal's tables, when the learning rate is not searched or there
	// was one round; so are their plots, which would cost time to draw.
	withLR, withRounds := hasParam(trials, learningRate), len(s.Rounds) > 1
	charts := slices.DeleteFunc(newCharts(s, trials, ranked), func(c chart) bool {
		return (c.id == "lr" && !withLR) || (c.id == "ranges" && !withRounds)
	})
	// The importance is measured while the other plots are drawn.
	var (
		imp     importance.Result
		impNote string
		impErr  error
	)
	measured := make(chan struct{})
	go func() {
		defer close(measured)
		defer func() {
			if p := recover(); p != nil {
				impErr = &panicError{plot: "importance", value: p}
			}
		}()
		imp, impNote, impErr = importanceOf(s, trials)
	}()
	charts = append(charts, chart{"importance", func() (*Figure, error) {
		<-measured
		switch {
		case impErr != nil:
			return nil, impErr
		case impNote != "":
			return nil, fmt.Errorf("%s: %w", impNote, ErrNoData)
		}
		return importanceChart(imp)
	}})
	figs := renderAll(charts)
	<-measured
	byID := make(map[string]figure, len(figs))
	for _, f := range figs {
		byID[f.ID] = f
	}
	p.Sections = append(p.Sections, section{ID: "ranked", Title: "Ranked trials", Tables: []table{rankedTable(s, trials, ranked)}})
	if t, ok := failuresTable(trials, o.trialOutput); ok {
		p.Sections = append(p.Sections, section{ID: "failed", Title: "Failed trials",
			Intro: "Why each failed trial failed: its error, and the last line its program wrote on stderr.", Tables: []table{t}})
	}
	p.Sections = append(p.Sections, section{ID: "curves", Title: "Training curves",
		Intro:   "The lecture's first stopping criterion: look at the gradient and decide. These are the curves of the best trials.",
		Figures: []figure{byID["loss"], byID["grad"]}})
	if withLR {
		p.Sections = append(p.Sections, section{ID: "learning-rate", Title: "By power of ten of the learning rate",
			Tables: optionalTable(lrTable(s, trials)), Figures: []figure{byID["lr"]}})
	}
	if withRounds {
		p.Sections = append(p.Sections, section{ID: "rounds", Title: "How the ranges narrowed, round by round",
			Tables: []table{roundsTable(s)}, Figures: []figure{byID["ranges"]}})
	}
	p.Sections = append(p.Sections, importanceSection(imp, impNote, impErr, byID["importance"]))
	p.Sections = append(p.Sections, section{ID: "parallel", Title: "All trials", Figures: []figure{byID["parallel"]}})
	if f, ok := byID["pruned"]; ok && f.Missing == "" {
		p.Sections = append(p.Sections, section{ID: "pruning", Title: "Early stopping", Figures: []figure{f}})
	}
	return p
}

// chart is one plot of the report, drawn by make.
type chart struct {
	id   string
	make func() (*Figure, error)
}

// newCharts lists the report's plots; ranked is trials in rank order.
func newCharts(s results.Study, trials, ranked []results.Trial) []chart {
	return []chart{
		{"loss", func() (*Figure, error) { return lossCurves(s, ranked, DefaultTop) }},
		{"grad", func() (*Figure, error) { return gradNormCurves(s, ranked, DefaultTop) }},
		{"lr", func() (*Figure, error) { return ValueVsLearningRate(s, trials, learningRate) }},
		{"ranges", func() (*Figure, error) { return RangeNarrowing(s, trials) }},
		{"parallel", func() (*Figure, error) { return parallelCoordinates(s, trials, ranked) }},
		{"pruned", func() (*Figure, error) { return prunedCurves(ranked) }},
	}
}

// renderAll draws the charts concurrently: they share nothing, and on a
// 100,000-trial study drawing is most of the report's time.
func renderAll(charts []chart) []figure {
	out := make([]figure, len(charts))
	var wg sync.WaitGroup
	for i, c := range charts {
		wg.Go(func() { out[i] = render(c) })
	}
	wg.Wait()
	return out
}

// render draws one chart as an inline SVG image, or says why there is
// none. SVG rather than PNG: a sixth of the bytes, sharp when a phone
// zooms in, and no pixels to compress, so a report takes milliseconds.
func render(c chart) (f figure) {
	// The last line of defence: a plot that panics is a bug to report, and
	// a note in the report, never the report lost.
	defer func() {
		if p := recover(); p != nil {
			f = figure{ID: c.id, Missing: "This plot could not be drawn: " + (&panicError{plot: c.id, value: p}).Error() + "."}
		}
	}()
	fig, err := c.make()
	if err == nil {
		var wide, narrow bytes.Buffer
		if err = fig.Render(&wide, SVG); err == nil {
			f := figure{
				ID: c.id, Title: fig.Title, Caption: fig.Caption,
				Src:   template.HTMLAttr(`src="` + dataURL(wide.Bytes()) + `"`),
				Width: pixels(fig.Width, cssDPI), Height: pixels(fig.Height, cssDPI),
			}
			if n := fig.Narrow(); n != fig {
				if err = n.Render(&narrow, SVG); err == nil {
					f.NarrowSrc = template.HTMLAttr(`srcset="` + dataURL(narrow.Bytes()) + `"`)
					f.NarrowWidth, f.NarrowHeight = pixels(n.Width, cssDPI), pixels(n.Height, cssDPI)
				}
			}
			if err == nil {
				f.MinText = minText(wide.Bytes(), narrow.Bytes())
				return f
			}
		}
	}
	if errors.Is(err, ErrNoData) {
		return figure{ID: c.id, Missing: "No plot: " + strings.TrimSuffix(err.Error(), ": "+ErrNoData.Error()) + "."}
	}
	return figure{ID: c.id, Missing: "This plot could not be drawn: " + err.Error()}
}

// dataURL inlines an SVG image.
func dataURL(svg []byte) string {
	return "data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString(svg)
}

// summaryLines are results.WriteSummary's two lines, so the report opens
// with the same words as the terminal.
func summaryLines(s results.Study, trials []results.Trial) []string {
	var b strings.Builder
	if err := results.WriteSummary(&b, s, trials); err != nil {
		return []string{"study " + s.Name}
	}
	return strings.Split(strings.TrimSpace(b.String()), "\n")
}

func facts(s results.Study, trials []results.Trial) []fact {
	var fs []fact
	add := func(name, value string) {
		if value != "" {
			fs = append(fs, fact{name, value})
		}
	}
	add("strategy", s.Strategy)
	add("metric", metricName(s))
	add("goal", string(s.Goal))
	add("status", string(s.Status))
	if !s.Created.IsZero() {
		add("created", s.Created.Format("2006-01-02 15:04 MST"))
	}
	add("trials", strconv.Itoa(len(trials)))
	add("rounds", strconv.Itoa(len(s.Rounds)))
	if floor, ok := s.Floor.Of(s.Metric); ok {
		add("least-squares floor", results.FormatValue(floor)+" (train_loss "+results.FormatValue(s.Floor.TrainLoss)+")")
	}
	return fs
}

// bestParams lists the best trial's settings, the ones best.yaml holds.
func bestParams(s results.Study, trials []results.Trial) []fact {
	b, ok := results.Best(trials, s.Goal)
	if !ok {
		return nil
	}
	fs := []fact{{"trial", strconv.Itoa(b.Number)}, {metricName(s), results.FormatValue(b.Value.Float())}}
	for _, p := range b.Params {
		fs = append(fs, fact{p.Name, results.FormatValue(p.Value)})
	}
	return fs
}

func hasParam(trials []results.Trial, name string) bool {
	for _, t := range trials {
		if _, ok := t.Params.Get(name); ok {
			return true
		}
	}
	return false
}
