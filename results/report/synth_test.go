package report

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/hpsearch/hpsearch/results"
)

// synth describes a synthetic coarse-to-fine study for the tests and
// benchmarks: the shapes a real sweep produces (converging, diverging,
// failed and pruned trials, narrowing ranges), made in microseconds.
type synth struct {
	trials  int
	rounds  int
	history int  // points per ok trial's history
	pruning bool // a third of the later rounds' trials are pruned
	seed    uint64
}

// lrRanges are the learning-rate ranges of successive rounds: coarse, then
// narrowing around 1e-2 (where the synthetic loss is lowest).
var lrRanges = [][2]float64{{1e-5, 1}, {1e-3, 1e-1}, {3e-3, 3e-2}, {5e-3, 2e-2}}

func (c synth) study() (results.Study, []results.Trial) {
	rng := rand.New(rand.NewPCG(c.seed, 99))
	s := results.Study{
		Name: "synthetic", Strategy: "coarse-to-fine", Metric: "validation_loss", Goal: results.GoalMinimize,
		Total: c.trials, Status: "finished", Created: time.Date(2025, 3, 1, 2, 0, 0, 0, time.UTC),
		Config: "seed: 1\ntrainer.gradient_threshold: 1e-06\ntrainer.patience: 25\n",
	}
	perRound := max(1, c.trials/c.rounds)
	choices := [][]any{{"gd", "momentum", "adam"}, {"momentum", "adam"}, {"adam"}, {"adam"}}
	for r := range c.rounds {
		lr := lrRanges[min(r, len(lrRanges)-1)]
		s.Rounds = append(s.Rounds, results.Round{Round: r, Best: math.NaN(), Median: math.NaN(), Ranges: []results.Range{
			{Name: "learning_rate", Low: lr[0], High: lr[1], Log: true},
			{Name: "init_std", Low: 1e-3 * float64(r+1), High: 1 / float64(r+1), Log: true},
			{Name: "momentum", Low: 0.1 * float64(r), High: 0.99},
			{Name: "optimizer", Choices: choices[min(r, len(choices)-1)]},
		}})
	}
	trials := make([]results.Trial, c.trials)
	values := make([][]float64, c.rounds)
	for i := range trials {
		round := min(i/perRound, c.rounds-1)
		trials[i] = c.trial(rng, s, i, round)
		if trials[i].Status == results.StatusOK {
			values[round] = append(values[round], trials[i].Value.Float())
		}
	}
	for r := range s.Rounds {
		s.Rounds[r].Median = results.Median(values[r])
		if len(values[r]) > 0 {
			s.Rounds[r].Best = slices.Min(values[r])
		}
	}
	return s, trials
}

func (c synth) trial(rng *rand.Rand, s results.Study, n, round int) results.Trial {
	rg := s.Rounds[round].Ranges
	logUniform := func(lo, hi float64) float64 {
		return math.Exp(math.Log(lo) + rng.Float64()*(math.Log(hi)-math.Log(lo)))
	}
	lr := logUniform(rg[0].Low, rg[0].High)
	opts := rg[3].Choices
	t := results.Trial{
		Study: s.Name, Number: n, Round: round, Seed: uint64(n),
		Params: results.Params{
			{Name: "learning_rate", Value: lr},
			{Name: "init_std", Value: logUniform(rg[1].Low, rg[1].High)},
			{Name: "momentum", Value: rg[2].Low + rng.Float64()*(rg[2].High-rg[2].Low)},
			{Name: "optimizer", Value: opts[rng.IntN(len(opts))]},
		},
		Status:  results.StatusOK,
		Started: s.Created, Finished: s.Created.Add(time.Duration(50+rng.IntN(200)) * time.Millisecond),
	}
	// The loss is lowest at lr = 1e-2, grows a decade per decade away.
	final := 0.02 + 0.3*math.Pow(math.Log10(lr)+2, 2) + 0.01*rng.Float64()
	switch {
	case n%23 == 7:
		t.Status, t.Value, t.TrainLoss = results.StatusFailed, results.Measurement{}, results.Measurement{}
		t.Error, t.StopReason = "exit status 1: out of memory", ""
		return t
	case lr > 0.3:
		t.Status, t.Value, t.TrainLoss, t.StopReason = results.StatusDiverged, results.Measurement{}, results.Measured(math.Inf(1)), "diverged"
		t.History = divergingHistory(c.history, lr)
		t.Iterations = len(t.History)
		return t
	}
	points := c.history
	t.StopReason = "patience"
	if c.pruning && round > 0 && n%3 == 0 {
		t.Status, t.StopReason = results.StatusPruned, "pruned"
		points = max(1, points/3)
		final *= 3
	}
	t.History = convergingHistory(points, c.history, final, lr, rng)
	last := t.History[len(t.History)-1]
	t.Value, t.TrainLoss, t.Iterations = results.Measured(last.ValidationLoss), results.Measured(last.TrainLoss), last.Iteration
	return t
}

// convergingHistory falls from about 5 towards final at a speed set by
// the learning rate; points of a full run of full points.
func convergingHistory(points, full int, final, lr float64, rng *rand.Rand) []results.Point {
	h := make([]results.Point, points)
	speed := 8 * math.Min(1, lr*20) / float64(max(1, full))
	for k := range h {
		decay := math.Exp(-speed * float64(k*10))
		train := 0.9*final + (5-final)*decay
		h[k] = results.Point{
			Iteration:      k * 10,
			TrainLoss:      train,
			ValidationLoss: train*1.1 + 0.002*rng.Float64(),
			GradNorm:       20*decay + 1e-5,
		}
	}
	return h
}

// divergingHistory explodes, ending in +Inf the way a real divergence does.
func divergingHistory(points int, lr float64) []results.Point {
	h := make([]results.Point, max(2, points/4))
	for k := range h {
		v := 5 * math.Pow(1+lr*10, float64(k))
		h[k] = results.Point{Iteration: k * 10, TrainLoss: v, ValidationLoss: v * 1.1, GradNorm: v * 3}
	}
	h[len(h)-1].TrainLoss, h[len(h)-1].ValidationLoss = math.Inf(1), math.NaN()
	return h
}

// describe is a test label for a synthetic study.
func (c synth) String() string {
	return fmt.Sprintf("%d trials, %d rounds, %d points", c.trials, c.rounds, c.history)
}
