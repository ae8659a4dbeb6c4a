package search

import (
	"context"
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/search/gp"
)

// benchStudy runs a benchmark-function study of a model-guided strategy
// at the given parallelism and returns its trials.
func benchStudy(t testing.TB, fn, strategy string, dims, trials int, seed uint64, par int) ([]results.Trial, Strategy) {
	t.Helper()
	bench, _ := funcObjective(t, fn, dims)
	st, err := NewStrategy(budget(t, strategy, trials, seed), mustSpace(t, uniformDims(dims, -5, 10)...), nil)
	if err != nil {
		t.Fatal(err)
	}
	r := &Runner{Study: "b", Seed: seed, Strategy: st, Evaluator: bench, Parallelism: par}
	out, err := r.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return out, st
}

// The same seed gives the same trials at any parallelism: proposals depend
// only on the trials told, in trial order.
func TestModelGuidedSameTrialsAnyParallelism(t *testing.T) {
	for _, s := range []string{"coarse-to-fine-gp", "bayes"} {
		a, _ := benchStudy(t, "branin", s, 2, 30, 3, 1)
		b, _ := benchStudy(t, "branin", s, 2, 30, 3, 4)
		if len(a) != 30 || len(b) != 30 {
			t.Fatalf("%s: %d and %d trials, want 30", s, len(a), len(b))
		}
		for i := range a {
			if fmt.Sprint(a[i].Params) != fmt.Sprint(b[i].Params) {
				t.Fatalf("%s: trial %d differs: %v at parallelism 1, %v at 4", s, i, a[i].Params, b[i].Params)
			}
		}
	}
}

// On Branin the model finds the minimum far better than the same budget
// of Sobol points (seeds fixed, so this is exact, not a flaky statistic):
// the median regret over five seeds at 40 trials is below 0.05, where
// sobol's is about 0.5.
func TestModelGuidedFindsBraninMinimum(t *testing.T) {
	if testing.Short() {
		t.Skip("fits a model every round")
	}
	for _, s := range []string{"coarse-to-fine-gp", "bayes"} {
		var regrets []float64
		for seed := range uint64(5) {
			trials, _ := benchStudy(t, "branin", s, 2, 40, seed, 1)
			best, ok := results.Best(trials, "minimize")
			if !ok {
				t.Fatalf("%s: no trial succeeded", s)
			}
			regrets = append(regrets, best.Value.Float()-0.39788735772973816)
		}
		if med := results.Median(regrets); !(med < 0.05) {
			t.Errorf("%s: median regret %g over 5 seeds at 40 trials, want below 0.05 (%v)", s, med, regrets)
		}
	}
}

// The trust region shows in the narrowing table: after round 0 the box
// is narrower than the configured range and holds the best trial so far.
func TestTrustRegionRoundsShowTheBox(t *testing.T) {
	trials, st := benchStudy(t, "branin", "coarse-to-fine-gp", 2, 30, 1, 2)
	rounds := st.Rounds()
	if len(rounds) != len(st.(*modelGuided).sizes) {
		t.Fatalf("%d rounds recorded, want %d", len(rounds), len(st.(*modelGuided).sizes))
	}
	last := rounds[len(rounds)-1]
	narrower := false
	for _, r := range last.Ranges {
		narrower = narrower || r.High-r.Low < 15
	}
	if !narrower {
		t.Errorf("last round's box %v is the whole space", last.Ranges)
	}
	var before []results.Trial
	for _, tr := range trials {
		if tr.Round < last.Round {
			before = append(before, tr)
		}
	}
	best, _ := results.Best(before, "minimize")
	for i, r := range last.Ranges {
		v, _ := best.Params.Get(fmt.Sprintf("x%d", i))
		if x := v.(float64); x < r.Low || x > r.High {
			t.Errorf("x%d of the best trial before the last round, %g, is outside its box [%g, %g]", i, x, r.Low, r.High)
		}
	}
}

