package search

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/hpsearch/hpsearch/results"
)

// Proposal is a point a strategy wants evaluated.
type Proposal struct {
	Number int
	Round  int
	Params results.Params
}

// Strategy proposes points a batch at a time and learns from their results.
// The runner tells it a batch's trials in proposal order, never completion
// order, so the same seed gives the same trials at any parallelism.
type Strategy interface {
	Name() string
	// Ask returns the next batch to evaluate; an empty batch ends the study.
	Ask() ([]Proposal, error)
	// Tell reports the batch Ask returned last, in the same order.
	Tell(trials []results.Trial)
	// Rounds is the record of every round so far: ranges, best and median.
	Rounds() []results.Round
	// Total is the planned number of trials.
	Total() int
}

// Plan is what every strategy needs besides its own settings.
type Plan struct {
	Space *Space
	Seed  uint64
	Goal  string // minimize | maximize
}

// StrategyOptions name a strategy and its budget.
type StrategyOptions struct {
	Strategy string // grid | random | sobol | powers-of-ten | coarse-to-fine | coarse-to-fine-gp | bayes
	Seed     uint64
	Goal     string // minimize | maximize
	// Trials is the total budget; 0 means Rounds × TrialsPerRound.
	Trials int
	// Rounds and TrialsPerRound split the budget of coarse-to-fine and the
	// model-guided strategies: round 0 takes what the later rounds leave.
	Rounds         int
	TrialsPerRound int
	Keep           float64 // coarse-to-fine: the share of a round it narrows around
	GridPoints     int     // grid: values per continuous dimension
	Batch          int     // coarse-to-fine-gp and bayes: trials proposed together after round 0
	// EarlyStopping is the study's rule, if any: coarse-to-fine narrows
	// on the expected final values of trials pruned by kind auto (coarse.go).
	EarlyStopping EarlyStopping
}

// NewStrategy builds the strategy o names over space, started from a
// previous study when warm is not nil.
func NewStrategy(o StrategyOptions, space *Space, warm *WarmStart) (Strategy, error) {
	s, err := newStrategy(o, space)
	if err != nil || warm == nil {
		return s, err
	}
	if c, ok := s.(*coarseToFine); ok {
		c.startFrom(warm)
		return c, nil
	}
	return &warmFirst{Strategy: s, points: warm.Points}, nil
}

func newStrategy(s StrategyOptions, space *Space) (Strategy, error) {
	plan := Plan{Space: space, Seed: s.Seed, Goal: s.Goal}
	total := s.Trials
	if total == 0 {
		total = s.Rounds * s.TrialsPerRound
	}
	switch s.Strategy {
	case "grid":
		return newGrid(plan, s.GridPoints)
	case "random":
		return &random{plan: plan, total: total}, nil
	case "powers-of-ten":
		return newPowersOfTen(plan, s.Trials)
	case "sobol":
		return &quasiRandom{plan: plan, total: total}, nil
	case "coarse-to-fine":
		c, err := newCoarseToFineSizes(plan, roundSizes(s), s.Keep)
		if err != nil {
			return nil, err
		}
		c.lookAhead = s.EarlyStopping
		return c, nil
	case "coarse-to-fine-gp", "bayes":
		m, err := newModelGuided(plan, modelRounds(s), s.Strategy == "coarse-to-fine-gp")
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.Strategy, err)
		}
		return m, nil
	}
	return nil, fmt.Errorf("unknown strategy %q (allowed: grid, random, sobol, powers-of-ten, coarse-to-fine, coarse-to-fine-gp, bayes)", s.Strategy)
}

// roundRNG is the generator of one round's sampling. Seeding per round, not
// per study, lets resume rebuild round k without replaying earlier draws.
func roundRNG(seed uint64, round int) *rand.Rand {
	return rand.New(rand.NewPCG(seed, 0x5eed_0000_0000+uint64(round)))
}

// record summarises one round's trials for the per-round table.
func record(round int, ranges []results.Range, trials []results.Trial, goal string) results.Round {
	r := results.Round{Round: round, Ranges: slices.Clone(ranges), Best: math.NaN(), Median: math.NaN()}
	var vals []float64
	for _, t := range trials {
		if t.Status == results.StatusOK && t.Value.Measured() {
			vals = append(vals, t.Value.Float())
		}
	}
	if len(vals) > 0 {
		slices.Sort(vals)
		r.Best = vals[0]
		if goal == "maximize" {
			r.Best = vals[len(vals)-1]
		}
		r.Median = results.Median(vals)
	}
	return r
}

