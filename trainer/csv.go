package trainer

import (
	"bufio"
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hpsearch/hpsearch/internal/regular"
)

// CSVOptions says which columns of a CSV file become the features and the
// target of a Dataset.
type CSVOptions struct {
	// Target is the name of the target column in the header row. Required.
	Target string
	// Features are the feature columns, in this order. Nil or empty means
	// every column except Target, in file order. Columns that are neither
	// a feature nor the target are skipped without being parsed, so a text
	// column such as an identifier can be left out by listing the others.
	Features []string
	// Classification maps the target's values (text such as "setosa", or
	// integers) to class indices 0..K-1 in sorted label order, numerically
	// when every label is a number, so the mapping does not depend on the
	// order of the rows. Dataset.Classes holds the labels. When false the
	// target must be numeric.
	Classification bool
}

// LoadCSV reads the CSV file at path into a Dataset. See ParseCSV.
func LoadCSV(path string, opt CSVOptions) (*Dataset, error) {
	// A regular file only: /dev/zero was read until memory ran out, and a
	// FIFO would block the run.
	f, info, err := regular.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load data: %w", err)
	}
	defer f.Close()
	return parseCSV(bufio.NewReaderSize(f, 1<<16), path, opt, info.Size())
}

// ParseCSV reads CSV text from r into a Dataset; name is used in error
// messages only ("name:line: problem"). The first row is the header. Cells
// are trimmed of surrounding spaces; feature cells must be finite numbers.
func ParseCSV(r io.Reader, name string, opt CSVOptions) (*Dataset, error) {
	return parseCSV(r, name, opt, 0)
}

// csvLayout is where the wanted columns sit in each record.
type csvLayout struct {
	names    []string // trimmed header names, in file order
	features []int    // record index of each feature column, in Dataset order
	target   int      // record index of the target column
}

// parseCSV is ParseCSV with the input's size in bytes when it is known (0
// otherwise), used to size X once instead of growing it row by row: a
// million-row file then costs one allocation for X, not thirty.
func parseCSV(r io.Reader, name string, opt CSVOptions, size int64) (*Dataset, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1 // ragged rows are reported below, with the line and both counts
	cr.ReuseRecord = true
	cr.TrimLeadingSpace = true

	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: empty file (a header row is required)", name)
	}
	if err != nil {
		return nil, csvReadError(name, err)
	}
	headerLine, _ := cr.FieldPos(0)
	lay, err := layoutFor(header, opt)
	if err != nil {
		return nil, fmt.Errorf("%s:%d: %w", name, headerLine, err)
	}
	headerBytes := cr.InputOffset()

	d := &Dataset{
		M:        len(lay.features),
		Target:   opt.Target,
		Features: make([]string, len(lay.features)),
	}
	for j, c := range lay.features {
		d.Features[j] = lay.names[c]
	}
	labels := labelIndex{}
	row := make([]float64, d.M)
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, csvReadError(name, err)
		}
		if len(rec) != len(lay.names) {
			line, _ := cr.FieldPos(0)
			return nil, fmt.Errorf("%s:%d: row has %d fields, header has %d", name, line, len(rec), len(lay.names))
		}
		for j, c := range lay.features {
			if row[j], err = parseCell(rec[c]); err != nil {
				return nil, cellError(cr, name, lay, c, rec[c], err)
			}
		}
		y, err := targetValue(rec[lay.target], opt.Classification, labels)
		if err != nil {
			return nil, cellError(cr, name, lay, lay.target, rec[lay.target], err)
		}
		if d.N == 0 && size > 0 {
			d.X, d.Y = preallocate(size-headerBytes, cr.InputOffset()-headerBytes, d.M)
		}
		d.X = append(d.X, row...)
		d.Y = append(d.Y, y)
		d.N++
	}
	if d.N == 0 {
		return nil, fmt.Errorf("%s:%d: no data rows after the header", name, headerLine)
	}
	if opt.Classification {
		if len(labels) < 2 {
			return nil, fmt.Errorf("%s: target column %q has %d distinct label(s); classification needs at least 2", name, clip(opt.Target), len(labels))
		}
		d.Classes = labels.sortedRemap(d.Y)
	}
	return d, nil
}

