package dashboard

// The ranked-trials table: sorted, filtered and paged on the server, so a
// page of a 100,000-trial study ships fifty rows, not the study.

import (
	"cmp"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/hpsearch/hpsearch/results"
)

// Page sizes a table request may ask for.
const (
	defaultLimit = 50
	maxLimit     = 500
)

// fixedColumns are the table's columns besides the parameters (which come
// as "param:NAME"), in the order the page shows them.
var fixedColumns = []string{"rank", "number", "round", "status", "value", "train_loss", "accuracy", "iterations", "best_iteration", "stop_reason", "seconds"}

// sortKey is a column to sort by and its direction.
type sortKey struct {
	column string // one of sortable, or "param:NAME"
	desc   bool
}

// sortable are the fixed columns a table sorts by.
var sortable = []string{"rank", "number", "round", "status", "value", "train_loss", "accuracy", "iterations", "seconds"}

func (k sortKey) String() string {
	if k.desc {
		return k.column + " desc"
	}
	return k.column
}

// sort returns s.trials' indices in k's order. Missing values (NaN, a
// parameter a trial lacks) go last in either direction; ties keep rank
// order, so a sort by round lists each round best first.
func (k sortKey) sort(s *snapshot) []int32 {
	rankOf := s.rankOf
	if k.column == "rank" {
		idx := slices.Clone(s.byRank)
		if k.desc {
			slices.Reverse(idx)
		}
		return idx
	}
	idx := make([]int32, len(s.trials))
	for i := range idx {
		idx[i] = int32(i)
	}
	byRank := func(a, b int32) int { return cmp.Compare(rankOf[a], rankOf[b]) }
	if k.column == "status" {
		slices.SortStableFunc(idx, func(a, b int32) int {
			c := strings.Compare(string(s.trials[a].Status), string(s.trials[b].Status))
			if k.desc {
				c = -c
			}
			if c != 0 {
				return c
			}
			return byRank(a, b)
		})
		return idx
	}
	key := k.numeric()
	vals := make([]float64, len(s.trials))
	labels := make([]string, len(s.trials)) // categorical parameters
	for i, t := range s.trials {
		vals[i], labels[i] = key(t)
	}
	slices.SortStableFunc(idx, func(a, b int32) int {
		va, vb := vals[a], vals[b]
		na, nb := math.IsNaN(va) && labels[a] == "", math.IsNaN(vb) && labels[b] == ""
		switch {
		case na && nb:
			return byRank(a, b)
		case na:
			return 1
		case nb:
			return -1
		}
		c := cmp.Compare(va, vb)
		if c == 0 {
			c = strings.Compare(labels[a], labels[b])
		}
		if k.desc {
			c = -c
		}
		if c != 0 {
			return c
		}
		return byRank(a, b)
	})
	return idx
}

// numeric returns the column's value of a trial: a number, or for a
// categorical parameter NaN and its label; NaN and "" when missing.
func (k sortKey) numeric() func(t results.Trial) (float64, string) {
	metric := func(get func(t results.Trial) float64) func(t results.Trial) (float64, string) {
		return func(t results.Trial) (float64, string) {
			// A diverged trial's +Inf is no value either: it sorts last
			// with the missing ones, as the table shows it ("-").
			if v := get(t); measured(t) && !math.IsInf(v, 0) {
				return v, ""
			}
			return math.NaN(), ""
		}
	}
	switch k.column {
	case "number":
		return func(t results.Trial) (float64, string) { return float64(t.Number), "" }
	case "round":
		return func(t results.Trial) (float64, string) { return float64(t.Round), "" }
	case "value":
		return metric(func(t results.Trial) float64 { return t.Value.Float() })
	case "train_loss":
		return metric(func(t results.Trial) float64 { return t.TrainLoss.Float() })
	case "accuracy":
		return metric(func(t results.Trial) float64 { return t.Accuracy.Float() })
	case "iterations":
		return func(t results.Trial) (float64, string) { return float64(t.Iterations), "" }
	case "seconds":
		return func(t results.Trial) (float64, string) {
			if !t.Status.Finished() {
				return math.NaN(), ""
			}
			return t.Seconds(), ""
		}
	}
	name := strings.TrimPrefix(k.column, "param:")
	return func(t results.Trial) (float64, string) {
		v, ok := t.Params.Get(name)
		if !ok {
			return math.NaN(), ""
		}
		if f, ok := paramFloat(v); ok {
			return f, ""
		}
		return math.NaN(), fmt.Sprint(v)
	}
}