// oneShot is the bookkeeping of strategies that propose everything at once.
type oneShot struct {
	asked  bool
	rounds []results.Round
}

// random samples the configured ranges independently for every trial.
type random struct {
	plan  Plan
	total int
	oneShot
}

func (s *random) Name() string            { return "random" }
func (s *random) Total() int              { return s.total }
func (s *random) Rounds() []results.Round { return s.rounds }

func (s *random) Ask() ([]Proposal, error) {
	if s.asked {
		return nil, nil
	}
	s.asked = true
	rng := roundRNG(s.plan.Seed, 0)
	ranges := s.plan.Space.InitialRanges()
	batch := make([]Proposal, s.total)
	for i := range batch {
		batch[i] = Proposal{Number: i, Params: s.plan.Space.Sample(ranges, rng.Float64)}
	}
	return batch, nil
}

func (s *random) Tell(trials []results.Trial) {
	s.rounds = []results.Round{record(0, s.plan.Space.InitialRanges(), trials, s.plan.Goal)}
}

// grid evaluates the Cartesian product of every dimension's grid values.
type grid struct {
	plan   Plan
	points [][]any
	total  int
	oneShot
}

// maxGrid keeps a mistyped grid (a dozen dimensions) from planning
// billions of trials silently: a grid is a study's trials, so the bound is
// MaxTrials (study's tests check they agree).
const maxGrid = 1_000_000

func newGrid(plan Plan, points int) (*grid, error) {
	g := &grid{plan: plan}
	// Counted before any value is listed: 10^24 points must cost nothing
	// to refuse. A condition only removes points, so the product bounds
	// a conditional grid too, whose exact size the walk below counts.
	if n := gridSize(plan.Space.Dims, points); n > maxGrid && !plan.Space.Conditional() {
		return nil, fmt.Errorf("grid strategy: the grid has more than %d points; lower search.grid_points or use random or coarse-to-fine", maxGrid)
	}
	for _, d := range plan.Space.Dims {
		g.points = append(g.points, d.gridValues(points))
	}
	g.total = cross(plan.Space.Dims, g.points, maxGrid+1, nil)
	if g.total > maxGrid {
		return nil, fmt.Errorf("grid strategy: the grid has more than %d points; lower search.grid_points or use random or coarse-to-fine", maxGrid)
	}
	return g, nil
}

// gridSize is the product of the dimensions' grid value counts,
// saturated at maxGrid+1.
func gridSize(dims []Dim, points int) int {
	n := 1
	for _, d := range dims {
		k := d.gridCount(points)
		if k > 0 && n > (maxGrid+1)/k {
			return maxGrid + 1
		}
		n *= k
	}
	return n
}

func (g *grid) Name() string            { return "grid" }
func (g *grid) Total() int              { return g.total }
func (g *grid) Rounds() []results.Round { return g.rounds }

func (g *grid) Ask() ([]Proposal, error) {
	if g.asked {
		return nil, nil
	}
	g.asked = true
	batch := make([]Proposal, 0, g.total)
	cross(g.plan.Space.Dims, g.points, g.total, func(vals []any) {
		batch = append(batch, Proposal{Number: len(batch), Params: point(g.plan.Space.Dims, vals)})
	})
	return batch, nil
}

// cross walks the Cartesian product of values (nil: a dimension left to
// the caller), last dimension varying fastest as nested loops in document
// order would, calling visit with each point's coordinates (reused: copy
// what is kept). A dimension that does not apply to a point is nil in it
// and multiplies nothing, so no two points differ only in a parameter
// that does nothing. It stops after limit points and returns how many it
// walked.
func cross(dims []Dim, values [][]any, limit int, visit func(vals []any)) int {
	vals := make([]any, len(dims))
	n := 0
	var walk func(i int)
	walk = func(i int) {
		switch {
		case n >= limit:
			return
		case i == len(dims):
			if visit != nil {
				visit(vals)
			}
			n++
			return
		case values[i] == nil || !applies(dims, i, vals):
			vals[i] = nil
			walk(i + 1)
			return
		}
		for _, v := range values[i] {
			vals[i] = v
			walk(i + 1)
		}
		vals[i] = nil
	}
	walk(0)
	return n
}