// layoutFor checks the header against the options and finds the columns.
func layoutFor(header []string, opt CSVOptions) (csvLayout, error) {
	lay := csvLayout{names: make([]string, len(header))}
	index := make(map[string]int, len(header))
	for i, h := range header {
		h = strings.TrimSpace(h)
		if i == 0 {
			h = strings.TrimPrefix(h, "\ufeff") // spreadsheets often start UTF-8 files with a byte-order mark
		}
		if h == "" {
			return lay, fmt.Errorf("column %d has an empty name (a header row is required)", i+1)
		}
		if prev, dup := index[h]; dup {
			return lay, fmt.Errorf("duplicate column name %q (columns %d and %d)", clip(h), prev+1, i+1)
		}
		index[h] = i
		lay.names[i] = h
	}
	columns := columnList(lay.names)
	if opt.Target == "" {
		return lay, fmt.Errorf("no target column given (columns: %s)", columns)
	}
	t, ok := index[opt.Target]
	if !ok {
		return lay, fmt.Errorf("target column %q not found (columns: %s)", clip(opt.Target), columns)
	}
	lay.target = t
	if len(opt.Features) == 0 {
		if len(lay.names) == 1 {
			return lay, fmt.Errorf("no feature columns: the target %q is the only column", clip(opt.Target))
		}
		for i := range lay.names {
			if i != t {
				lay.features = append(lay.features, i)
			}
		}
		return lay, nil
	}
	seen := make(map[string]bool, len(opt.Features))
	for _, f := range opt.Features {
		c, ok := index[f]
		switch {
		case !ok:
			return lay, fmt.Errorf("feature column %q not found (columns: %s)", clip(f), columns)
		case c == t:
			return lay, fmt.Errorf("column %q is the target and cannot also be a feature", clip(f))
		case seen[f]:
			return lay, fmt.Errorf("feature column %q is listed twice", clip(f))
		}
		seen[f] = true
		lay.features = append(lay.features, c)
	}
	return lay, nil
}

// The cell errors are worded by cellError, which adds the file, line,
// column and cell text; they never leave this file on their own.
var (
	errNotNumber = errors.New("is not a number")
	errNotFinite = errors.New("is not a finite number")
	errEmptyCell = errors.New("empty cell (missing values are not supported)")
)

// parseCell parses one numeric cell. NaN and ±Inf are rejected because one
// of them would silently turn every loss of every trial into NaN.
func parseCell(s string) (float64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errEmptyCell
	}
	if !plainDecimal(s) {
		// Go's syntax also reads 1_000 and 0x1p4, which no other tool that
		// wrote or reads the file takes for a number; NaN and Inf are told
		// apart for their message.
		if v, err := strconv.ParseFloat(s, 64); err == nil && (math.IsNaN(v) || math.IsInf(v, 0)) {
			return 0, errNotFinite
		}
		return 0, errNotNumber
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && errors.Is(ne.Err, strconv.ErrRange) {
			return 0, errNotFinite
		}
		return 0, errNotNumber
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, errNotFinite
	}
	return v, nil
}

// plainDecimal reports whether s holds only what a decimal number is
// written with (digits, sign, point, exponent); ParseFloat judges the rest.
func plainDecimal(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case '0' <= c && c <= '9', c == '.', c == 'e', c == 'E', c == '+', c == '-':
		default:
			return false
		}
	}
	return true
}

// targetValue is the target cell as a number: the value itself for
// regression, a provisional class index (order of first appearance) for
// classification, remapped to sorted order once all labels are known.
func targetValue(s string, classification bool, labels labelIndex) (float64, error) {
	if !classification {
		return parseCell(s)
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errEmptyCell
	}
	return float64(labels.add(s)), nil
}

