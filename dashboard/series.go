package dashboard

// The data behind the study page's interactive plots, aggregated on the
// server: the best value so far as a step line (one point per
// improvement), and each parameter's slice sampled to a few thousand
// points, the best always among them.

import (
	"math"
	"slices"
	"strings"

	"github.com/hpsearch/hpsearch/results"
)

// maxSlicePoints bounds each slice plot: beyond it the cloud looks the same.
const (
	maxSlicePoints = 2000
	keepBest       = 200 // of which always the best
	maxValuePoints = 4000
)

// seriesDoc is the study page's plot data.
type seriesDoc struct {
	Version string `json:"version"`
	Metric  string `json:"metric"`
	Goal    string `json:"goal"`
	// Best is the best value so far against the trial number: a point
	// where it improved, and one at the last finished trial.
	Best xyDoc `json:"best"`
	// Values are the ok trials' values against their number (sampled).
	Values  xyDoc      `json:"values"`
	Slices  []sliceDoc `json:"slices"`
	Sampled bool       `json:"sampled"` // some plot shows a sample
	// Floor is the metric's least-squares floor, when the study has one.
	Floor *float64 `json:"floor,omitempty"`
}

type xyDoc struct {
	X []float64 `json:"x"`
	Y []float64 `json:"y"`
}

// sliceDoc is the value against one parameter. A categorical parameter's
// values are indices into Labels.
type sliceDoc struct {
	Param string `json:"param"`
	Log   bool   `json:"log"`
	// Inferred: the study does not say how the parameter was sampled (a
	// study run from Go records its ranges when it ends), so its axis is
	// logarithmic because its values span three decades or more.
	Inferred bool      `json:"log_inferred,omitempty"`
	Labels   []string  `json:"labels,omitempty"`
	X        []float64 `json:"x"`
	Y        []float64 `json:"y"`
	Total    int       `json:"total"` // ok trials with this parameter
}

// seriesOf builds (once per snapshot) the plot data of s.
func (s *snapshot) seriesOf() *seriesDoc {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.series != nil {
		return s.series
	}
	doc := &seriesDoc{Version: s.version, Metric: metricName(s.study), Goal: string(s.study.Goal), Slices: []sliceDoc{}}
	if doc.Goal == "" {
		doc.Goal = string(results.GoalMinimize)
	}
	if f, ok := s.study.Floor.Of(s.study.Metric); ok {
		doc.Floor = finite(f)
	}
	s.bestAndValues(doc)

	// The slices sample from the ranked ok trials: the best keepBest
	// always, the rest evenly.
	rankedOK := s.rankedOK()
	picked := rankedOK
	if len(picked) > maxSlicePoints {
		picked = append(slices.Clone(rankedOK[:keepBest]), stride(rankedOK[keepBest:], maxSlicePoints-keepBest)...)
		doc.Sampled = true
	}
	logs, known := logParams(s.study)
	for _, name := range s.params {
		doc.Slices = append(doc.Slices, sliceOf(name, logs[name], known, rankedOK, picked))
	}
	s.series = doc
	return doc
}

// bestAndValues fills doc's best-so-far step line and its (sampled) values
// in trial-number order.
func (s *snapshot) bestAndValues(doc *seriesDoc) {
	maximize := s.study.Goal.Maximizes()
	better := func(a, b float64) bool {
		if maximize {
			return a > b
		}
		return a < b
	}
	best := math.NaN()
	lastFinished := -1
	ok := make([]results.Trial, 0, s.summary.OK)
	for _, t := range s.trials {
		if !t.Status.Finished() {
			continue
		}
		lastFinished = t.Number
		if t.Status != results.StatusOK || !t.Value.Measured() || math.IsInf(t.Value.Float(), 0) {
			continue
		}
		ok = append(ok, t)
		if math.IsNaN(best) || better(t.Value.Float(), best) {
			best = t.Value.Float()
			doc.Best.X = append(doc.Best.X, float64(t.Number))
			doc.Best.Y = append(doc.Best.Y, best)
		}
	}
	// The line runs on to the last finished trial, so a long plateau shows
	// as one rather than as a line that stopped early.
	if n := len(doc.Best.X); n > 0 && doc.Best.X[n-1] < float64(lastFinished) {
		doc.Best.X = append(doc.Best.X, float64(lastFinished))
		doc.Best.Y = append(doc.Best.Y, best)
	}
	for _, t := range stride(ok, maxValuePoints) {
		doc.Values.X = append(doc.Values.X, float64(t.Number))
		doc.Values.Y = append(doc.Values.Y, t.Value.Float())
	}
	doc.Sampled = len(ok) > maxValuePoints
}

