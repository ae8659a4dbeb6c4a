package search

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/hpsearch/hpsearch/internal/num"
	"github.com/hpsearch/hpsearch/results"
)

// conditionalDims search momentum only for the optimisers that use it,
// and batch_size for adam only; a chain below batch_size.
func conditionalDims() []Dim {
	return []Dim{
		{Name: "learning_rate", Dist: LogUniform, Low: 1e-4, High: 1},
		{Name: "optimizer", Dist: Choice, Choices: []any{"gd", "momentum", "adam"}},
		{Name: "momentum", Dist: Uniform, Low: 0, High: 0.99, When: &Condition{Parent: "optimizer", Values: []any{"momentum", "adam"}}},
		{Name: "batch_size", Dist: Choice, Choices: []any{int64(16), int64(64)}, When: &Condition{Parent: "optimizer", Values: []any{"adam"}}},
		{Name: "init_std", Dist: PowersOfTen, Low: -3, High: 0, When: &Condition{Parent: "batch_size", Values: []any{int64(64)}}},
	}
}

func conditionalStudy(t testing.TB, strategy string) (*Space, Strategy) {
	t.Helper()
	space := mustSpace(t, conditionalDims()...)
	o := StrategyOptions{Strategy: strategy, Seed: 1, Goal: "minimize", Trials: 48, Rounds: 4, TrialsPerRound: 12, Keep: 0.25, GridPoints: 3}
	if strategy == "coarse-to-fine-gp" || strategy == "bayes" {
		o.Batch = 4
	}
	s, err := NewStrategy(o, space, nil)
	if err != nil {
		t.Fatal(err)
	}
	return space, s
}

// checkConditions fails unless each conditional parameter is present
// exactly where its condition holds, and every present value is one the
// parameter can take.
func checkConditions(t *testing.T, space *Space, p results.Params) {
	t.Helper()
	opt, _ := p.Get("optimizer")
	bs, hasBS := p.Get("batch_size")
	_, hasM := p.Get("momentum")
	_, hasStd := p.Get("init_std")
	if _, ok := p.Get("learning_rate"); !ok || opt == nil {
		t.Fatalf("%v lacks an unconditional parameter", p)
	}
	if hasM != (opt == "momentum" || opt == "adam") {
		t.Errorf("%v: momentum present %v with optimizer %v", p, hasM, opt)
	}
	if hasBS != (opt == "adam") {
		t.Errorf("%v: batch_size present %v with optimizer %v", p, hasBS, opt)
	}
	if hasStd != (hasBS && fmt.Sprint(bs) == "64") {
		t.Errorf("%v: init_std present %v with batch_size %v", p, hasStd, bs)
	}
	for _, d := range space.Dims {
		if v, ok := p.Get(d.Name); ok && !d.contains(v) {
			t.Errorf("%v: %s=%v outside its configured range", p, d.Name, v)
		}
	}
}

// conditionalObjective is best with adam, batch_size 64, momentum 0.3 and
// init_std 0.01; it reads only what a trial has, as the trainer does.
func conditionalObjective(_ context.Context, task Task) (results.Trial, error) {
	get := func(name string, base float64) float64 {
		v, ok := task.Params.Get(name)
		if !ok {
			return base
		}
		x, _ := num.Float(v)
		return x
	}
	v := math.Pow(math.Log10(get("learning_rate", 0.01)/3e-3), 2)
	switch opt, _ := task.Params.Get("optimizer"); opt {
	case "gd":
		v += 2
	case "momentum":
		v += 1 + math.Abs(get("momentum", 0.9)-0.3)
	case "adam":
		v += math.Abs(get("momentum", 0.9)-0.3) + math.Abs(math.Log10(get("init_std", 0.1)/0.01))
		if bs, _ := task.Params.Get("batch_size"); fmt.Sprint(bs) != "64" {
			v += 0.5
		}
	}
	return results.Trial{Status: results.StatusOK, Value: results.Measured(v)}, nil
}

// runStudy runs s to its end with the objective, telling it each batch.
func runStudy(t *testing.T, s Strategy, f func(context.Context, Task) (results.Trial, error)) []results.Trial {
	t.Helper()
	var all []results.Trial
	for {
		batch, err := s.Ask()
		if err != nil {
			t.Fatal(err)
		}
		if len(batch) == 0 {
			return all
		}
		told := make([]results.Trial, len(batch))
		for i, p := range batch {
			tr, _ := f(context.Background(), Task{Number: p.Number, Params: p.Params})
			tr.Number, tr.Round, tr.Params = p.Number, p.Round, p.Params
			told[i] = tr
		}
		s.Tell(told)
		all = append(all, told...)
	}
}

