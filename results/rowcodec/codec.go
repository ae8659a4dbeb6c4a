// Package rowcodec encodes the columns every results store shares, so a
// study reads the same from SQLite and PostgreSQL and rows can be copied
// between them: params as type-tagged JSON in config order, rounds as JSON
// with the same tags, history as 32 bytes a point.
package rowcodec

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/hpsearch/hpsearch/results"
)

// Typed values (parameter values, categorical choices) are stored as JSON
// with an explicit type tag, because plain JSON cannot tell int64 3 from
// float64 3 and cannot hold NaN or ±Inf. A parameter is [name, value, type];
// a choice is [value, type]. Non-finite floats are written as the strings
// "NaN", "+Inf" and "-Inf"; the tag keeps them apart from string values.
const (
	tagFloat  = "float64"
	tagInt    = "int64"
	tagString = "string"
)

// appendTyped appends `value,"type"` (no brackets) for v.
func appendTyped(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case float64:
		b = appendFloat(b, x)
		return append(b, `,"`+tagFloat+`"`...), nil
	case int64:
		b = strconv.AppendInt(b, x, 10)
		return append(b, `,"`+tagInt+`"`...), nil
	case string:
		b = appendString(b, x)
		return append(b, `,"`+tagString+`"`...), nil
	default:
		return b, fmt.Errorf("unsupported value type %T (want float64, int64 or string)", v)
	}
}

// appendFloat writes the shortest representation that parses back to the
// same bits; non-finite values become JSON strings.
func appendFloat(b []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		b = append(b, '"')
		b = strconv.AppendFloat(b, f, 'g', -1, 64)
		return append(b, '"')
	}
	return strconv.AppendFloat(b, f, 'g', -1, 64)
}

func appendString(b []byte, s string) []byte {
	q, _ := json.Marshal(s) // marshalling a string cannot fail
	return append(b, q...)
}

// decodeTyped reads a value written by appendTyped from its raw JSON value
// and its type tag.
func decodeTyped(raw []byte, tag string) (any, error) {
	switch tag {
	case tagFloat:
		return decodeFloat(raw)
	case tagInt:
		n, err := strconv.ParseInt(string(raw), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("int64 value %s: %w", raw, err)
		}
		return n, nil
	case tagString:
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf("string value %s: %w", raw, err)
		}
		return s, nil
	default:
		return nil, fmt.Errorf("unknown type tag %q", tag)
	}
}

