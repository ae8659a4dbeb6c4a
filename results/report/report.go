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

// rankedTable is results.RankedRows as HTML, each row classed by status so
// that diverged and failed trials stand out.
// ranked is trials in rank order, the order of RankedRows' rows. It is
// also what RankedRows is given: it ranks again, and ranking what is
// already ranked moves nothing (a 100,000-trial study: 30 ms, not 300).
func rankedTable(s results.Study, trials, ranked []results.Trial) table {
	header, cells := results.RankedRows(s, ranked, TopRows)
	t := newTable("ranked-table", header, cells)
	t.Tall = true
	for i := range t.Rows {
		if i < len(ranked) {
			t.Rows[i].Class = "status-" + string(ranked[i].Status)
		}
	}
	if len(trials) > TopRows {
		t.Note = fmt.Sprintf("The %d best of %d trials; runs/%s/trials.csv lists them all.", TopRows, len(trials), s.Name)
	}
	if len(trials) == 0 {
		t.Note = "No trial has finished."
	}
	return t
}

// failuresTable is the terminal's failed-trials list (results.Failures)
// as a table, the first TopRows of them; false when no trial failed.
func failuresTable(trials []results.Trial, output func(results.Trial) string) (table, bool) {
	fs := results.Failures(trials, output)
	if len(fs) == 0 {
		return table{}, false
	}
	t := table{ID: "failed-table", Header: []string{"trial", "reason", "output"}, Left: []bool{false, true, true}}
	for i, f := range fs {
		if i == TopRows {
			t.Note = fmt.Sprintf("The first %d of %d failed trials; trials.csv has every reason.", TopRows, len(fs))
			break
		}
		out := f.Output
		if out == "" {
			out = "-"
		}
		// No status class: the rows of the ranked table are the ones so marked.
		t.Rows = append(t.Rows, row{Cells: []string{strconv.Itoa(f.Trial), f.Reason, out}})
	}
	return t, true
}

func roundsTable(s results.Study) table {
	header, cells := results.RoundRows(s.Rounds)
	return newTable("rounds-table", header, cells)
}

func lrTable(s results.Study, trials []results.Trial) (table, bool) {
	header, cells := results.LearningRateRows(trials, learningRate, s.Goal)
	if len(cells) == 0 {
		return table{}, false
	}
	return newTable("lr-table", header, cells), true
}

func optionalTable(t table, ok bool) []table {
	if !ok {
		return nil
	}
	return []table{t}
}

// newTable aligns a column left when any of its cells is text rather than
// a number or the "-" of a missing value.
func newTable(id string, header []string, cells [][]string) table {
	t := table{ID: id, Header: header, Left: make([]bool, len(header))}
	for _, r := range cells {
		t.Rows = append(t.Rows, row{Cells: r})
		for j, c := range r {
			if j < len(t.Left) && !numeric(c) {
				t.Left[j] = true
			}
		}
	}
	return t
}

func numeric(cell string) bool {
	if cell == "-" || cell == "" {
		return true
	}
	_, err := strconv.ParseFloat(cell, 64)
	return err == nil
}

var pageTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"left":         func(t table, i int) bool { return i < len(t.Left) && t.Left[i] },
	"narrowScreen": func() int { return narrowScreen },
}).Parse(pageHTML))