// measured reports whether a trial's metrics mean anything (as in the
// terminal's tables: a failed or unfinished trial shows "-").
func measured(t results.Trial) bool {
	return t.Status == results.StatusOK || t.Status == results.StatusDiverged || t.Status == results.StatusPruned
}

// paramFloat is a numeric parameter value as a float.
func paramFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int64:
		return float64(x), true
	case int:
		return float64(x), true
	}
	return 0, false
}

// tableQuery is a parsed request for a page of the trials table.
type tableQuery struct {
	sort     sortKey
	statuses map[results.Status]bool // nil: every status
	offset   int
	limit    int
}

// badQuery is a request parameter the server refuses, answered 400.
type badQuery struct{ msg string }

func (e *badQuery) Error() string { return e.msg }

func badf(format string, args ...any) error { return &badQuery{msg: fmt.Sprintf(format, args...)} }

// allStatuses are the trial statuses a table filters by.
var allStatuses = []results.Status{results.StatusOK, results.StatusPruned, results.StatusDiverged,
	results.StatusFailed, results.StatusRunning, results.StatusWaiting}

// parseTableQuery reads sort, order, status, offset and limit, each
// optional; an unknown column, status or a bad number is a badQuery that
// names the parameter and what it allows.
func parseTableQuery(q url.Values, params []string) (tableQuery, error) {
	tq := tableQuery{sort: sortKey{column: "rank"}, limit: defaultLimit}
	if c := q.Get("sort"); c != "" {
		ok := slices.Contains(sortable, c)
		if name, isParam := strings.CutPrefix(c, "param:"); isParam {
			ok = slices.Contains(params, name)
		}
		if !ok {
			allowed := append(slices.Clone(sortable), prefixed("param:", params)...)
			return tq, badf("sort=%q: unknown column (allowed: %s)", c, strings.Join(allowed, ", "))
		}
		tq.sort.column = c
	}
	switch o := q.Get("order"); o {
	case "", "asc":
	case "desc":
		tq.sort.desc = true
	default:
		return tq, badf("order=%q: allowed: asc, desc", o)
	}
	if s := q.Get("status"); s != "" {
		tq.statuses = make(map[results.Status]bool)
		for _, name := range strings.Split(s, ",") {
			st := results.Status(strings.TrimSpace(name))
			if !slices.Contains(allStatuses, st) {
				return tq, badf("status=%q: unknown status %q (allowed: %s, comma-separated)", s, name, joinStatuses())
			}
			tq.statuses[st] = true
		}
	}
	var err error
	if tq.offset, err = intParam(q, "offset", 0, 0, math.MaxInt32); err != nil {
		return tq, err
	}
	if tq.limit, err = intParam(q, "limit", defaultLimit, 1, maxLimit); err != nil {
		return tq, err
	}
	return tq, nil
}

// intParam reads an integer query parameter within [lo, hi].
func intParam(q url.Values, name string, def, lo, hi int) (int, error) {
	s := q.Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, badf("%s=%q: want a whole number from %d to %d", name, s, lo, hi)
	}
	return n, nil
}

func prefixed(p string, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = p + n
	}
	return out
}

func joinStatuses() string {
	s := make([]string, len(allStatuses))
	for i, st := range allStatuses {
		s[i] = string(st)
	}
	return strings.Join(s, ", ")
}

