package importance

// How trials' parameters become the forest's dimensions: numeric ones
// mapped to [0, 1], categorical ones to indices, "absent" an atom of its
// own, each with the measure fANOVA integrates over.

import (
	"fmt"
	"math"
	"strconv"

	"github.com/hpsearch/hpsearch/results"
)

// dim is one parameter as the forest sees it. A numeric parameter's values
// are mapped to [0, 1] (in log space for a log range); "absent" is the
// atom at -1. A categorical one's values are category indices, absent the
// last.
type dim struct {
	name     string
	cat      bool
	constant bool
	x        []float64 // one value per trial
	// numeric: the share of the measure on "absent" (0 when never absent)
	absent float64
	// categorical: each category's share of the measure
	weights []float64
}

const absentX = -1

// measure is the dimension's share of a numeric interval [lo, hi).
func (d *dim) measure(lo, hi float64) float64 {
	m := 0.0
	if d.absent > 0 && lo <= absentX && absentX < hi {
		m += d.absent
	}
	if o := math.Min(hi, 1) - math.Max(lo, 0); o > 0 {
		m += (1 - d.absent) * o
	}
	return m
}

// maskMeasure is the dimension's share of a set of categories.
func (d *dim) maskMeasure(mask uint64) float64 {
	m := 0.0
	for c, w := range d.weights {
		if mask&(1<<uint(c)) != 0 {
			m += w
		}
	}
	return m
}

// encode maps the trials' parameters onto dimensions, in the order of
// space and then of first appearance.
func encode(trials []results.Trial, space []results.Range) ([]dim, error) {
	var names []string
	declared := map[string]results.Range{}
	for _, r := range space {
		if _, dup := declared[r.Name]; dup {
			continue
		}
		declared[r.Name] = r
		names = append(names, r.Name)
	}
	seen := map[string]bool{}
	for _, n := range names {
		seen[n] = true
	}
	for _, t := range trials {
		for _, p := range t.Params {
			if !seen[p.Name] {
				seen[p.Name] = true
				names = append(names, p.Name)
			}
		}
	}
	dims := make([]dim, 0, len(names))
	for _, name := range names {
		r, ok := declared[name]
		d, err := encodeOne(trials, name, r, ok)
		if err != nil {
			return nil, err
		}
		dims = append(dims, d)
	}
	return dims, nil
}

func encodeOne(trials []results.Trial, name string, r results.Range, declared bool) (dim, error) {
	d := dim{name: name, x: make([]float64, len(trials))}
	absent := 0
	numeric := !declared || len(r.Choices) == 0
	if !declared {
		for _, t := range trials {
			if v, ok := t.Params.Get(name); ok {
				if _, isNum := number(v); !isNum {
					numeric = false
					break
				}
			}
		}
	}
	if !numeric {
		return encodeChoices(trials, name, r.Choices)
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	if declared {
		lo, hi = r.Low, r.High
	}
	vals := make([]float64, len(trials))
	present := make([]bool, len(trials))
	for i, t := range trials {
		v, ok := t.Params.Get(name)
		if !ok {
			absent++
			continue
		}
		f, isNum := number(v)
		if !isNum {
			return d, fmt.Errorf("trial %d: parameter %s: %v is not a number, as its range [%g, %g] needs", t.Number, name, v, r.Low, r.High)
		}
		if r.Log && f <= 0 {
			return d, fmt.Errorf("trial %d: parameter %s: %g on a log range (allowed: above 0)", t.Number, name, f)
		}
		vals[i], present[i] = f, true
		lo, hi = math.Min(lo, f), math.Max(hi, f)
	}
	if absent == len(trials) {
		d.constant = true
		return d, nil
	}
	tr := func(v float64) float64 { return v }
	if r.Log {
		tr = math.Log
		if lo <= 0 {
			return d, fmt.Errorf("parameter %s: log range from %g (allowed: above 0)", name, lo)
		}
	}
	a, b := tr(lo), tr(hi)
	distinct := false
	first := math.NaN()
	for i := range trials {
		if !present[i] {
			d.x[i] = absentX
			continue
		}
		if b > a {
			d.x[i] = (tr(vals[i]) - a) / (b - a)
		}
		if math.IsNaN(first) {
			first = vals[i]
		} else if vals[i] != first {
			distinct = true
		}
	}
	d.absent = float64(absent) / float64(len(trials))
	d.constant = !distinct && absent == 0
	return d, nil
}

func encodeChoices(trials []results.Trial, name string, choices []any) (dim, error) {
	d := dim{name: name, cat: true, x: make([]float64, len(trials))}
	index := map[string]int{}
	for _, c := range choices {
		k := key(c)
		if _, ok := index[k]; !ok {
			index[k] = len(index)
		}
	}
	absent := 0
	for _, t := range trials {
		v, ok := t.Params.Get(name)
		if !ok {
			absent++
			continue
		}
		if _, ok := index[key(v)]; !ok {
			index[key(v)] = len(index)
		}
	}
	k := len(index)
	if absent > 0 {
		k++
	}
	if k > maxCategories {
		return d, fmt.Errorf("parameter %s: %d choices (allowed: at most %d to measure importance)", name, k, maxCategories)
	}
	used := map[int]bool{}
	for i, t := range trials {
		v, ok := t.Params.Get(name)
		c := len(index) // absent
		if ok {
			c = index[key(v)]
		}
		d.x[i] = float64(c)
		used[c] = true
	}
	share := 1 - float64(absent)/float64(len(trials))
	d.weights = make([]float64, k)
	for c := range len(index) {
		d.weights[c] = share / float64(len(index))
	}
	if absent > 0 {
		d.weights[len(index)] = 1 - share
	}
	d.constant = len(used) < 2
	return d, nil
}

// number reads a numeric parameter value.
func number(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int64:
		return float64(x), true
	case int:
		return float64(x), true
	case int32:
		return float64(x), true
	}
	return 0, false
}

// key identifies a choice: a number whatever its Go type (a choice read
// back from a store may be float64 where the trial's is int64).
func key(v any) string {
	if f, ok := number(v); ok {
		return "n" + strconv.FormatFloat(f, 'g', -1, 64)
	}
	return fmt.Sprintf("%T:%v", v, v)
}
