package study

import "github.com/hpsearch/hpsearch/results"

// Plan is what a study will run, before any trial does: what `hpsearch
// validate` describes.
type Plan struct {
	Strategy string // the strategy's name
	Trials   int    // the whole budget
	// Parallel is how many trials run at once: search.parallelism (0: one
	// per CPU), capped by the device pool.
	Parallel int
	Space    []Dimension
}

// Dimension is one parameter of a study's space as it is searched first.
type Dimension struct {
	Name, Distribution string
	Range              results.Range // the initial range, or the choices
	// Parent and Values say when a conditional parameter applies: when
	// Parent, a choice, takes one of Values. Parent is "" for a parameter
	// of every trial.
	Parent string
	Values []any
}

// Plan builds the study's strategy to say what it would run.
func (s *Study) Plan() (Plan, error) {
	strat, err := s.Strategy(nil)
	if err != nil {
		return Plan{}, err
	}
	p := Plan{Strategy: strat.Name(), Trials: strat.Total(),
		Parallel: EffectiveParallel(s.CapParallel(s.Config.Search.Parallelism))}
	ranges := s.Space.InitialRanges()
	for i, d := range s.Space.Dims {
		dim := Dimension{Name: d.Name, Distribution: d.Dist, Range: ranges[i]}
		if d.When != nil {
			dim.Parent, dim.Values = d.When.Parent, d.When.Values
		}
		p.Space = append(p.Space, dim)
	}
	return p, nil
}
