package search_test

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/search"
)

// BenchmarkEarlyStoppingRanking measures what auto's last rung can know:
// on the curves BenchmarkEarlyStoppingReplay records (ESBENCH_CURVES, the
// same files and knobs), each round's trials that reached the last rung
// (max_resource/η or below) are ordered by a key, and the round keeps its
// winner when one of the first k places ends within 1 % of the round's
// best (trials that ended before the rung count as kept). The keys:
//   - value: the value at the rung;
//   - expected: auto's key there (expected final value, curve.go);
//   - model: the mean final value of the 7 trials nearest in parameter
//     space (coarse-to-fine-gp's inputs, search.ModelInputs) among every trial of
//     the sweep's other seeds. A study has its own earlier trials to learn
//     from, a few dozen, most of them stopped; this model has thousands,
//     all finished, so it bounds what a model over the hyperparameters
//     (BOHB's) could add to the curves;
//   - model+curve: the same over the parameters and the trial's place by
//     value at the rung among its round's (0 first, 1 last), predicting its
//     place by final value: where LC-Net (Klein et al. 2017) and DyHPO
//     (Wistuba et al. 2022) learn from curves and hyperparameters together.
//
// Every trial reaches the rung here, as if the early cuts had kept all;
// the replay measures the cuts and the budget together.
//
//	ESBENCH_SEEDS=60 ESBENCH_CURVES=/tmp/curves go test -run XXX -bench EarlyStoppingRanking -benchtime 1x -v ./search/
func BenchmarkEarlyStoppingRanking(b *testing.B) {
	dir := os.Getenv("ESBENCH_CURVES")
	if dir == "" {
		b.Skip("set ESBENCH_CURVES to a directory for the recorded curves")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	o := suiteOptions()
	for _, sw := range o.sweeps {
		b.Run(sw.name, func(b *testing.B) {
			sw := o.ready(b, sw)
			for b.Loop() {
				var seeds []rankedSeed
				for seed := o.first; seed < o.first+o.seeds; seed++ {
					s, rule, maximize := ruleOf(b, sw, seed, search.Auto)
					path := filepath.Join(dir, curvesFile(b, sw, seed, s))
					curves := recordedCurves(b, path, sw, seed, s)
					want := len(search.ModelInputs(s.Space, nil))
					for _, t := range curves {
						if len(t.Coords) != want {
							b.Fatalf("%s was recorded without the trials' parameters as ModelInputs gives them (%d inputs, not %d): remove it to record it again", path, len(t.Coords), want)
						}
					}
					seeds = append(seeds, rankedSeed{curves: curves, rule: rule, maximize: maximize})
				}
				b.Log(sw.name + ": " + rankingTable(seeds, sw.atMinimum))
			}
		})
	}
}

// rankedSeed is one seed's recording with the rule it is judged under.
type rankedSeed struct {
	curves   []recorded
	rule     search.EarlyStopping
	maximize bool
}

func (r rankedSeed) orient(v float64) float64 {
	if r.maximize {
		return -v
	}
	return v
}

// lastRung is auto's last rung: the highest at or below max_resource/η.
func (r rankedSeed) lastRung() int {
	rungs := r.rule.Rungs(r.rule.MinResource)
	last := 0
	for _, g := range rungs {
		if float64(g)*r.rule.Reduction <= float64(r.rule.MaxResource) {
			last = g
		}
	}
	return last
}

// rankingKeys are the orders compared, by name.
var rankingKeys = []string{"value", "expected", "model", "model+curve"}

// rankedRound is one round of one seed at the last rung: its contenders,
// the best final value of its trials and the best of those that ended
// before the rung.
type rankedRound struct {
	seed        int
	contenders  []contender
	best, ended float64
}

// contender is a trial that reached the last rung.
type contender struct {
	coords              []float64
	final, value, place float64 // place: by value among the round's contenders, 0 first, 1 last
	finalPlace          float64 // the same by final value
	key                 map[string]float64
}

// rankedRounds collects every seed's rounds at the last rung, with the
// keys that need nothing but the trial's own curve.
func rankedRounds(seeds []rankedSeed) []rankedRound {
	var out []rankedRound
	for i, sd := range seeds {
		rung := sd.lastRung()
		byRound := map[int][]recorded{}
		for _, t := range sd.curves {
			byRound[t.Round] = append(byRound[t.Round], t)
		}
		for _, round := range slices.Sorted(maps.Keys(byRound)) {
			r := rankedRound{seed: i, best: math.Inf(1), ended: math.Inf(1)}
			for _, t := range byRound[round] {
				final := sd.orient(t.Value)
				if !t.Measured || math.IsNaN(final) {
					continue
				}
				r.best = math.Min(r.best, final)
				at := slices.IndexFunc(t.Reports, func(p results.Reported) bool { return p.Step >= rung })
				if at < 0 {
					r.ended = math.Min(r.ended, final) // nothing to decide
					continue
				}
				steps, vals := make([]int, at+1), make([]float64, at+1)
				for j, p := range t.Reports[:at+1] {
					steps[j], vals[j] = p.Step, sd.orient(p.Value)
				}
				if math.IsNaN(vals[at]) {
					continue
				}
				r.contenders = append(r.contenders, contender{coords: t.Coords, final: final, value: vals[at], key: map[string]float64{
					"value":    vals[at],
					"expected": search.ExpectedFinal(steps, vals, sd.rule.MaxResource, sd.rule.Reduction),
				}})
			}
			if len(r.contenders) == 0 || math.IsInf(r.best, 1) {
				continue
			}
			placeBy(r.contenders, func(c *contender) float64 { return c.value }, func(c *contender, p float64) { c.place = p })
			placeBy(r.contenders, func(c *contender) float64 { return c.final }, func(c *contender, p float64) { c.finalPlace = p })
			out = append(out, r)
		}
	}
	return out
}

// placeBy sets each contender's place by key: 0 first, 1 last.
func placeBy(cs []contender, key func(*contender) float64, set func(*contender, float64)) {
	idx := make([]int, len(cs))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(key(&cs[a]), key(&cs[b])) })
	for place, i := range idx {
		p := 0.0
		if len(cs) > 1 {
			p = float64(place) / float64(len(cs)-1)
		}
		set(&cs[i], p)
	}
}

