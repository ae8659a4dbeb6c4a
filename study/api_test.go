package study

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/results/sqlite"
	"github.com/hpsearch/hpsearch/search"
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
			fmt.Fprintf(&b, "%d %v %v %d\n", tr.Number, tr.Params, tr.Value.Float(), tr.Seed)
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

// Optimize holds the study's lease in its store, as `hpsearch run` does:
// a second run of the same study while the first runs is refused, naming
// the process that holds it; once the first ends, the lease is free, and
// the finished study is refused as already there.
func TestOptimizeHoldsTheStudyLease(t *testing.T) {
	ctx := context.Background()
	store, err := sqlite.Open(filepath.Join(t.TempDir(), "hpsearch.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	started, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	blocked := func(ctx context.Context, t Trial) (float64, error) {
		once.Do(func() { close(started) })
		<-release
		return 1, nil
	}
	o := Options{Name: "leased", Trials: 2, Parallel: 1, Store: store}
	first := make(chan error, 1)
	go func() {
		_, err := Optimize(ctx, apiSpace, blocked, o)
		first <- err
	}()
	<-started
	_, err = Optimize(ctx, apiSpace, square, o)
	close(release)
	if KindOf(err) != Usage || !strings.Contains(err.Error(), "is being run by process") || !strings.Contains(err.Error(), "Options.Name") {
		t.Errorf("a second Optimize of a running study: %v, want a Usage error naming the holder", err)
	}
	if err := <-first; err != nil {
		t.Fatalf("the first Optimize: %v", err)
	}
	me := results.ThisProcess()
	if _, err := store.AcquireStudy(ctx, "leased", me, time.Minute); err != nil {
		t.Errorf("taking the study's lease once the first Optimize ended: %v, want it free", err)
	}
	if err := store.ReleaseStudy(ctx, "leased", me); err != nil {
		t.Fatal(err)
	}
	// Finished, the study is not run again over its stored trials.
	if _, err := Optimize(ctx, apiSpace, square, o); KindOf(err) != Usage || !strings.Contains(err.Error(), "study leased already exists in Options.Store (2 trials, finished)") {
		t.Errorf("Optimize of a stored study: %v, want a Usage error saying it exists", err)
	}
}

// Options.MaxFailed stops Optimize at the failure that crosses it, with a
// typed error saying how many failed; a negative limit is refused.
func TestOptimizeStopsAtTheFailureLimit(t *testing.T) {
	ctx := context.Background()
	var calls atomic.Int32
	boom := func(context.Context, Trial) (float64, error) {
		calls.Add(1)
		return 0, errors.New("boom")
	}
	out, err := Optimize(ctx, apiSpace, boom, Options{Trials: 20, Parallel: 1, MaxFailed: 2})
	var limit *FailureLimitError
	if KindOf(err) != NotFinished || !errors.As(err, &limit) || limit.Failed != 3 || limit.Max != 2 || limit.Last.Error != "boom" {
		t.Fatalf("failing past MaxFailed 2: %v (%+v), want a NotFinished *FailureLimitError of 3 failures", err, limit)
	}
	if n := calls.Load(); n >= 20 || len(out.Trials) != 3 || out.Study.Status != results.StudyFailed {
		t.Errorf("%d trials started, %d kept, status %s: want the study stopped after the third failure", n, len(out.Trials), out.Study.Status)
	}
	if _, err := Optimize(ctx, apiSpace, square, Options{Trials: 2, MaxFailed: -1}); KindOf(err) != Usage {
		t.Errorf("MaxFailed -1: %v, want a Usage error", err)
	}
}

// Early stopping in Optimize works as in a config's study: a trial whose
// Report said stop is recorded pruned, with its reports (it was recorded
// ok, its partial value ranked as a final one); and under kind auto,
// coarse-to-fine narrows on the pruned trials' forecasts: the second round
// is the one the strategy proposes when it knows the rule and is told the
// first round.
func TestOptimizeEarlyStopping(t *testing.T) {
	rule := search.EarlyStopping{Kind: search.Auto, MinResource: 9, MaxResource: 81, Reduction: 3}
	space := []Param{Float("x", 0, 1)}
	// The larger x, the slower the start; the best end is at x = 0.8.
	curve := func(ctx context.Context, t Trial) (float64, error) {
		x, _ := t.Float("x")
		v := 0.0
		for step := 1; step <= 81; step++ {
			v = (x-0.8)*(x-0.8) + 2*x*math.Exp(-float64(step)/20)
			if !t.Report(step, v) {
				break
			}
		}
		return v, nil
	}
	o := Options{Strategy: "coarse-to-fine", Rounds: 2, TrialsPerRound: 12, Keep: 0.5, Seed: 1, Parallel: 2, EarlyStopping: &rule}
	out, err := Optimize(context.Background(), space, curve, o)
	if err != nil {
		t.Fatal(err)
	}
	var first, second []results.Trial
	pruned := 0
	for _, tr := range out.Trials {
		if tr.Round == 0 {
			first = append(first, tr)
		} else {
			second = append(second, tr)
		}
		if tr.Status != results.StatusPruned {
			continue
		}
		pruned++
		if n := len(tr.Reports); n == 0 || tr.Reports[n-1].Value != tr.Value.Float() || tr.Reports[n-1].Step >= 81 {
			t.Errorf("pruned trial %d: value %v, reports %v: want its value the last of its reports, before the end", tr.Number, tr.Value.Float(), tr.Reports)
		}
	}
	if pruned == 0 || len(first) != 12 || len(second) != 12 {
		t.Fatalf("%d trials in round 0, %d in round 1, %d pruned: want two rounds of 12 with some pruned", len(first), len(second), pruned)
	}
	sp, err := search.NewSpace(space)
	if err != nil {
		t.Fatal(err)
	}
	strat, err := search.NewStrategy(search.StrategyOptions{Strategy: o.Strategy, Seed: o.Seed, Goal: "minimize", Rounds: 2,
		TrialsPerRound: 12, Keep: o.Keep, EarlyStopping: rule}, sp, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := strat.Ask(); err != nil {
		t.Fatal(err)
	}
	strat.Tell(first)
	want, err := strat.Ask()
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range want {
		if got, w := fmt.Sprint(second[i].Params), fmt.Sprint(p.Params); got != w {
			t.Errorf("round 1, trial %d: %s, want %s (narrowed on the forecasts)", second[i].Number, got, w)
		}
	}
}

// Options and spaces built by hand get what a config gets: every value
// that cannot run is a Usage error naming the field and what is allowed,
// never a panic (a Trials of math.MaxInt panicked in the strategy's
// allocation) nor a run of something else (a Goal "sideways", a Name that
// leaves the directory and two parameters of one name ran).
func TestOptimizeRefusesOptionsThatCannotRun(t *testing.T) {
	ctx := context.Background()
	square := func(_ context.Context, tr Trial) (float64, error) { x, _ := tr.Float("x"); return x * x, nil }
	x := []Param{Float("x", -1, 1)}
	for _, tc := range []struct {
		name  string
		space []Param
		obj   ObjectiveFunc
		o     Options
		want  string
	}{
		{"huge Trials", x, square, Options{Trials: math.MaxInt}, "Trials 9223372036854775807: want 0 (the default) to 1000000"},
		{"huge Rounds", x, square, Options{Rounds: math.MaxInt / 2, TrialsPerRound: 4}, "Rounds 4611686018427387903: want 0 (the default) to 10000"},
		{"Rounds × TrialsPerRound", x, square, Options{Rounds: 10_000, TrialsPerRound: 1000}, "more than the 1000000 trials allowed"},
		{"negative Parallel", x, square, Options{Trials: 3, Parallel: -1}, "Parallel -1: want 0 (the default) or more"},
		{"negative Batch", x, square, Options{Trials: 3, Strategy: "bayes", Batch: -1}, "Batch -1"},
		{"GridPoints 1", x, square, Options{Trials: 3, Strategy: "grid", GridPoints: 1}, "GridPoints 1"},
		{"Keep 2", x, square, Options{Trials: 9, Strategy: "coarse-to-fine", Keep: 2}, "Keep 2: want a share in (0, 1]"},
		{"Keep NaN", x, square, Options{Trials: 9, Strategy: "coarse-to-fine", Keep: math.NaN()}, "Keep NaN"},
		{"Goal", x, square, Options{Trials: 3, Goal: "sideways"}, `Goal "sideways": want "minimize" or "maximize"`},
		{"Name", x, square, Options{Trials: 3, Name: "../../etc"}, `study name "../../etc" may hold only`},
		{"nil objective", x, nil, Options{Trials: 3}, "the objective is nil"},
		{"two parameters named x", []Param{Float("x", 0, 1), Int("x", 0, 3)}, square, Options{Trials: 3}, "parameter x: the name is given twice"},
		{"a parameter without a name", []Param{Float("", 0, 1)}, square, Options{Trials: 3}, "parameter 0: empty name"},
		{"an infinite range", []Param{Float("x", math.Inf(-1), 1)}, square, Options{Trials: 3}, "range [-Inf, 1] must be finite"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Optimize(ctx, tc.space, tc.obj, tc.o)
			var e *Error
			if !errors.As(err, &e) || e.Kind != Usage || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want a Usage error containing %q", err, tc.want)
			}
			if _, err := NewAskTell(tc.space, tc.o); tc.obj != nil && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Errorf("NewAskTell: got %v, want %q", err, tc.want)
			}
		})
	}
}

// Only a budget, as a config may give only search.trials: coarse-to-fine
// and the model-guided strategies split it into rounds as the config does
// (they refused it for having no rounds), and the model-guided ones take
// search.batch's default.
func TestOptimizeSplitsABudgetIntoRounds(t *testing.T) {
	ctx := context.Background()
	square := func(_ context.Context, tr Trial) (float64, error) { x, _ := tr.Float("x"); return x * x, nil }
	for _, strategy := range []string{"coarse-to-fine", "coarse-to-fine-gp", "bayes"} {
		out, err := Optimize(ctx, []Param{Float("x", -1, 1)}, square, Options{Strategy: strategy, Trials: 30, Seed: 1, Parallel: 1})
		if err != nil {
			t.Fatalf("%s: %v", strategy, err)
		}
		rounds := map[int]bool{}
		for _, tr := range out.Trials {
			rounds[tr.Round] = true
		}
		if len(out.Trials) != 30 || len(rounds) < 2 {
			t.Errorf("%s: %d trials in %d rounds, want 30 in rounds as a config's 30 trials (28 + …)", strategy, len(out.Trials), len(rounds))
		}
	}
}