func (g *grid) Tell(trials []results.Trial) {
	g.rounds = []results.Round{record(0, g.plan.Space.InitialRanges(), trials, g.plan.Goal)}
}

// powersOfTen is the lecture's "run GD with each power of ten as the
// learning rate": every power in the learning rate's range, crossed with
// every value of the other categorical parameters; numeric parameters other
// than the learning rate are sampled at random per trial.
type powersOfTen struct {
	plan    Plan
	crossed [][]any // per dimension: values crossed; nil for sampled dims
	cells   int
	repeats int
	oneShot
}

func newPowersOfTen(plan Plan, trials int) (*powersOfTen, error) {
	s := &powersOfTen{plan: plan}
	found := false
	for _, d := range plan.Space.Dims {
		var vs []any
		switch {
		case d.Name == "learning_rate":
			found = true
			vs = learningRatePowers(d)
			if len(vs) == 0 {
				return nil, fmt.Errorf("powers-of-ten strategy: learning_rate range [%g, %g] holds no power of ten", d.Low, d.High)
			}
		case d.Dist == Choice || d.Dist == PowersOfTen:
			vs = d.gridValues(0)
		}
		s.crossed = append(s.crossed, vs)
	}
	if !found {
		return nil, fmt.Errorf("powers-of-ten strategy: parameters must include learning_rate (e.g. learning_rate: {powers_of_ten: [-6, 0]})")
	}
	// A condition's parent is a choice, so always crossed: the cells are
	// the crossed values where they apply, as on a grid.
	s.cells = cross(plan.Space.Dims, s.crossed, maxGrid+1, nil)
	if s.cells > maxGrid {
		return nil, fmt.Errorf("powers-of-ten strategy: the learning rates crossed with the choices make more than %d trials; use coarse-to-fine", maxGrid)
	}
	// A budget larger than the cross repeats it: each repeat starts every
	// learning rate from other Gaussian initial weights, which shows how
	// much of a rate's result is luck.
	s.repeats = max(1, (trials+s.cells-1)/s.cells)
	return s, nil
}

// learningRatePowers lists the exact powers of ten inside the learning
// rate's range, whatever its distribution.
func learningRatePowers(d Dim) []any {
	if d.Dist == PowersOfTen || d.Dist == Choice {
		return d.gridValues(0)
	}
	r := d.InitialRange()
	if r.Low <= 0 {
		return nil
	}
	var vs []any
	for e := int(math.Ceil(math.Log10(r.Low) - 1e-9)); e <= int(math.Floor(math.Log10(r.High)+1e-9)); e++ {
		vs = append(vs, Pow10(e))
	}
	return vs
}

func (s *powersOfTen) Name() string            { return "powers-of-ten" }
func (s *powersOfTen) Total() int              { return s.cells * s.repeats }
func (s *powersOfTen) Rounds() []results.Round { return s.rounds }

func (s *powersOfTen) Ask() ([]Proposal, error) {
	if s.asked {
		return nil, nil
	}
	s.asked = true
	rng := roundRNG(s.plan.Seed, 0)
	dims := s.plan.Space.Dims
	ranges := s.plan.Space.InitialRanges()
	var cells [][]any
	cross(dims, s.crossed, s.cells, func(vals []any) { cells = append(cells, slices.Clone(vals)) })
	batch := make([]Proposal, 0, s.Total())
	for rep := 0; rep < s.repeats; rep++ {
		for _, cell := range cells {
			vals := slices.Clone(cell)
			for k, d := range dims {
				if s.crossed[k] != nil {
					continue
				}
				// Drawn also where it does not apply, so that a condition
				// never shifts the draws of the trials after it.
				u := rng.Float64()
				if applies(dims, k, vals) {
					vals[k] = d.At(ranges[k], u)
				}
			}
			batch = append(batch, Proposal{Number: len(batch), Params: point(dims, vals)})
		}
	}
	return batch, nil
}

func (s *powersOfTen) Tell(trials []results.Trial) {
	s.rounds = []results.Round{record(0, s.plan.Space.InitialRanges(), trials, s.plan.Goal)}
}