func decodeFloat(raw []byte) (float64, error) {
	s := string(raw)
	if len(raw) >= 2 && raw[0] == '"' && raw[len(raw)-1] == '"' {
		s = s[1 : len(s)-1]
		// Only the non-finite spellings are quoted; a quoted "1.5" would mean
		// the column was written by something else.
		if s != "NaN" && s != "+Inf" && s != "-Inf" {
			return 0, fmt.Errorf("float64 value %s: not a number", raw)
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("float64 value %s: %w", raw, err)
	}
	return f, nil
}

// EncodeParams writes params as [[name, value, type], ...] in their order.
func EncodeParams(ps results.Params) (string, error) {
	b := make([]byte, 0, 32*len(ps)+2)
	b = append(b, '[')
	for i, p := range ps {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		b = appendString(b, p.Name)
		b = append(b, ',')
		var err error
		if b, err = appendTyped(b, p.Value); err != nil {
			return "", fmt.Errorf("param %q: %w", p.Name, err)
		}
		b = append(b, ']')
	}
	b = append(b, ']')
	return string(b), nil
}

// DecodeParams parses what EncodeParams wrote. It is hand-rolled rather
// than encoding/json because it runs once per trial read: reflection made it
// most of the cost of reading a large study. names interns parameter names,
// which repeat in every trial of a study; it may be nil.
func DecodeParams(b []byte, names map[string]string) (results.Params, error) {
	sc := paramScanner{b: b, names: names}
	ps, err := sc.params()
	if err != nil {
		return nil, fmt.Errorf("params at byte %d: %w", sc.i, err)
	}
	return ps, nil
}

type paramScanner struct {
	b     []byte
	i     int
	names map[string]string
}

func (sc *paramScanner) params() (results.Params, error) {
	if err := sc.expect('['); err != nil {
		return nil, err
	}
	var ps results.Params
	if sc.peek() == ']' {
		sc.i++
		return ps, sc.end()
	}
	for {
		p, err := sc.param()
		if err != nil {
			return nil, err
		}
		ps = append(ps, p)
		switch sc.peek() {
		case ',':
			sc.i++
		case ']':
			sc.i++
			return ps, sc.end()
		default:
			return nil, errors.New("want ',' or ']' after a param")
		}
	}
}

// param reads one [name, value, type].
func (sc *paramScanner) param() (results.Param, error) {
	errShape := func(err error) (results.Param, error) {
		return results.Param{}, fmt.Errorf("want [name, value, type]: %w", err)
	}
	if err := sc.expect('['); err != nil {
		return errShape(err)
	}
	name, err := sc.str()
	if err != nil {
		return results.Param{}, fmt.Errorf("name: %w", err)
	}
	if err := sc.expect(','); err != nil {
		return errShape(err)
	}
	raw := sc.token()
	if err := sc.expect(','); err != nil {
		return errShape(err)
	}
	tag, err := sc.str()
	if err != nil {
		return results.Param{}, fmt.Errorf("param %q type tag: %w", name, err)
	}
	if err := sc.expect(']'); err != nil {
		return errShape(err)
	}
	v, err := decodeTyped(raw, tag)
	if err != nil {
		return results.Param{}, fmt.Errorf("param %q: %w", name, err)
	}
	return results.Param{Name: name, Value: v}, nil
}

func (sc *paramScanner) skipSpace() {
	for sc.i < len(sc.b) && (sc.b[sc.i] == ' ' || sc.b[sc.i] == '\t' || sc.b[sc.i] == '\n' || sc.b[sc.i] == '\r') {
		sc.i++
	}
}

// peek returns the next non-space byte, or 0 at the end.
func (sc *paramScanner) peek() byte {
	sc.skipSpace()
	if sc.i == len(sc.b) {
		return 0
	}
	return sc.b[sc.i]
}

func (sc *paramScanner) expect(c byte) error {
	if sc.peek() != c {
		return fmt.Errorf("want %q", c)
	}
	sc.i++
	return nil
}

func (sc *paramScanner) end() error {
	if sc.peek() != 0 {
		return errors.New("trailing data")
	}
	return nil
}

// token returns the raw JSON scalar at the cursor: a quoted string with its
// quotes, or everything up to the next ',' or ']'. Its validity is checked
// by whoever parses it.
func (sc *paramScanner) token() []byte {
	sc.skipSpace()
	start := sc.i
	if sc.i < len(sc.b) && sc.b[sc.i] == '"' {
		sc.i = closingQuote(sc.b, sc.i)
		return sc.b[start:sc.i]
	}
	for sc.i < len(sc.b) && sc.b[sc.i] != ',' && sc.b[sc.i] != ']' {
		sc.i++
	}
	return bytes.TrimRight(sc.b[start:sc.i], " \t\n\r")
}

// str reads a JSON string; names are interned.
func (sc *paramScanner) str() (string, error) {
	raw := sc.token()
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", fmt.Errorf("want a string, got %q", raw)
	}
	body := raw[1 : len(raw)-1]
	if bytes.IndexByte(body, '\\') >= 0 || !utf8.Valid(body) {
		// Escapes are rare (and invalid UTF-8 only comes from hand edits):
		// let encoding/json handle them, as it did when they were written.
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", err
		}
		return s, nil
	}
	if s, ok := sc.names[string(body)]; ok { // this lookup does not allocate
		return s, nil
	}
	s := string(body)
	if sc.names != nil {
		sc.names[s] = s
	}
	return s, nil
}

// closingQuote returns the index just past the string starting at b[i],
// or len(b) if it is unterminated.
func closingQuote(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(b)
}

// jsonFloat carries NaN and ±Inf through JSON, which has no spelling for them.
type jsonFloat float64

func (f jsonFloat) MarshalJSON() ([]byte, error) { return appendFloat(nil, float64(f)), nil }

func (f *jsonFloat) UnmarshalJSON(b []byte) error {
	v, err := decodeFloat(b)
	*f = jsonFloat(v)
	return err
}

// typedValue is a categorical choice, stored as [value, type].
type typedValue struct{ v any }

func (t typedValue) MarshalJSON() ([]byte, error) {
	b, err := appendTyped([]byte{'['}, t.v)
	if err != nil {
		return nil, err
	}
	return append(b, ']'), nil
}

func (t *typedValue) UnmarshalJSON(b []byte) error {
	var pair []json.RawMessage
	if err := json.Unmarshal(b, &pair); err != nil {
		return err
	}
	if len(pair) != 2 {
		return fmt.Errorf("want [value, type], got %d elements", len(pair))
	}
	var tag string
	if err := json.Unmarshal(pair[1], &tag); err != nil {
		return fmt.Errorf("type tag %s: %w", pair[1], err)
	}
	v, err := decodeTyped(pair[0], tag)
	t.v = v
	return err
}

// roundJSON and rangeJSON mirror results.Round and results.Range with
// JSON-safe field types; lower-case keys keep the column readable in the
// sqlite3 shell.
type roundJSON struct {
	Round  int         `json:"round"`
	Ranges []rangeJSON `json:"ranges,omitempty"`
	Best   jsonFloat   `json:"best"`
	Median jsonFloat   `json:"median"`
}

type rangeJSON struct {
	Name    string       `json:"name"`
	Low     jsonFloat    `json:"low"`
	High    jsonFloat    `json:"high"`
	Log     bool         `json:"log,omitempty"`
	Choices []typedValue `json:"choices,omitempty"`
}

