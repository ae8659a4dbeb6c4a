package study

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hpsearch/hpsearch/results"
)

var apiSpace = []Param{Float("x", -1, 1), Int("n", 1, 4), Choice("kind", "a", "b")}

func square(_ context.Context, t Trial) (float64, error) {
	x, _ := t.Float("x")
	return x * x, nil
}

// The same seed gives the same trials whatever the parallelism.
func TestOptimizeIsSeeded(t *testing.T) {
	var runs []string
	for _, par := range []int{1, 4} {
		out, err := Optimize(context.Background(), apiSpace, square, Options{Strategy: "coarse-to-fine", Rounds: 3, TrialsPerRound: 8, Keep: 0.25, Seed: 3, Parallel: par})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Trials) != 24 || out.Study.Status != results.StudyFinished {
			t.Fatalf("--parallel %d: %d trials, status %s", par, len(out.Trials), out.Study.Status)
		}
		var b strings.Builder
		for _, tr := range out.Trials {
			fmt.Fprintf(&b, "%d %v %v %d\n", tr.Number, tr.Params, tr.Value, tr.Seed)
		}
		runs = append(runs, b.String())
	}
	if runs[0] != runs[1] {
		t.Errorf("parallel 1 and 4 ran different trials:\n%s\n%s", runs[0], runs[1])
	}
}

// A failing objective fails its trials, each saying why, and the study
// ends NotFinished; bad options are a Usage error; Ctrl-C is Interrupted
// with what finished kept.
func TestOptimizeErrors(t *testing.T) {
	ctx := context.Background()
	boom := func(context.Context, Trial) (float64, error) { return 0, errors.New("boom") }
	out, err := Optimize(ctx, apiSpace, boom, Options{Trials: 3})
	if KindOf(err) != NotFinished || out == nil || len(out.Trials) != 3 || out.Trials[0].Error != "boom" || out.Trials[0].Status != results.StatusFailed {
		t.Errorf("every trial failing: %v, %+v", err, out)
	}
	nan := func(context.Context, Trial) (float64, error) { return math.NaN(), nil }
	if out, _ := Optimize(ctx, apiSpace, nan, Options{Trials: 1}); out.Trials[0].Error != "the objective returned NaN" {
		t.Errorf("a NaN value: %+v", out.Trials[0])
	}
	for name, o := range map[string]Options{"no budget": {}, "unknown strategy": {Trials: 2, Strategy: "annealing"}} {
		if _, err := Optimize(ctx, apiSpace, square, o); KindOf(err) != Usage {
			t.Errorf("%s: %v, want a Usage error", name, err)
		}
	}
	if _, err := Optimize(ctx, []Param{Float("x", 1, 0)}, square, Options{Trials: 2}); KindOf(err) != Usage {
		t.Errorf("an empty range: %v, want a Usage error", err)
	}

	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var n atomic.Int32
	stopAt3 := func(ctx context.Context, t Trial) (float64, error) {
		if n.Add(1) == 3 {
			cancel()
			return 0, ctx.Err()
		}
		return 1, nil
	}
	out, err = Optimize(cctx, apiSpace, stopAt3, Options{Trials: 10, Parallel: 1})
	if KindOf(err) != Interrupted || len(out.Trials) != 2 || out.Study.Status != results.StudyInterrupted {
		t.Errorf("interrupted at the third trial: %v; %d trials kept, status %s", err, len(out.Trials), out.Study.Status)
	}
}

// Ask and Tell keep to a strategy's batches: nothing past a batch until
// all of it is told, nothing told twice or unasked.
func TestAskTellBatches(t *testing.T) {
	s, err := NewAskTell(apiSpace, Options{Strategy: "coarse-to-fine", Rounds: 2, TrialsPerRound: 3, Keep: 0.5, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	var asked []Trial
	for range 3 {
		tr, err := s.Ask()
		if err != nil {
			t.Fatal(err)
		}
		asked = append(asked, tr)
	}
	if _, err := s.Ask(); err == nil || !strings.Contains(err.Error(), "tell the results of the 3 trials") {
		t.Errorf("asking past the batch: %v", err)
	}
	if err := s.Tell(Trial{Number: 99}, 1, nil); err == nil {
		t.Error("a trial never asked was told")
	}
	for i, tr := range asked {
		if err := s.Tell(tr, float64(i), nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Tell(asked[0], 0, nil); err == nil {
		t.Error("a trial was told twice")
	}
	if got := len(s.Outcome().Trials); got != 3 {
		t.Errorf("outcome after one batch: %d trials, want 3", got)
	}
	for range 3 {
		tr, err := s.Ask()
		if err != nil {
			t.Fatal(err)
		}
		if tr.Round != 1 {
			t.Errorf("trial %d of the second batch in round %d", tr.Number, tr.Round)
		}
		if err := s.Tell(tr, 0, errors.New("failed")); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Ask(); !errors.Is(err, ErrDone) {
		t.Errorf("after the budget: %v, want ErrDone", err)
	}
	out := s.Outcome()
	if len(out.Trials) != 6 || out.Trials[5].Status != results.StatusFailed || out.Trials[5].Error != "failed" {
		t.Errorf("outcome: %+v", out.Trials)
	}
	if best, ok := out.Best(); !ok || best.Number != asked[0].Number {
		t.Errorf("best %+v, want trial %d (value 0)", best, asked[0].Number)
	}
}