// Every strategy samples a conditional parameter exactly where its
// condition holds, and never otherwise.
func TestEveryStrategySamplesConditionsOnly(t *testing.T) {
	for _, name := range []string{"random", "sobol", "grid", "powers-of-ten", "coarse-to-fine"} {
		t.Run(name, func(t *testing.T) {
			space, s := conditionalStudy(t, name)
			trials := runStudy(t, s, conditionalObjective)
			if len(trials) != s.Total() {
				t.Fatalf("%d trials, planned %d", len(trials), s.Total())
			}
			seen := map[string]int{}
			for _, tr := range trials {
				checkConditions(t, space, tr.Params)
				o, _ := tr.Params.Get("optimizer")
				seen[fmt.Sprint(o)]++
			}
			if len(seen) != 3 {
				t.Errorf("optimizers tried %v, want all three", seen)
			}
		})
	}
}

// The grid crosses a conditional parameter only where it applies: no two
// points differ in a value that does nothing.
func TestGridSkipsAbsentBranches(t *testing.T) {
	_, s := conditionalStudy(t, "grid")
	// learning_rate 3 values × (gd 1 + momentum 3 + adam 3 × (16: 1 + 64: 4))
	// = 3 × 19 = 57, where the flat cross would be 3·3·3·2·4 = 216.
	if s.Total() != 57 {
		t.Fatalf("grid of %d points, want 57", s.Total())
	}
	batch, _ := s.Ask()
	seen := map[string]bool{}
	for _, p := range batch {
		key := fmt.Sprint(p.Params)
		if seen[key] {
			t.Fatalf("grid point %s twice", key)
		}
		seen[key] = true
	}
}

// The cross of powers-of-ten skips absent branches too.
func TestPowersOfTenSkipsAbsentBranches(t *testing.T) {
	space := mustSpace(t,
		Dim{Name: "learning_rate", Dist: PowersOfTen, Low: -3, High: -1},
		Dim{Name: "optimizer", Dist: Choice, Choices: []any{"gd", "adam"}},
		Dim{Name: "batch_size", Dist: Choice, Choices: []any{int64(16), int64(32)}, When: &Condition{Parent: "optimizer", Values: []any{"adam"}}})
	s, err := NewStrategy(StrategyOptions{Strategy: "powers-of-ten", Seed: 1, Goal: "minimize", Trials: 1}, space, nil)
	if err != nil {
		t.Fatal(err)
	}
	// 3 rates × (gd + adam × 2 batch sizes), not 3 × 2 × 2.
	if s.Total() != 9 {
		t.Fatalf("%d trials, want 9", s.Total())
	}
}

// Coarse-to-fine narrows a conditional range from the kept trials it
// applied to, and keeps it as it is when it applied to none of them.
func TestCoarseToFineNarrowsConditionsFromApplicableTrials(t *testing.T) {
	space := mustSpace(t,
		Dim{Name: "optimizer", Dist: Choice, Choices: []any{"gd", "momentum"}},
		Dim{Name: "momentum", Dist: Uniform, Low: 0, High: 1,
			When: &Condition{Parent: "optimizer", Values: []any{"momentum"}}},
	)
	for _, tt := range []struct {
		name   string
		gdBest bool
	}{{"momentum trials best", false}, {"gd trials best", true}} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := newCoarseToFineSizes(Plan{Space: space, Seed: 9, Goal: "minimize"}, []int{16, 8}, 0.25)
			if err != nil {
				t.Fatal(err)
			}
			batch, _ := c.Ask()
			told := make([]results.Trial, len(batch))
			var best float64
			bestValue := math.Inf(1)
			for i, p := range batch {
				v := 10.0 // gd, when momentum trials are best
				if m, ok := p.Params.Get("momentum"); ok {
					v = math.Abs(m.(float64) - 0.8)
					if tt.gdBest {
						v += 10
					}
					if v < bestValue {
						best, bestValue = m.(float64), v
					}
				} else if tt.gdBest {
					v = float64(i) / 100
				}
				told[i] = results.Trial{Number: p.Number, Params: p.Params, Status: results.StatusOK, Value: results.Measured(v)}
			}
			c.Tell(told)
			r := c.ranges[1]
			if tt.gdBest {
				// The incumbent and the kept quarter are all gd trials.
				if r.Low != 0 || r.High != 1 {
					t.Errorf("momentum range [%g, %g] after a round whose kept trials had no momentum, want [0, 1] as it was", r.Low, r.High)
				}
				return
			}
			if !(r.Low <= best && best <= r.High) || r.High-r.Low >= 1 {
				t.Errorf("momentum range [%g, %g]: want a narrower box around the best momentum trial's %g", r.Low, r.High, best)
			}
		})
	}
}