// pageHTML is the report. The CSS keeps tables scrolling sideways inside
// their box on a phone instead of widening the page, and scales images to
// the screen. The script marks each plot data-rendered="yes" once the
// browser has decoded it, and records the page's laid-out width: the
// browser test reads both back.
const pageHTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>hpsearch report: {{.Study}}</title>
<style>
:root { color-scheme: light; --ink: #222; --muted: #666; --line: #ddd; --accent: #4e79a7; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1240px; padding: 1rem 1.25rem 3rem; color: var(--ink); background: #fff;
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
h1 { font-size: 1.6rem; margin: .5rem 0 .25rem; overflow-wrap: anywhere; }
h2 { font-size: 1.25rem; margin: 2.25rem 0 .5rem; padding-top: .5rem; border-top: 1px solid var(--line); }
.lede { margin: 0 0 1rem; color: var(--muted); }
.lede, .note, figcaption, nav, .cards { max-width: 56rem; }
.lede span { display: block; }
nav { display: flex; flex-wrap: wrap; gap: .25rem .9rem; margin: .75rem 0 1rem; font-size: .95rem; }
nav a { color: var(--accent); text-decoration: none; }
nav a:hover { text-decoration: underline; }
.cards { display: flex; flex-wrap: wrap; gap: 1rem; }
.card { flex: 1 1 280px; border: 1px solid var(--line); border-radius: 8px; padding: .5rem .9rem; }
.card h3 { font-size: 1rem; margin: .25rem 0 .4rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: 0; }
dt { color: var(--muted); }
dd { margin: 0; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
.scroll { display: inline-block; max-width: 100%; vertical-align: top; overflow-x: auto; -webkit-overflow-scrolling: touch;
  border: 1px solid var(--line); border-radius: 6px; margin: .5rem 0 1rem; }
.scroll.tall { max-height: 34rem; overflow-y: auto; }
table { border-collapse: collapse; font-size: .85rem; font-variant-numeric: tabular-nums; }
th, td { padding: .3rem .6rem; text-align: right; white-space: nowrap; border-bottom: 1px solid #eee; }
th { position: sticky; top: 0; background: #f6f7f9; font-weight: 600; }
th.left, td.left { text-align: left; }
tbody tr:nth-child(even) { background: #fafafa; }
tr.status-diverged td { background: #fdecea; }
tr.status-failed td { background: #eee; color: #555; }
#failed-table td.left { white-space: normal; overflow-wrap: anywhere; min-width: 12rem; text-align: left; }
tr.status-pruned td { background: #fff6e8; }
.note { color: var(--muted); font-size: .9rem; margin: .25rem 0; }
figure { margin: 1rem 0 1.75rem; }
figure img { display: block; max-width: 100%; height: auto; border: 1px solid var(--line); border-radius: 6px; }
figcaption { color: var(--muted); font-size: .9rem; margin-top: .4rem; }
figcaption b { color: var(--ink); }
footer { margin-top: 3rem; color: var(--muted); font-size: .8rem; }
@media (max-width: 600px) {
  body { padding: .5rem .6rem 2rem; font-size: 15px; }
  h1 { font-size: 1.3rem; }
  table { font-size: .78rem; }
  th, td { padding: .25rem .45rem; }
}
</style>
</head>
<body>
<header>
<h1>Study <span id="study-name">{{.Study}}</span></h1>
<p class="lede">{{range .Lede}}<span>{{.}}</span>{{end}}</p>
<nav>{{range .Sections}}<a href="#{{.ID}}">{{.Title}}</a>{{end}}</nav>
</header>
<main>
<section id="summary" class="cards">
<div class="card"><h3>Study</h3><dl>{{range .Facts}}<dt>{{.Name}}</dt><dd>{{.Value}}</dd>{{end}}</dl></div>
<div class="card"><h3>Best settings</h3>{{if .Best}}<dl id="best">{{range .Best}}<dt>{{.Name}}</dt><dd>{{.Value}}</dd>{{end}}</dl>{{else}}<p class="note">No trial succeeded.</p>{{end}}</div>
</section>
{{range .Sections}}
<section id="{{.ID}}">
<h2>{{.Title}}</h2>
{{with .Intro}}<p class="note">{{.}}</p>{{end}}
{{range $t := .Tables}}
<div class="scroll{{if $t.Tall}} tall{{end}}"><table id="{{$t.ID}}">
<thead><tr>{{range $i, $h := $t.Header}}<th{{if left $t $i}} class="left"{{end}} scope="col">{{$h}}</th>{{end}}</tr></thead>
<tbody>{{range $t.Rows}}<tr{{with .Class}} class="{{.}}"{{end}}>{{range $i, $c := .Cells}}<td{{if left $t $i}} class="left"{{end}}>{{$c}}</td>{{end}}</tr>
{{end}}</tbody>
</table></div>
{{with $t.Note}}<p class="note">{{.}}</p>{{end}}
{{end}}
{{range .Figures}}{{if .Missing}}<p class="note" id="missing-{{.ID}}">{{.Missing}}</p>{{else}}
<figure id="figure-{{.ID}}">
<picture>{{if .NarrowSrc}}<source media="(max-width: {{narrowScreen}}px)" {{.NarrowSrc}} width="{{.NarrowWidth}}" height="{{.NarrowHeight}}">{{end}}<img id="plot-{{.ID}}" data-plot="{{.ID}}" data-text="{{.MinText}}" {{.Src}} width="{{.Width}}" height="{{.Height}}" alt="{{.Title}}. {{.Caption}}"></picture>
<figcaption><b>{{.Title}}.</b> {{.Caption}}</figcaption>
</figure>{{end}}
{{end}}
</section>
{{end}}
</main>
<footer>Written by hpsearch. Self-contained: no fonts, scripts or images are fetched.</footer>
<script>
(function () {
  function mark(img) { img.setAttribute("data-rendered", img.naturalWidth > 0 ? "yes" : "no"); }
  document.querySelectorAll("img[data-plot]").forEach(function (img) {
    if (img.complete) { mark(img); return; }
    img.addEventListener("load", function () { mark(img); });
    img.addEventListener("error", function () { img.setAttribute("data-rendered", "no"); });
  });
  window.addEventListener("load", function () {
    var body = document.body, clipped = [], outside = [];
    body.setAttribute("data-page-width", document.documentElement.scrollWidth + " in " + window.innerWidth);
    // A table wider than its box scrolls inside it (clipped); no box may
    // reach past the screen's edge (outside).
    document.querySelectorAll(".scroll").forEach(function (box) {
      var t = box.querySelector("table"), id = t ? t.id : "?";
      if (box.scrollWidth > box.clientWidth + 1) { clipped.push(id); }
      if (box.getBoundingClientRect().right > window.innerWidth + 0.5) { outside.push(id); }
    });
    body.setAttribute("data-clipped-tables", clipped.join(" "));
    body.setAttribute("data-tables-outside", outside.join(" "));
    // A plot's smallest text as shown: its natural size, scaled as laid out.
    document.querySelectorAll("img[data-plot]").forEach(function (img) {
      if (img.naturalWidth > 0 && img.getAttribute("data-text")) {
        img.setAttribute("data-text-px", (parseFloat(img.getAttribute("data-text")) * img.clientWidth / img.naturalWidth).toFixed(1));
      }
    });
  });
})();
</script>
</body>
</html>
`