// A collapsed region still sends one trial of each batch anywhere in the
// space: the batch's last trial is the model's pick over the whole space
// (widePick), so with the region shrunk to a speck around the best trial
// the last trial lies outside it in more than one coordinate, which no
// other trial of the batch can (the coordinate move redraws one
// coordinate; the rest are drawn in the region). bayes has no region and
// coarse-to-fine-gp with batches of one has no room for the hedge.
func TestTrustRegionBatchEndsWithAWidePick(t *testing.T) {
	m, _ := afterDesign(t, 4)
	m.length = trMinLength
	batch, err := m.Ask()
	if err != nil {
		t.Fatal(err)
	}
	if len(batch) < 2 {
		t.Fatalf("a batch of %d trials, want at least 2", len(batch))
	}
	outside := func(p results.Params) int {
		n := 0
		for i, r := range m.ranges {
			v, _ := p.Get(fmt.Sprintf("x%d", i))
			if x := v.(float64); x < r.Low || x > r.High {
				n++
			}
		}
		return n
	}
	for _, p := range batch[:len(batch)-1] {
		if n := outside(p.Params); n > 1 {
			t.Errorf("trial %d is outside the region %v in %d coordinates: %v", p.Number, m.ranges, n, p.Params)
		}
	}
	if last := batch[len(batch)-1]; outside(last.Params) < 2 {
		t.Errorf("the batch's last trial %v is in or beside the region %v, want the model's pick over the whole space", last.Params, m.ranges)
	}
}

// Choices, integers, powers of ten and conditional parameters: every
// proposal is a point of the space (a conditional parameter exactly where
// it applies), and the model learns from the trials.
func TestModelGuidedConditionalSpace(t *testing.T) {
	for _, s := range []string{"coarse-to-fine-gp", "bayes"} {
		space, st := conditionalStudy(t, s)
		total := 0
		for {
			batch, err := st.Ask()
			if err != nil {
				t.Fatal(err)
			}
			if len(batch) == 0 {
				break
			}
			trials := make([]results.Trial, len(batch))
			for i, p := range batch {
				checkConditions(t, space, p.Params)
				lr, _ := p.Params.Get("learning_rate")
				m, _ := p.Params.Get("momentum")
				v := math.Pow(math.Log10(lr.(float64))+2, 2)
				if m != nil {
					v += m.(float64)
				}
				trials[i] = results.Trial{Number: p.Number, Round: p.Round, Status: results.StatusOK, Value: results.Measured(v), Params: p.Params}
				total++
			}
			st.Tell(trials)
		}
		if total != 48 {
			t.Errorf("%s: %d trials, want 48", s, total)
		}
		if got := len(st.(*modelGuided).seen); got != 48 {
			t.Errorf("%s: the model learned from %d trials, want 48", s, got)
		}
	}
}

// A diverged trial teaches the model (as the worst value); a failed one
// is left out.
func TestModelGuidedObserve(t *testing.T) {
	space, st := conditionalStudy(t, "bayes")
	m := st.(*modelGuided)
	p := space.Sample(space.InitialRanges(), func() float64 { return 0.3 })
	if _, ok := m.observe(results.Trial{Status: results.StatusFailed, Params: p}); ok {
		t.Error("a failed trial was observed")
	}
	o, ok := m.observe(results.Trial{Status: results.StatusDiverged, Params: p})
	if !ok || !o.diverged {
		t.Errorf("a diverged trial: observed %v, diverged %v", ok, o.diverged)
	}
	ys := warp([]observed{{score: 1}, {score: 5}, o})
	if !(ys[2] == ys[1] && ys[1] > ys[0]) {
		t.Errorf("warped %v: the diverged trial should take the worst value", ys)
	}
}

