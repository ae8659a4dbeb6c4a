package postgres

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/hpsearch/hpsearch/results"
)

// Columns are encoded exactly as results/sqlite encodes them, so a study
// reads the same from either store and a row can be copied between them:
//   - params: type-tagged JSON [[name, value, type], …] in config order,
//     since JSON alone cannot tell int64 3 from float64 3 or hold NaN;
//   - rounds: JSON with the same tags for categorical choices;
//   - history: 32 bytes per point, little-endian int64 and float64 bits;
//   - times: unix nanoseconds (timestamptz would drop the nanoseconds),
//     NULL for the zero time; NaN metrics: NULL.
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

// appendFloat writes the shortest text that parses back to the same bits;
// non-finite values become the JSON strings "NaN", "+Inf" and "-Inf".
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

func decodeTyped(raw json.RawMessage, tag string) (any, error) {
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
	}
	return nil, fmt.Errorf("unknown type tag %q", tag)
}

func decodeFloat(raw []byte) (float64, error) {
	s := string(raw)
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
		// Only the non-finite spellings are quoted.
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

func encodeParams(ps results.Params) (string, error) {
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
	return string(append(b, ']')), nil
}

func decodeParams(s string) (results.Params, error) {
	var rows [][]json.RawMessage
	if err := json.Unmarshal([]byte(s), &rows); err != nil {
		return nil, fmt.Errorf("params: %w", err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	ps := make(results.Params, len(rows))
	for i, r := range rows {
		if len(r) != 3 {
			return nil, fmt.Errorf("params[%d]: want [name, value, type], got %d elements", i, len(r))
		}
		var name, tag string
		if err := json.Unmarshal(r[0], &name); err != nil {
			return nil, fmt.Errorf("params[%d] name: %w", i, err)
		}
		if err := json.Unmarshal(r[2], &tag); err != nil {
			return nil, fmt.Errorf("param %q type tag: %w", name, err)
		}
		v, err := decodeTyped(r[1], tag)
		if err != nil {
			return nil, fmt.Errorf("param %q: %w", name, err)
		}
		ps[i] = results.Param{Name: name, Value: v}
	}
	return ps, nil
}

// jsonFloat carries NaN and ±Inf through JSON.
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

func encodeRounds(rounds []results.Round) (string, error) {
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

func decodeRounds(s string) ([]results.Round, error) {
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

const pointSize = 32

func encodeHistory(h []results.Point) []byte {
	if len(h) == 0 {
		return nil // NULL; read back as a nil history
	}
	b := make([]byte, len(h)*pointSize)
	for i, p := range h {
		o := b[i*pointSize:]
		binary.LittleEndian.PutUint64(o[0:], uint64(int64(p.Iteration)))
		binary.LittleEndian.PutUint64(o[8:], math.Float64bits(p.TrainLoss))
		binary.LittleEndian.PutUint64(o[16:], math.Float64bits(p.GradNorm))
		binary.LittleEndian.PutUint64(o[24:], math.Float64bits(p.ValidationLoss))
	}
	return b
}

func decodeHistory(b []byte) ([]results.Point, error) {
	if len(b)%pointSize != 0 {
		return nil, fmt.Errorf("history: %d bytes is not a multiple of %d", len(b), pointSize)
	}
	if len(b) == 0 {
		return nil, nil
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
	return h, nil
}

// nullableFloat maps NaN to NULL, as results/sqlite does, so "no value"
// reads the same from both stores; ±Inf are stored as they are.
func nullableFloat(f float64) *float64 {
	if math.IsNaN(f) {
		return nil
	}
	return &f
}

func floatOrNaN(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}

var (
	minNanoTime = time.Unix(0, math.MinInt64)
	maxNanoTime = time.Unix(0, math.MaxInt64)
)

var errTimeRange = errors.New("outside the storable range 1678-2262")

func nullableTime(t time.Time) (*int64, error) {
	if t.IsZero() {
		return nil, nil
	}
	if t.Before(minNanoTime) || t.After(maxNanoTime) {
		return nil, fmt.Errorf("time %s: %w", t.Format(time.RFC3339), errTimeRange)
	}
	n := t.UnixNano()
	return &n, nil
}

func timeOrZero(p *int64) time.Time {
	if p == nil {
		return time.Time{}
	}
	return time.Unix(0, *p)
}
