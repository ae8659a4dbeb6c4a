package results

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
)

// Document is the --json output of run and show (a DESIGN.md contract:
// keep the field names).
type Document struct {
	Study    string     `json:"study"`
	Strategy string     `json:"strategy"`
	Metric   string     `json:"metric"`
	Goal     Goal       `json:"goal"`
	Trials   []TrialDoc `json:"trials"`
	Rounds   []RoundDoc `json:"rounds"`
	Best     *BestDoc   `json:"best"` // null when no trial succeeded
	// KnownMinimum and Regret are set for a benchmark (a test function
	// with a known global minimum): Regret is the best value minus it,
	// how far the search stopped from the optimum. The caller gives the
	// minimum (see SetKnownMinimum): results knows no test function.
	KnownMinimum *float64 `json:"known_minimum,omitempty"`
	Regret       *float64 `json:"regret,omitempty"`
	// Floor is the study's least-squares floor (see Floor), for linear and
	// polynomial models under rss or mse; left out for other studies.
	Floor *FloorDoc `json:"floor,omitempty"`
}

// SetKnownMinimum records a benchmark's known minimum and, when a trial
// succeeded, the regret of the best one. Regret is only defined for
// minimizing: a maximized study gets the minimum alone.
func (d *Document) SetKnownMinimum(minimum float64) {
	d.KnownMinimum = finite(minimum)
	if d.Best != nil && d.KnownMinimum != nil && !d.Goal.Maximizes() {
		d.Regret = finite(d.Best.Value - minimum)
	}
}

// TrialDoc is one trial in a Document, and the whole output of eval --json.
// Metrics that were not measured or are infinite (a diverged trial) are
// null, because JSON has no such numbers. best_iteration, the iteration
// (or step) the value comes from, is left out when it is unknown (0).
type TrialDoc struct {
	Number        int      `json:"number"`
	Round         int      `json:"round"`
	Params        Params   `json:"params"`
	Status        string   `json:"status"`
	Value         *float64 `json:"value"`
	TrainLoss     *float64 `json:"train_loss"`
	Accuracy      *float64 `json:"accuracy,omitempty"` // classifiers only
	Iterations    int      `json:"iterations"`
	BestIteration int      `json:"best_iteration,omitempty"`
	StopReason    string   `json:"stop_reason"`
	Seconds       float64  `json:"seconds"`
	Error         string   `json:"error,omitempty"`
}

// RoundDoc is one round of a Document: the ranges it sampled from and the
// best and median value it found (null when it found none).
type RoundDoc struct {
	Round  int      `json:"round"`
	Ranges Ranges   `json:"ranges"`
	Best   *float64 `json:"best"`
	Median *float64 `json:"median"`
}

// BestDoc is the best trial of a Document; BestIteration as in TrialDoc.
type BestDoc struct {
	Number        int     `json:"number"`
	Params        Params  `json:"params"`
	Value         float64 `json:"value"`
	BestIteration int     `json:"best_iteration,omitempty"`
}

// Ranges is a round's parameter ranges; it marshals to a JSON object in
// order, each name mapped to [lo, hi] or to the list of choices.
type Ranges []Range