func TestModelRounds(t *testing.T) {
	s := StrategyOptions{Trials: 100, Rounds: 9, TrialsPerRound: 9, Batch: 4}
	sizes := modelRounds(s)
	if sizes[0] != roundSizes(s)[0] {
		t.Errorf("round 0 has %d trials, coarse-to-fine's has %d", sizes[0], roundSizes(s)[0])
	}
	sum := 0
	for i, n := range sizes {
		sum += n
		if i > 0 && i < len(sizes)-1 && n != 4 {
			t.Errorf("batch %d has %d trials, want 4", i, n)
		}
	}
	if sum != 100 {
		t.Errorf("%d trials in %v, want 100", sum, sizes)
	}
	// A config written for coarse-to-fine with 2 rounds of 27 would give
	// the design half the budget: it is capped at 30 % (⌈16.2⌉ = 17).
	if got := modelRounds(StrategyOptions{Trials: 54, Rounds: 2, TrialsPerRound: 27, Batch: 4}); got[0] != 17 || len(got) != 11 || got[len(got)-1] != 1 {
		t.Errorf("54 trials in 2 rounds of 27: %v, want a design of 17 and 37 in batches of 4", got)
	}
	// The default splits' round 0 (28 of 100, 56 of 200) is under the cap.
	if got := modelRounds(StrategyOptions{Trials: 200, Rounds: 9, TrialsPerRound: 18, Batch: 4}); got[0] != 56 {
		t.Errorf("200 trials in 9 rounds of 18: design %d, want coarse-to-fine's 56", got[0])
	}
	if got := modelRounds(StrategyOptions{Trials: 10, Rounds: 1, TrialsPerRound: 9, Batch: 0}); !slices.Equal(got, nil) {
		t.Errorf("batch 0: %v, want nil (refused)", got)
	}
}

