package importance

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/hpsearch/hpsearch/results"
)

// sample draws n trials uniformly over space (log ranges in log space)
// and scores them with f.
func sample(n int, seed uint64, space []results.Range, f func(p map[string]float64) float64) []results.Trial {
	rng := rand.New(rand.NewPCG(seed, 7))
	out := make([]results.Trial, n)
	for k := range out {
		t := results.Trial{Status: results.StatusOK}
		t.Number = k
		vals := map[string]float64{}
		for _, r := range space {
			u := rng.Float64()
			v := r.Low + u*(r.High-r.Low)
			if r.Log {
				v = math.Exp(math.Log(r.Low) + u*(math.Log(r.High)-math.Log(r.Low)))
			}
			vals[r.Name] = v
			t.Params = append(t.Params, results.Param{Name: r.Name, Value: v})
		}
		t.Value = results.Measured(f(vals))
		out[k] = t
	}
	return out
}

func scores(r Result) map[string]float64 {
	m := map[string]float64{}
	for _, s := range r.Params {
		m[s.Name] = s.Importance
	}
	return m
}

func TestLinearRanksByCoefficient(t *testing.T) {
	space := []results.Range{{Name: "x0", Low: 0, High: 1}, {Name: "x1", Low: 0, High: 1}, {Name: "x2", Low: 0, High: 1}}
	for _, seed := range []uint64{1, 2, 3} {
		trials := sample(500, seed, space, func(p map[string]float64) float64 { return 10*p["x0"] + 0.1*p["x1"] + 0*p["x2"] })
		r, err := Compute(context.Background(), trials, Options{Space: space, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, s := range r.Params {
			names = append(names, s.Name)
		}
		if !reflect.DeepEqual(names, []string{"x0", "x1", "x2"}) {
			t.Errorf("seed %d: ranked %v, want x0, x1, x2 (%+v)", seed, names, r.Params)
		}
		s := scores(r)
		// The true shares are 1 - 1e-4, 1e-4 and 0.
		if s["x0"] < 0.98 || s["x2"] > 1e-4 {
			t.Errorf("seed %d: shares %v, want x0 near 1 and x2 near 0", seed, s)
		}
		if r.Trials != 500 || r.Skipped != 0 || len(r.Pairs) != 3 {
			t.Errorf("seed %d: %d trials, %d skipped, %d pairs, want 500, 0, 3", seed, r.Trials, r.Skipped, len(r.Pairs))
		}
	}
}

func TestProductIsThePair(t *testing.T) {
	// On [-1, 1]² x0·x1 has no main effect at all: every bit of its
	// variance is the interaction.
	space := []results.Range{{Name: "x0", Low: -1, High: 1}, {Name: "x1", Low: -1, High: 1}, {Name: "x2", Low: -1, High: 1}}
	trials := sample(300, 4, space, func(p map[string]float64) float64 { return p["x0"] * p["x1"] })
	r, err := Compute(context.Background(), trials, Options{Space: space, Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	top := r.Pairs[0]
	if top.Names != [2]string{"x0", "x1"} {
		t.Fatalf("top pair %v, want x0, x1: %+v", top.Names, r.Pairs)
	}
	s := scores(r)
	if top.Importance < 0.5 || top.Importance < 2*(s["x0"]+s["x1"]) {
		t.Errorf("pair (x0, x1) %.3f, singles %v: want most of the variance on the pair", top.Importance, s)
	}
	for _, p := range r.Pairs[1:] {
		if p.Importance > 0.05 {
			t.Errorf("pair %v %.3f: x2 plays no part", p.Names, p.Importance)
		}
	}
}

// A log parameter is measured in log space: a metric linear in
// log10(learning rate) is all learning rate, even though on a linear
// scale the forest would see almost every sample near 0.
func TestLogRangeIsMeasuredInLogSpace(t *testing.T) {
	space := []results.Range{{Name: "learning_rate", Low: 1e-5, High: 1, Log: true}, {Name: "x", Low: 0, High: 1}}
	trials := sample(200, 5, space, func(p map[string]float64) float64 {
		return math.Log10(p["learning_rate"]) + 1*p["x"]
	})
	r, err := Compute(context.Background(), trials, Options{Space: space, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	// Uniform in log space: log10 lr spans 5 against x's 1, variances 25:1.
	s := scores(r)
	if math.Abs(s["learning_rate"]-25.0/26) > 0.03 || math.Abs(s["x"]-1.0/26) > 0.02 {
		t.Errorf("shares %v, want learning_rate 25/26 = 0.96 and x 1/26 = 0.04", s)
	}
	// Measured linearly, the same forest would give x most of the variance:
	// the check above fails if Log were ignored.
	lin := []results.Range{{Name: "learning_rate", Low: 1e-5, High: 1}, {Name: "x", Low: 0, High: 1}}
	rl, err := Compute(context.Background(), trials, Options{Space: lin, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	if sl := scores(rl); sl["learning_rate"] > 0.9 {
		t.Errorf("linear measure %v: expected it to differ from the log one", sl)
	}
}

func TestCategoricalAndConditional(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 0))
	var trials []results.Trial
	for k := range 300 {
		tr := results.Trial{Status: results.StatusOK}
		tr.Number = k
		opt := []string{"sgd", "momentum", "adam"}[rng.IntN(3)]
		x := rng.Float64()
		tr.Params = results.Params{{Name: "optimizer", Value: opt}, {Name: "x", Value: x}}
		v := 0.1 * x
		switch opt {
		case "momentum":
			beta := rng.Float64()
			tr.Params = append(tr.Params, results.Param{Name: "beta", Value: beta})
			v += 5 * beta
		case "adam":
			v += 2
		}
		tr.Value = results.Measured(v)
		trials = append(trials, tr)
	}
	space := []results.Range{{Name: "optimizer", Choices: []any{"sgd", "momentum", "adam"}}, {Name: "x", Low: 0, High: 1}, {Name: "beta", Low: 0, High: 1}}
	r, err := Compute(context.Background(), trials, Options{Space: space, Seed: 6})
	if err != nil {
		t.Fatal(err)
	}
	if r.Trials != 300 {
		t.Errorf("fitted on %d trials, want all 300: a conditional parameter loses none", r.Trials)
	}
	s := scores(r)
	if s["x"] > 0.02 || s["optimizer"] < 0.1 || s["beta"] < 0.1 {
		t.Errorf("shares %v: want optimizer and beta to matter, x hardly", s)
	}
}

func TestSkipsWhatOptunaSkips(t *testing.T) {
	space := []results.Range{{Name: "x", Low: 0, High: 1}}
	trials := sample(20, 8, space, func(p map[string]float64) float64 { return p["x"] })
	trials[0].Status = results.StatusDiverged
	trials[1].Status = results.StatusFailed
	trials[2].Status = results.StatusPruned
	trials[3].Value = results.Measured(math.Inf(1))
	trials[4].Status = results.StatusRunning // not finished: not counted
	r, err := Compute(context.Background(), trials, Options{Space: space})
	if err != nil {
		t.Fatal(err)
	}
	if r.Trials != 15 || r.Skipped != 4 {
		t.Errorf("trials %d, skipped %d, want 15 and 4", r.Trials, r.Skipped)
	}
	_, err = Compute(context.Background(), trials[:5], Options{Space: space})
	if !errors.Is(err, ErrTooFewTrials) {
		t.Errorf("err %v, want ErrTooFewTrials", err)
	}
}

func TestDeterministicForASeed(t *testing.T) {
	space := []results.Range{{Name: "a", Low: 0, High: 1}, {Name: "b", Low: 1e-3, High: 1, Log: true}}
	trials := sample(100, 9, space, func(p map[string]float64) float64 { return math.Sin(6*p["a"]) + p["a"]*math.Log(p["b"]) })
	a, err := Compute(context.Background(), trials, Options{Space: space, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Compute(context.Background(), trials, Options{Space: space, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Errorf("same seed, different results:\n%+v\n%+v", a, b)
	}
	c, err := Compute(context.Background(), trials, Options{Space: space, Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	if reflect.DeepEqual(a, c) {
		t.Errorf("seeds 3 and 4 gave identical forests: the seed is not used")
	}
}

func TestConstantParameterAndValues(t *testing.T) {
	space := []results.Range{{Name: "x", Low: 0, High: 1}, {Name: "k", Low: 2, High: 2}}
	trials := sample(10, 10, space, func(p map[string]float64) float64 { return 3 })
	r, err := Compute(context.Background(), trials, Options{Space: space})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range r.Params {
		if s.Importance != 0 {
			t.Errorf("%s: %g, want 0 for a constant metric", s.Name, s.Importance)
		}
	}
	if len(r.Params) != 2 || len(r.Pairs) != 0 {
		t.Errorf("params %v pairs %v: want both params, no pair (k never varies)", r.Params, r.Pairs)
	}
}

func TestBadInput(t *testing.T) {
	tr := results.Trial{Status: results.StatusOK}
	tr.Value = results.Measured(1)
	tr.Params = results.Params{{Name: "lr", Value: "fast"}}
	tr2 := tr
	tr2.Params = results.Params{{Name: "lr", Value: 0.1}}
	_, err := Compute(context.Background(), []results.Trial{tr, tr2}, Options{Space: []results.Range{{Name: "lr", Low: 1e-3, High: 1, Log: true}}})
	if err == nil {
		t.Fatal("a string on a numeric range: no error")
	}
	tr.Params = results.Params{{Name: "lr", Value: -1.0}}
	_, err = Compute(context.Background(), []results.Trial{tr, tr2}, Options{Space: []results.Range{{Name: "lr", Low: 1e-3, High: 1, Log: true}}})
	if err == nil {
		t.Fatal("a negative value on a log range: no error")
	}
	if _, err := Compute(context.Background(), nil, Options{Trees: -1}); err == nil {
		t.Fatal("Trees -1: no error")
	}
}

func TestCancelled(t *testing.T) {
	space := []results.Range{{Name: "x", Low: 0, High: 1}}
	trials := sample(50, 11, space, func(p map[string]float64) float64 { return p["x"] })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Compute(ctx, trials, Options{Space: space}); !errors.Is(err, context.Canceled) {
		t.Errorf("err %v, want context.Canceled", err)
	}
}

// Values near the ends of float64 give the same shares as small ones:
// the shares do not depend on the scale (but for rounding), and nothing
// overflows.
func TestExtremeValues(t *testing.T) {
	space := []results.Range{{Name: "x0", Low: 0, High: 1}, {Name: "x1", Low: 0, High: 1}}
	small := sample(60, 12, space, func(p map[string]float64) float64 { return p["x0"] + 0.3*p["x1"] })
	huge := make([]results.Trial, len(small))
	copy(huge, small)
	for i := range huge {
		huge[i].Value = results.Measured(huge[i].Value.Float() * 1.5e308)
	}
	a, err := Compute(context.Background(), small, Options{Space: space, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Compute(context.Background(), huge, Options{Space: space, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	for i := range a.Params {
		x, y := a.Params[i], b.Params[i]
		if x.Name != y.Name || math.IsNaN(y.Importance) || math.Abs(x.Importance-y.Importance) > 0.01 { // rounding may move a split
			t.Errorf("%s: %g for small values, %s: %g for huge ones", x.Name, x.Importance, y.Name, y.Importance)
		}
	}
}

// An interaction of a choice and a number: the sign of x flips with the
// optimizer, so neither has a main effect on [-1, 1] and the pair has it
// all (the categorical × numeric case of the decomposition).
func TestChoiceTimesNumberIsThePair(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 0))
	var trials []results.Trial
	for k := range 300 {
		tr := results.Trial{Status: results.StatusOK}
		tr.Number = k
		opt := []string{"sgd", "adam"}[rng.IntN(2)]
		x := 2*rng.Float64() - 1
		tr.Params = results.Params{{Name: "optimizer", Value: opt}, {Name: "x", Value: x}}
		tr.Value = results.Measured(x)
		if opt == "adam" {
			tr.Value = results.Measured(-x)
		}
		trials = append(trials, tr)
	}
	space := []results.Range{{Name: "optimizer", Choices: []any{"sgd", "adam"}}, {Name: "x", Low: -1, High: 1}}
	r, err := Compute(context.Background(), trials, Options{Space: space, Seed: 13})
	if err != nil {
		t.Fatal(err)
	}
	s := scores(r)
	if len(r.Pairs) != 1 || r.Pairs[0].Importance < 0.8 || s["x"] > 0.1 || s["optimizer"] > 0.1 {
		t.Errorf("pairs %+v, singles %v: want the pair to hold nearly all the variance", r.Pairs, s)
	}
}