// A coordinate move that changes a parent draws its new child and drops
// the one that no longer applies.
func TestCoordinateMoveOfAParent(t *testing.T) {
	space, s := conditionalStudy(t, "coarse-to-fine")
	trials := runStudy(t, s, conditionalObjective)
	c := s.(*coarseToFine)
	if len(c.movable()) == 0 {
		t.Fatal("nothing movable")
	}
	for _, tr := range trials {
		checkConditions(t, space, tr.Params)
	}
}

// A warm start takes a best trial without its conditional parameter, drops
// a value the new config says does nothing, and skips a trial missing a
// value the new config needs.
func TestWarmStartWithAbsentParameters(t *testing.T) {
	space, _ := conditionalStudy(t, "coarse-to-fine")
	ok := func(n int, v float64, ps ...any) results.Trial {
		var p results.Params
		for i := 0; i+1 < len(ps); i += 2 {
			p = append(p, results.Param{Name: ps[i].(string), Value: ps[i+1]})
		}
		return results.Trial{Number: n, Status: results.StatusOK, Value: results.Measured(v), Params: p}
	}
	prev := []results.Trial{
		ok(0, 0.1, "learning_rate", 0.01, "optimizer", "gd"),
		ok(1, 0.2, "learning_rate", 0.02, "optimizer", "gd", "momentum", 0.5), // a flat study's gd trial
		ok(2, 0.3, "learning_rate", 0.03, "optimizer", "adam"),                // lacks momentum and batch_size
		ok(3, 0.4, "learning_rate", 0.04, "optimizer", "adam", "momentum", 0.7, "batch_size", int64(16)),
	}
	w, err := NewWarmStart("old", space, results.Study{Goal: "minimize"}, prev, 4)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range w.Points {
		got = append(got, fmt.Sprint(p))
	}
	want := []string{
		"[{learning_rate 0.01} {optimizer gd}]",
		"[{learning_rate 0.02} {optimizer gd}]",
		"[{learning_rate 0.04} {optimizer adam} {momentum 0.7} {batch_size 16}]",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("warm points\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	s, err := NewStrategy(StrategyOptions{Seed: 1, Strategy: "coarse-to-fine", Rounds: 2, TrialsPerRound: 8, Keep: 0.25}, space, w)
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range runStudy(t, s, conditionalObjective) {
		checkConditions(t, space, tr.Params)
	}
}

// Same seed, same trials at any parallelism, and a resumed study (stored
// trials with absent parameters) ends as the uninterrupted one.
func TestConditionalStudyParallelAndResume(t *testing.T) {
	run := func(par int, finished map[int]results.Trial) []results.Trial {
		_, s := conditionalStudy(t, "coarse-to-fine")
		trials, err := (&Runner{Seed: 4, Strategy: s, Evaluator: EvaluatorFunc(conditionalObjective), Parallelism: par, Finished: finished}).Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return trials
	}
	one := run(1, nil)
	absent := 0
	for _, tr := range one {
		if _, ok := tr.Params.Get("momentum"); !ok {
			absent++
		}
	}
	if absent == 0 {
		t.Fatal("no trial lacks momentum: the test shows nothing")
	}
	same := func(what string, got []results.Trial) {
		t.Helper()
		if len(got) != len(one) {
			t.Fatalf("%s: %d trials, want %d", what, len(got), len(one))
		}
		for i := range one {
			if fmt.Sprint(one[i].Params) != fmt.Sprint(got[i].Params) || one[i].Value != got[i].Value {
				t.Fatalf("%s: trial %d is %v, want %v", what, i, got[i].Params, one[i].Params)
			}
		}
	}
	same("--parallel 4", run(4, nil))
	finished := map[int]results.Trial{}
	for _, tr := range one[:17] { // round 0 and part of round 1
		finished[tr.Number] = tr
	}
	same("resumed", run(3, finished))
}
