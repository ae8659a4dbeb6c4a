package report

// The page the report is: one self-contained HTML file (no script or
// style fetched from elsewhere), so that it opens anywhere, offline.

import "html/template"

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