func EncodeRounds(rounds []results.Round) (string, error) {
	out := make([]roundJSON, len(rounds))
	for i, r := range rounds {
		out[i] = roundJSON{Round: r.Round, Best: jsonFloat(r.Best), Median: jsonFloat(r.Median)}
		for _, g := range r.Ranges {
			rg := rangeJSON{Name: g.Name, Low: jsonFloat(g.Low), High: jsonFloat(g.High), Log: g.Log}
			for _, c := range g.Choices {
				rg.Choices = append(rg.Choices, typedValue{c})
			}
			out[i].Ranges = append(out[i].Ranges, rg)
		}
	}
	b, err := json.Marshal(out)
	if err != nil {
		return "", fmt.Errorf("rounds: %w", err)
	}
	return string(b), nil
}

func DecodeRounds(s string) ([]results.Round, error) {
	var in []roundJSON
	if err := json.Unmarshal([]byte(s), &in); err != nil {
		return nil, fmt.Errorf("rounds: %w", err)
	}
	if len(in) == 0 {
		return nil, nil
	}
	rounds := make([]results.Round, len(in))
	for i, r := range in {
		rounds[i] = results.Round{Round: r.Round, Best: float64(r.Best), Median: float64(r.Median)}
		for _, g := range r.Ranges {
			rg := results.Range{Name: g.Name, Low: float64(g.Low), High: float64(g.High), Log: g.Log}
			for _, c := range g.Choices {
				rg.Choices = append(rg.Choices, c.v)
			}
			rounds[i].Ranges = append(rounds[i].Ranges, rg)
		}
	}
	return rounds, nil
}

// A history point is 32 bytes: iteration as int64, then train loss, gradient
// norm and validation loss as float64 bits, all little-endian. Raw bits keep
// NaN (a diverged run) and are 3-4× smaller and far faster to decode than JSON.
//
// The trial's reports (early stopping) follow the points, 16 bytes each
// (step as int64, value as float64 bits), then a footer of 8 bytes: their
// count and reportsMagic as uint32. Points and reports with the footer are
// never a multiple of 32 bytes long, so a column written before reports
// were kept (points alone) still reads back, with nil reports.
const (
	pointSize    = 32
	reportSize   = 16
	footerSize   = 8
	reportsMagic = 0x31727068 // "hpr1"
)

// EncodeHistory encodes a trial's history and reports; nil (stored as
// NULL) when both are nil.
func EncodeHistory(h []results.Point, reports []results.Reported) []byte {
	if len(h) == 0 && reports == nil {
		return nil // stored as NULL; read back as a nil history
	}
	n := len(h) * pointSize
	size := n
	if reports != nil {
		size += len(reports)*reportSize + footerSize
	}
	b := make([]byte, size)
	for i, p := range h {
		o := b[i*pointSize:]
		binary.LittleEndian.PutUint64(o[0:], uint64(int64(p.Iteration)))
		binary.LittleEndian.PutUint64(o[8:], math.Float64bits(p.TrainLoss))
		binary.LittleEndian.PutUint64(o[16:], math.Float64bits(p.GradNorm))
		binary.LittleEndian.PutUint64(o[24:], math.Float64bits(p.ValidationLoss))
	}
	if reports != nil {
		for i, r := range reports {
			o := b[n+i*reportSize:]
			binary.LittleEndian.PutUint64(o[0:], uint64(int64(r.Step)))
			binary.LittleEndian.PutUint64(o[8:], math.Float64bits(r.Value))
		}
		binary.LittleEndian.PutUint32(b[size-footerSize:], uint32(len(reports)))
		binary.LittleEndian.PutUint32(b[size-footerSize+4:], reportsMagic)
	}
	return b
}

// DecodeHistory reads what EncodeHistory wrote, or a history column written
// before reports were kept (nil reports).
func DecodeHistory(b []byte) ([]results.Point, []results.Reported, error) {
	var reports []results.Reported
	if len(b)%pointSize != 0 {
		if len(b) < footerSize || binary.LittleEndian.Uint32(b[len(b)-4:]) != reportsMagic {
			return nil, nil, fmt.Errorf("history: %d bytes is neither points of %d bytes nor points and reports", len(b), pointSize)
		}
		k := int(binary.LittleEndian.Uint32(b[len(b)-footerSize:]))
		start := len(b) - footerSize - k*reportSize
		if start < 0 || start%pointSize != 0 {
			return nil, nil, fmt.Errorf("history: %d bytes do not hold %d reports after whole points", len(b), k)
		}
		reports = make([]results.Reported, k)
		for i := range reports {
			o := b[start+i*reportSize:]
			reports[i] = results.Reported{Step: int(int64(binary.LittleEndian.Uint64(o[0:]))),
				Value: math.Float64frombits(binary.LittleEndian.Uint64(o[8:]))}
		}
		b = b[:start]
	}
	if len(b) == 0 {
		return nil, reports, nil
	}
	h := make([]results.Point, len(b)/pointSize)
	for i := range h {
		o := b[i*pointSize:]
		h[i] = results.Point{
			Iteration:      int(int64(binary.LittleEndian.Uint64(o[0:]))),
			TrainLoss:      math.Float64frombits(binary.LittleEndian.Uint64(o[8:])),
			GradNorm:       math.Float64frombits(binary.LittleEndian.Uint64(o[16:])),
			ValidationLoss: math.Float64frombits(binary.LittleEndian.Uint64(o[24:])),
		}
	}
	return h, reports, nil
}