// rankedOK is the ok trials with a finite value, best first, so a sample
// of the slices can keep the best.
func (s *snapshot) rankedOK() []results.Trial {
	rankedOK := make([]results.Trial, 0, s.summary.OK)
	for _, i := range s.byRank {
		t := s.trials[i]
		if t.Status != results.StatusOK {
			break // ok trials rank first
		}
		if t.Value.Measured() && !math.IsInf(t.Value.Float(), 0) {
			rankedOK = append(rankedOK, t)
		}
	}
	return rankedOK
}

// sliceOf is the value against parameter name over the picked trials;
// its Total counts all of rankedOK, so the page can say how much of the
// cloud is shown. known says whether the study recorded how parameters
// were sampled; when it did not, a wide numeric range gets a log axis.
func sliceOf(name string, log, known bool, rankedOK, picked []results.Trial) sliceDoc {
	sl := sliceDoc{Param: name, Log: log, X: []float64{}, Y: []float64{}}
	labels := map[string]int{}
	for _, t := range rankedOK {
		if _, has := t.Params.Get(name); has {
			sl.Total++
		}
	}
	for _, t := range picked {
		v, has := t.Params.Get(name)
		if !has {
			continue
		}
		x, numeric := paramFloat(v)
		if !numeric {
			label := results.FormatValue(v)
			i, seen := labels[label]
			if !seen {
				i = len(sl.Labels)
				labels[label] = i
				sl.Labels = append(sl.Labels, label)
			}
			x = float64(i)
		}
		if sl.Log && x <= 0 {
			continue // a log axis cannot show it; the table does
		}
		sl.X = append(sl.X, x)
		sl.Y = append(sl.Y, t.Value.Float())
	}
	if !known && sl.Labels == nil && spansDecades(sl.X, 3) {
		sl.Log, sl.Inferred = true, true
	}
	return sl
}

// logParams reports which parameters are sampled on a log scale: from the
// ranges the study recorded, and before they are recorded (at the end of
// a run) from its resolved config ("parameters.NAME: log_uniform [...]").
// known is false when neither says how any parameter was sampled.
func logParams(st results.Study) (logs map[string]bool, known bool) {
	out := make(map[string]bool)
	for line := range strings.Lines(st.Config) {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ": ")
		name, isParam := strings.CutPrefix(k, "parameters.")
		if ok && isParam {
			known = true
			if logDistribution(v) {
				out[name] = true
			}
		}
	}
	known = known || len(st.Rounds) > 0
	for _, r := range st.Rounds {
		for _, rg := range r.Ranges {
			if rg.Log {
				out[rg.Name] = true
			}
		}
	}
	return out, known
}

// spansDecades reports whether xs are all positive and span at least n
// powers of ten.
func spansDecades(xs []float64, n float64) bool {
	if len(xs) < 2 {
		return false
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, x := range xs {
		if !(x > 0) || math.IsInf(x, 0) {
			return false
		}
		lo, hi = min(lo, x), max(hi, x)
	}
	return math.Log10(hi/lo) >= n
}

// logDistribution reports whether a config's description of a parameter's
// distribution samples in log space: log_uniform, powers_of_ten, or an
// int with log.
func logDistribution(v string) bool {
	return strings.HasPrefix(v, "log_uniform") || strings.HasPrefix(v, "powers_of_ten") || slices.Contains(strings.Fields(v), "log")
}

// stride picks at most n of xs, evenly spaced, first and last included.
func stride[T any](xs []T, n int) []T {
	if len(xs) <= n {
		return xs
	}
	out := make([]T, 0, n)
	for i := range n {
		out = append(out, xs[i*(len(xs)-1)/(n-1)])
	}
	return out
}