// The gate trusts the model as far as it predicts: on a smooth
// function's trials its leave-one-out ranking is near perfect and the
// model picks the whole batch; on values that are noise (a hash of the
// point, no structure to learn) the skill is low and most of the batch
// is drawn as plain coarse-to-fine draws, a coordinate move of the centre
// first.
//
// Noise is judged over twelve designs, not one: since the length scales'
// prior peaks at its mode (search/gp, session 6), the fit often explains
// noise as a signal with length scales shorter than the trials' spacing,
// a mode as likely as calling it noise, and the length scales chosen on
// the same trials make a few neighbours agree by chance. Over these
// designs the skill is 0.22 on average and the model picks 0.75 of 4
// (before: 0.03 and 0.17; the design of sampler seed 11 alone went from
// 0 to 2 picks). The bounds leave room for that and catch a gate that
// trusts a model of noise.
func TestSkillGate(t *testing.T) {
	smooth := func(x []float64) float64 {
		s := 0.0
		for k, v := range x {
			s += float64(k+1) * (v - 1) * (v - 1)
		}
		return s
	}
	noise := func(x []float64) float64 {
		h := math.Float64bits(x[0]*7.1+x[1]*3.3+x[2]) * 0x9e3779b97f4a7c15
		return float64(h>>11) / (1 << 53)
	}
	for _, c := range []struct {
		name          string
		f             func([]float64) float64
		designs       int
		lo, hi        float64 // bounds of the mean skill
		minPicks      float64 // bounds of the mean picks of 4
		maxPicks      float64
		coordinateRun bool // check the plain draws of a design the model picks none of
	}{{"smooth", smooth, 1, 0.8, 1, 4, 4, false}, {"noise", noise, 12, 0, 0.3, 0, 1, true}} {
		skills, picks := 0.0, 0
		checked := false
		for d := range c.designs {
			space := mustSpace(t, uniformDims(3, -5, 10)...)
			st, err := NewStrategy(budget(t, "coarse-to-fine-gp", 60, 3), space, nil)
			if err != nil {
				t.Fatal(err)
			}
			m := st.(*modelGuided)
			m.trustRegion = false // measure over every trial: the gate, not the region
			g := newUnitSampler(3, uint64(11+d), 0)
			u := make([]float64, 3)
			var trials []results.Trial
			for i := range 40 {
				g.next(u)
				p := sampleAt(space.Dims, m.initial, u)
				x := make([]float64, 3)
				for k := range x {
					v, _ := p.Get(fmt.Sprintf("x%d", k))
					x[k] = v.(float64)
				}
				trials = append(trials, results.Trial{Number: i, Params: p, Status: results.StatusOK, Value: results.Measured(c.f(x))})
			}
			m.Tell(trials)
			model, used, h, err := m.fit()
			if err != nil {
				t.Fatal(err)
			}
			s, err := m.skill(model, used, m.enc.encode(m.best().vals), m.halfWidths(h))
			if err != nil {
				t.Fatal(err)
			}
			skills += s
			picks += modelPicks(s, 4)
			out, err := m.propose(4)
			if err != nil {
				t.Fatal(err)
			}
			if len(out) != 4 {
				t.Fatalf("%s: %d proposals, want 4", c.name, len(out))
			}
			if c.coordinateRun && !checked && modelPicks(s, 4) == 0 {
				checked = true
				// The coordinate move keeps all but one of the best trial's values.
				same := 0
				for k, v := range m.best().vals {
					if got, _ := out[0].Get(fmt.Sprintf("x%d", k)); fmt.Sprint(got) == fmt.Sprint(v) {
						same++
					}
				}
				if same != 2 {
					t.Errorf("%s: the first plain draw %v keeps %d of the best trial's values %v, want 2", c.name, out[0], same, m.best().vals)
				}
			}
		}
		s, p := skills/float64(c.designs), float64(picks)/float64(c.designs)
		t.Logf("%s: mean skill %.3f, mean picks %.2f of 4", c.name, s, p)
		if s < c.lo || s > c.hi {
			t.Errorf("%s: mean skill %.3f, want in [%g, %g]", c.name, s, c.lo, c.hi)
		}
		if p < c.minPicks || p > c.maxPicks {
			t.Errorf("%s: mean skill %.3f: the model picks %.2f of 4 on average, want in [%g, %g]", c.name, s, p, c.minPicks, c.maxPicks)
		}
		if c.coordinateRun && !checked {
			t.Errorf("%s: the model picked some of every design's batch", c.name)
		}
	}
	for _, c := range []struct {
		s    float64
		want int
	}{{0, 0}, {0.1, 0}, {0.3, 1}, {0.5, 2}, {0.9, 4}, {1, 4}, {1.5, 4}, {-1, 0}} {
		if got := modelPicks(c.s, 4); got != c.want {
			t.Errorf("modelPicks(%g, 4) = %d, want %d", c.s, got, c.want)
		}
	}
	if r := spearman([]float64{1, 2, 3, 4}, []float64{10, 20, 30, 40}); math.Abs(r-1) > 1e-12 {
		t.Errorf("spearman of a monotone pair: %g, want 1", r)
	}
	if r := spearman([]float64{1, 2, 3, 4}, []float64{4, 3, 2, 1}); math.Abs(r+1) > 1e-12 {
		t.Errorf("spearman of a reversed pair: %g, want −1", r)
	}
	if got := ranks([]float64{3, 1, 3, 2}); !slices.Equal(got, []float64{3.5, 1, 3.5, 2}) {
		t.Errorf("ranks with a tie: %v", got)
	}
}