// tableDoc is one page of the trials table.
type tableDoc struct {
	Version string     `json:"version"`
	Total   int        `json:"total"` // rows after the status filter
	Offset  int        `json:"offset"`
	Limit   int        `json:"limit"`
	Sort    string     `json:"sort"`
	Order   string     `json:"order"`
	Columns []string   `json:"columns"`
	Metric  string     `json:"metric"`
	Rows    []trialRow `json:"rows"`
}

// trialRow is one trial as the table shows it: numbers as JSON numbers
// (null when there is none), parameters formatted as the terminal does.
type trialRow struct {
	Rank          int               `json:"rank,omitempty"` // ok trials only
	Number        int               `json:"number"`
	Round         int               `json:"round"`
	Status        results.Status    `json:"status"`
	Value         *float64          `json:"value"`
	AboveFloor    *float64          `json:"above_floor,omitempty"` // the value's gap to the least-squares floor
	TrainLoss     *float64          `json:"train_loss"`
	Accuracy      *float64          `json:"accuracy"`
	Iterations    int               `json:"iterations"`
	BestIteration int               `json:"best_iteration,omitempty"`
	StopReason    string            `json:"stop_reason"`
	Seconds       *float64          `json:"seconds"`
	Params        map[string]string `json:"params"`
	Error         string            `json:"error,omitempty"`
}

// finite is v for JSON, nil when NaN or infinite (JSON has neither).
func finite(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

// newTrialRow is trial t of study st as a row, with its rank (0: none).
func newTrialRow(st results.Study, t results.Trial, rank int) trialRow {
	r := trialRow{Rank: rank, Number: t.Number, Round: t.Round, Status: t.Status, Iterations: t.Iterations,
		BestIteration: t.BestIteration, StopReason: t.StopReason, Params: make(map[string]string, len(t.Params))}
	if measured(t) {
		r.Value, r.TrainLoss, r.Accuracy = finite(t.Value.Float()), finite(t.TrainLoss.Float()), finite(t.Accuracy.Float())
		if gap, ok := st.Floor.Gap(st.Metric, t); ok {
			r.AboveFloor = &gap
		}
	}
	if t.Status.Finished() {
		r.Seconds = finite(t.Seconds())
	}
	for _, p := range t.Params {
		r.Params[p.Name] = results.FormatValue(p.Value)
	}
	if t.Status == results.StatusFailed {
		r.Error = results.FailureReason(t)
	}
	return r
}

// table answers one page of s's trials for q.
func (s *snapshot) table(q tableQuery, params []string) tableDoc {
	order := s.order(q.sort)
	doc := tableDoc{Version: s.version, Offset: q.offset, Limit: q.limit, Sort: q.sort.column, Order: "asc",
		Columns: append(s.columns(), prefixed("param:", params)...), Metric: metricName(s.study),
		Rows: []trialRow{}}
	if q.sort.desc {
		doc.Order = "desc"
	}
	for _, i := range order {
		t := s.trials[i]
		if q.statuses != nil && !q.statuses[t.Status] {
			continue
		}
		if doc.Total >= q.offset && len(doc.Rows) < q.limit {
			doc.Rows = append(doc.Rows, newTrialRow(s.study, t, s.okRank(int(i))))
		}
		doc.Total++
	}
	return doc
}

// columns are the fixed columns of s's table: with "above_floor" after
// the value when the study has a least-squares floor for its metric.
func (s *snapshot) columns() []string {
	if _, ok := s.study.Floor.Of(s.study.Metric); !ok {
		return slices.Clone(fixedColumns)
	}
	i := slices.Index(fixedColumns, "value") + 1
	return slices.Insert(slices.Clone(fixedColumns), i, "above_floor")
}

// okRank is trials[i]'s rank among the ok trials (1 is the best), as the
// terminal's ranked table numbers them; 0 for a trial that is not ok (ok
// trials rank first, so their position is their rank).
func (s *snapshot) okRank(i int) int {
	if s.trials[i].Status != results.StatusOK {
		return 0
	}
	return int(s.rankOf[i]) + 1
}

// metricName is what the study calls its value.
func metricName(st results.Study) string {
	if st.Metric == "" {
		return "value"
	}
	return st.Metric
}