// MarshalJSON writes {"name": [lo, hi] | [choice, …], …} in order.
func (rs Ranges) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, r := range rs {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(r.Name)
		if err != nil {
			return nil, fmt.Errorf("range name: %w", err)
		}
		var v any = []*float64{finite(r.Low), finite(r.High)}
		if len(r.Choices) > 0 {
			v = r.Choices
		}
		val, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("range %s: %w", r.Name, err)
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(val)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// finite returns a pointer to v, or nil for NaN and ±Inf, which JSON
// cannot hold.
func finite(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

// TrialDocument converts a trial to its JSON shape.
func TrialDocument(t Trial) TrialDoc {
	return TrialDoc{
		Number:        t.Number,
		Round:         t.Round,
		Params:        slices.Clone(t.Params),
		Status:        string(t.Status),
		Value:         finite(t.Value.Float()),
		TrainLoss:     finite(t.TrainLoss.Float()),
		Accuracy:      finite(t.Accuracy.Float()),
		Iterations:    t.Iterations,
		BestIteration: t.BestIteration,
		StopReason:    t.StopReason,
		Seconds:       t.Seconds(),
		Error:         t.Error,
	}
}

// NewDocument builds the JSON document of a study: its trials in number
// order, its rounds, and the best trial (see Best).
func NewDocument(s Study, trials []Trial) Document {
	doc := Document{
		Study:    s.Name,
		Strategy: s.Strategy,
		Metric:   s.Metric,
		Goal:     s.Goal,
		// Empty, not nil, so a study without trials still has "trials": [].
		Trials: make([]TrialDoc, 0, len(trials)),
		Rounds: make([]RoundDoc, 0, len(s.Rounds)),
		Floor:  s.Floor.Doc(),
	}
	sorted := slices.Clone(trials)
	slices.SortStableFunc(sorted, func(a, b Trial) int { return cmp.Compare(a.Number, b.Number) })
	for _, t := range sorted {
		doc.Trials = append(doc.Trials, TrialDocument(t))
	}
	for _, r := range s.Rounds {
		doc.Rounds = append(doc.Rounds, RoundDoc{
			Round:  r.Round,
			Ranges: Ranges(slices.Clone(r.Ranges)),
			Best:   finite(r.Best),
			Median: finite(r.Median),
		})
	}
	if b, ok := Best(trials, s.Goal); ok {
		doc.Best = &BestDoc{Number: b.Number, Params: slices.Clone(b.Params), Value: b.Value.Float(), BestIteration: b.BestIteration}
	}
	return doc
}

// WriteJSON writes v as indented JSON followed by a newline. HTML is not
// escaped: the output is for terminals and scripts, not web pages.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write JSON: %w", err)
	}
	return nil
}

// WriteCSV writes all trials, one row each in the given order, for
// spreadsheets and pandas: number, round, status, one column per parameter
// (the union in first-seen order), value, train_loss, accuracy,
// iterations, best_iteration, stop_reason, seconds, seed, error. Floats are
// exact (shortest round-trip form); NaN, and a best_iteration that is not
// known (0), are empty cells.
func WriteCSV(w io.Writer, trials []Trial) error {
	names := ParamNames(trials)
	header := append([]string{"number", "round", "status"}, names...)
	header = append(header, "value", "train_loss", "accuracy", "iterations", "best_iteration", "stop_reason", "seconds", "seed", "error")

	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return fmt.Errorf("write CSV header: %w", err)
	}
	for _, t := range trials {
		row := []string{strconv.Itoa(t.Number), strconv.Itoa(t.Round), string(t.Status)}
		for _, name := range names {
			v, ok := t.Params.Get(name)
			if !ok {
				row = append(row, "")
				continue
			}
			row = append(row, csvValue(v))
		}
		row = append(row,
			csvFloat(t.Value.Float()), csvFloat(t.TrainLoss.Float()), csvFloat(t.Accuracy.Float()),
			strconv.Itoa(t.Iterations), csvIteration(t.BestIteration), t.StopReason, csvFloat(t.Seconds()),
			strconv.FormatUint(t.Seed, 10), t.Error)
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("write CSV trial %d: %w", t.Number, err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write CSV: %w", err)
	}
	return nil
}

// csvIteration is an iteration, or an empty cell when it is not known.
func csvIteration(n int) string {
	if n <= 0 {
		return ""
	}
	return strconv.Itoa(n)
}

func csvFloat(v float64) string {
	if math.IsNaN(v) {
		return ""
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

func csvValue(v any) string {
	switch x := v.(type) {
	case float64:
		return csvFloat(x)
	case string:
		return x
	default:
		return FormatValue(x)
	}
}