// cellError names the file, line, column and text of a bad cell.
func cellError(cr *csv.Reader, name string, lay csvLayout, col int, cell string, err error) error {
	line, _ := cr.FieldPos(col)
	msg := err.Error()
	if errors.Is(err, errNotNumber) || errors.Is(err, errNotFinite) {
		msg = fmt.Sprintf("%q %s", clip(strings.TrimSpace(cell)), msg)
		if col == lay.target && errors.Is(err, errNotNumber) {
			msg += " (set classification for a column of class labels)"
		}
	}
	return fmt.Errorf("%s:%d: column %q (%d): %s", name, line, clip(lay.names[col]), col+1, msg)
}

// maxQuoted is how many bytes of a cell or column name an error quotes: a
// 50 MB cell must not become a 50 MB error line.
const maxQuoted = 60

// clip cuts s to maxQuoted bytes, on a character boundary, marking the cut
// with "…".
func clip(s string) string {
	if len(s) <= maxQuoted {
		return s
	}
	cut := maxQuoted
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// maxListed is how many column names an error lists.
const maxListed = 20

// columnList names the columns for an error, each clipped, the first
// maxListed of a wide file and how many there are. A name with a newline
// or another control character (a quoted header cell may hold one) is
// quoted, so the error stays one line.
func columnList(names []string) string {
	list := make([]string, 0, min(len(names), maxListed))
	for _, n := range names[:min(len(names), maxListed)] {
		n = clip(n)
		if strings.ContainsFunc(n, func(r rune) bool { return !unicode.IsPrint(r) }) {
			n = strconv.Quote(n)
		}
		list = append(list, n)
	}
	s := strings.Join(list, ", ")
	if len(names) > maxListed {
		s += fmt.Sprintf(", … (%d columns)", len(names))
	}
	return s
}

// csvReadError turns encoding/csv's syntax errors (a stray quote, say)
// into "name:line:col: problem", col counting bytes as compilers do; the
// other messages say "column" for a field, so this one must not.
func csvReadError(name string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s:%d:%d: %w", name, pe.Line, pe.Column, pe.Err)
	}
	return fmt.Errorf("%s: %w", name, err)
}

// preallocate sizes X and Y from the bytes left after the header and the
// length of the first data row, with a little slack for longer rows;
// append still grows them if the estimate falls short.
func preallocate(dataBytes, firstRowBytes int64, m int) (x, y []float64) {
	if dataBytes <= 0 || firstRowBytes <= 0 {
		return nil, nil
	}
	rows := dataBytes/firstRowBytes + dataBytes/firstRowBytes/10 + 16
	const maxRows = 1 << 28 // an estimate, not a promise: never reserve absurd amounts
	rows = min(rows, maxRows)
	if m > 0 && rows*int64(m) > maxRows {
		rows = maxRows / int64(m)
	}
	return make([]float64, 0, rows*int64(m)), make([]float64, 0, rows)
}

// labelIndex maps class labels to provisional indices in order of first
// appearance. Keys are cloned on insert so that the map does not keep the
// reader's per-record line buffers (the whole file) alive.
type labelIndex map[string]int

func (l labelIndex) add(s string) int {
	if i, ok := l[s]; ok {
		return i
	}
	i := len(l)
	l[strings.Clone(s)] = i
	return i
}

// sortedRemap rewrites the provisional indices in y to indices in sorted
// label order and returns the labels in that order.
func (l labelIndex) sortedRemap(y []float64) []string {
	labels := make([]string, 0, len(l))
	for s := range l {
		labels = append(labels, s)
	}
	slices.SortFunc(labels, compareLabels)
	remap := make([]float64, len(l))
	for final, s := range labels {
		remap[l[s]] = float64(final)
	}
	for i, p := range y {
		y[i] = remap[int(p)]
	}
	return labels
}

// compareLabels orders numeric labels by value ("2" before "10") and any
// other labels as text; when both kinds occur, numbers come first.
func compareLabels(a, b string) int {
	fa, errA := strconv.ParseFloat(a, 64)
	fb, errB := strconv.ParseFloat(b, 64)
	switch {
	case errA == nil && errB == nil:
		if c := cmp.Compare(fa, fb); c != 0 {
			return c
		}
	case errA == nil:
		return -1
	case errB == nil:
		return 1
	}
	return strings.Compare(a, b)
}
