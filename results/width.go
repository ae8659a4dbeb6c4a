package results

import (
	"io"
	"strings"
	"unicode/utf8"
)

// minTextWidth is as narrow as a text cell (a stop reason, a study's
// status) is cut to fit a terminal, "…" included.
const minTextWidth = 12

// widthWriter is a writer whose tables must fit a terminal's width.
type widthWriter struct {
	io.Writer
	width int
}

// FitWidth returns a writer whose tables fit width columns, a terminal's:
// headers break at "_" and spaces, long text cells are cut with "…", and
// the least important columns are left out, named in a line under the
// table. With width ≤ 0 it returns w itself, and tables are complete:
// what a script reads from a pipe never depends on a terminal.
func FitWidth(w io.Writer, width int) io.Writer {
	if width <= 0 {
		return w
	}
	return &widthWriter{Writer: w, width: width}
}

// widthOf is the width tables written to w must fit, 0 for any.
func widthOf(w io.Writer) int {
	if f, ok := w.(*widthWriter); ok {
		return f.width
	}
	return 0
}

// fit returns the table narrowed to width, a step at a time until it
// fits: every header broken into lines at its words; every list cell
// ("[1e-03, 1]", "{gd, adam}") broken after its commas; columns left out
// in t's drop order; text cells (but the first column's, which names the
// row) cut to minTextWidth. What still does not fit is written as it is.
func (t *table) fit(width int, header []string, rows [][]string) ([]string, [][]string, []bool, []string) {
	keep := make([]bool, len(header))
	for i := range keep {
		keep[i] = true
	}
	fits := func() bool { return tableWidth(header, rows, keep) <= width }
	if fits() {
		return header, rows, t.left, nil
	}
	names := header
	header = make([]string, len(names))
	for i, h := range names {
		header[i] = breakWords(h)
	}
	if !fits() {
		rows = mapCells(rows, func(_ int, cell string) string { return strings.ReplaceAll(cell, ", ", ",\n") })
	}
	order := t.drop
	if order == nil {
		for c := len(header) - 1; c > 0; c-- {
			order = append(order, c)
		}
	}
	var dropped []string
	for _, c := range order {
		if fits() {
			break
		}
		if c > 0 && c < len(keep) && keep[c] {
			keep[c] = false
			dropped = append(dropped, names[c])
		}
	}
	if !fits() {
		rows = mapCells(rows, func(c int, cell string) string {
			if c > 0 && c < len(t.left) && t.left[c] {
				return truncate(cell, minTextWidth)
			}
			return cell
		})
	}
	return pick(header, keep), pickRows(rows, keep), pick(t.left, keep), dropped
}

// mapCells returns a copy of rows with f applied to every cell (c is its
// column).
func mapCells(rows [][]string, f func(c int, cell string) string) [][]string {
	out := make([][]string, len(rows))
	for r, row := range rows {
		out[r] = make([]string, len(row))
		for c, cell := range row {
			out[r][c] = f(c, cell)
		}
	}
	return out
}

// tableWidth is how wide the kept columns render: each column as wide as
// its widest line, plus a space either side and one border.
func tableWidth(header []string, rows [][]string, keep []bool) int {
	total, n := 1, 0
	for c := range header {
		if !keep[c] {
			continue
		}
		w := cellWidth(header[c])
		for _, r := range rows {
			if c < len(r) {
				w = max(w, cellWidth(r[c]))
			}
		}
		total += w + 3
		n++
	}
	return total
}

func cellWidth(s string) int {
	w := 0
	for line := range strings.SplitSeq(s, "\n") {
		w = max(w, utf8.RuneCountInString(line))
	}
	return w
}

// breakWords puts each word of a header on its own line: "learning_rate"
// becomes "learning_" over "rate", its underscore kept so the name reads
// as the one to type.
func breakWords(h string) string {
	var b strings.Builder
	for i, r := range h {
		b.WriteRune(r)
		if (r == '_' || r == ' ') && i > 0 && i < len(h)-1 {
			b.WriteByte('\n')
		}
	}
	return strings.ReplaceAll(b.String(), " \n", "\n")
}

func pick[T any](cells []T, keep []bool) []T {
	out := make([]T, 0, len(cells))
	for i, c := range cells {
		if i < len(keep) && keep[i] {
			out = append(out, c)
		}
	}
	return out
}

func pickRows(rows [][]string, keep []bool) [][]string {
	out := make([][]string, len(rows))
	for i, r := range rows {
		out[i] = pick(r, keep)
	}
	return out
}