// rankingTable orders every round of every seed by each key and counts,
// for 3 and 5 places, the rounds whose kept trials end within 1 % of the
// round's best (or within atMinimum of it) and those more than 5 % worse.
func rankingTable(seeds []rankedSeed, atMinimum float64) string {
	rounds := rankedRounds(seeds)
	for i := range seeds {
		// The models learn from every other seed's trials: the parameters'
		// from all that finished, the curves' from those at the rung.
		var params, both []neighbour
		for j, sd := range seeds {
			for _, t := range sd.curves {
				if y := sd.orient(t.Value); j != i && t.Measured && !math.IsNaN(y) && !math.IsInf(y, 0) {
					params = append(params, neighbour{t.Coords, y})
				}
			}
		}
		for _, r := range rounds {
			if r.seed == i {
				continue
			}
			for _, c := range r.contenders {
				both = append(both, neighbour{append(slices.Clone(c.coords), c.place), c.finalPlace})
			}
		}
		for _, r := range rounds {
			if r.seed != i {
				continue
			}
			for j := range r.contenders {
				c := &r.contenders[j]
				c.key["model"] = nearestMean(params, c.coords)
				c.key["model+curve"] = nearestMean(both, append(slices.Clone(c.coords), c.place))
			}
		}
	}
	places := []int{3, 5}
	within := map[string][]int{}
	worse := map[string][]int{}
	for _, k := range rankingKeys {
		within[k], worse[k] = make([]int, len(places)), make([]int, len(places))
	}
	var sizes []float64
	for _, r := range rounds {
		sizes = append(sizes, float64(len(r.contenders)))
		cs := slices.Clone(r.contenders)
		for _, k := range rankingKeys {
			slices.SortStableFunc(cs, func(a, b contender) int { return cmp.Compare(a.key[k], b.key[k]) })
			for p, n := range places {
				got := r.ended
				for _, c := range cs[:min(n, len(cs))] {
					got = math.Min(got, c.final)
				}
				gap := got - r.best
				if gap <= math.Max(0.01*math.Abs(r.best), atMinimum) {
					within[k][p]++
				}
				if gap > math.Max(0.05*math.Abs(r.best), atMinimum) {
					worse[k][p]++
				}
			}
		}
	}
	var out strings.Builder
	fmt.Fprintf(&out, "%d rounds, median %g trials at the last rung\nkey          places  within 1 %%  more than 5 %% worse\n", len(rounds), results.Median(sizes))
	for _, k := range rankingKeys {
		for p, n := range places {
			fmt.Fprintf(&out, "%-12s %6d %11d %20d\n", k, n, within[k][p], worse[k][p])
		}
	}
	return out.String()
}

// neighbour is one trial a model learns from: its inputs and its value.
type neighbour struct {
	x []float64
	y float64
}

// nearestMean is the mean value of the 7 neighbours nearest x.
func nearestMean(train []neighbour, x []float64) float64 {
	if len(train) == 0 {
		return math.NaN()
	}
	d := make([]float64, len(train))
	idx := make([]int, len(train))
	for i, p := range train {
		idx[i] = i
		for j := range x {
			d[i] += (x[j] - p.x[j]) * (x[j] - p.x[j])
		}
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(d[a], d[b]) })
	const k = 7
	var sum float64
	n := min(k, len(idx))
	for _, i := range idx[:n] {
		sum += train[i].y
	}
	return sum / float64(n)
}

// The table counts a round as kept only when a trial within 1 % of the
// round's best is among the first places by the key: here the best trial
// is last by value at the rung (it starts slowly) and first by expected
// final value (its curve still falls steeply), so value keeps it at no
// number of places short of all, and expected at every one.
func TestRankingTableCountsTheKeptWinner(t *testing.T) {
	rule := search.EarlyStopping{Kind: search.Auto, MinResource: 10, MaxResource: 270, Reduction: 3, Budget: 0.32}
	curve := func(n int, f func(step float64) float64) recorded {
		r := recorded{Number: n, Measured: true, Coords: []float64{float64(n) / 10}}
		for s := 10; s <= 270; s += 10 {
			r.Reports = append(r.Reports, results.Reported{Step: s, Value: f(float64(s))})
		}
		r.Value = r.Reports[len(r.Reports)-1].Value
		return r
	}
	var trials []recorded
	for n := range 6 {
		level := 1 + 0.1*float64(n)
		trials = append(trials, curve(n, func(float64) float64 { return level })) // flat from the start
	}
	trials = append(trials, curve(6, func(s float64) float64 { return 3 - 2.9*s/270 })) // ends at 0.1
	seeds := []rankedSeed{{curves: trials, rule: rule}, {curves: trials, rule: rule}}
	table := rankingTable(seeds, 0)
	for _, want := range []string{"value             3           0", "value             5           0",
		"expected          3           2", "expected          5           2"} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
}