// BenchmarkModelGuidedPropose is the cost of one round's proposals with
// 200 trials told in 10 dimensions (the bar: at most 20 ms per
// trial; a round proposes search.batch = 4), and at 100, 500 and 1,000:
// wall-clock ms/trial, and cpu-ms/trial, the process's CPU time, which
// other jobs on a shared machine inflate far less.
func BenchmarkModelGuidedPropose(b *testing.B) {
	for _, n := range []int{100, 200, 500, 1000} {
		b.Run(fmt.Sprintf("trials=%d", n), func(b *testing.B) {
			bench, _ := funcObjective(b, "levy", 10)
			space := mustSpace(b, uniformDims(10, -10, 10)...)
			st, _ := NewStrategy(budget(b, "coarse-to-fine-gp", 2000, 1), space, nil)
			m := st.(*modelGuided)
			u := make([]float64, 10)
			g := newUnitSampler(10, 7, 0)
			var trials []results.Trial
			for i := range n {
				g.next(u)
				p := sampleAt(space.Dims, m.initial, u)
				tr, _ := bench(context.Background(), Task{Number: i, Params: p})
				tr.Number, tr.Params = i, p
				trials = append(trials, tr)
			}
			m.Tell(trials)
			m.round = 1
			if _, err := m.propose(4); err != nil { // the first fit, from no previous one
				b.Fatal(err)
			}
			b.ResetTimer()
			cpu0, cpuOK := processCPU()
			for range b.N {
				if _, err := m.propose(4); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N)/4, "ms/trial")
			if cpu1, ok := processCPU(); ok && cpuOK {
				b.ReportMetric(float64(cpu1-cpu0)/1e6/float64(b.N)/4, "cpu-ms/trial")
			}
		})
	}
}

// afterDesign is coarse-to-fine-gp on Hartmann-3 (60 trials, the seed
// given) told its design's values, and its space.
func afterDesign(t *testing.T, seed uint64) (*modelGuided, *Space) {
	t.Helper()
	bench, _ := funcObjective(t, "hartmann3", 3)
	space := mustSpace(t, uniformDims(3, 0, 1)...)
	st, err := NewStrategy(budget(t, "coarse-to-fine-gp", 60, seed), space, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := st.(*modelGuided)
	design, _ := m.Ask()
	var told []results.Trial
	for _, p := range design {
		tr, _ := bench(context.Background(), Task{Number: p.Number, Params: p.Params})
		tr.Number, tr.Params, tr.Round = p.Number, p.Params, p.Round
		told = append(told, tr)
	}
	m.Tell(told)
	return m, space
}

// After batches that do not improve, the region is halved (TuRBO) down to
// the side at which the model's function differs across it by
// noiseResolution noise deviations (noiseFloor), and no further: with a
// noiseless model it halves until it collapses, with a noisy one it stops
// at the floor, never above the side it had.
func TestTrustRegionHalvesDownToTheNoise(t *testing.T) {
	for _, c := range []struct {
		name  string
		noise float64 // variance, the signal's being 1
	}{
		{"noiseless", 0},
		{"noisy", 0.25},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, _ := afterDesign(t, 2)
			h := gp.DefaultHyper(3)
			for i := range h.LogLength {
				h.LogLength[i] = math.Log(0.3)
			}
			h.LogSignal, h.LogNoise = 0, math.Log(c.noise+1e-300)
			m.hyper = &h
			// 2·noiseResolution·√(3/5)·(σ_n/σ_f)·ℓ, ℓ = 0.3 in every input.
			lowest := 0.0
			if c.noise > 0 {
				lowest = 4 * math.Sqrt(0.6) * math.Sqrt(h.Noise()) * 0.3
			}
			worse := results.Trial{Status: results.StatusOK, Value: results.Measured(1e9), Params: point(m.plan.Space.Dims, m.seen[0].vals)}
			shortest := m.length
			for range 40 {
				if m.restart {
					break
				}
				m.Tell([]results.Trial{worse})
				shortest = math.Min(shortest, m.length)
			}
			if lowest > 0 {
				if math.Abs(shortest-lowest) > 1e-12 || !(shortest < trInitialLength) {
					t.Errorf("the region's shortest side %g, want the floor %g (from %g)", shortest, lowest, trInitialLength)
				}
				if m.restart {
					t.Error("a region at the noise floor collapsed")
				}
			} else if !m.restart {
				t.Errorf("a noiseless region did not collapse: its side is %g", m.length)
			}
		})
	}
}
