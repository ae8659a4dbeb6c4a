package study

import (
	"github.com/hpsearch/hpsearch/configs"
	"github.com/hpsearch/hpsearch/search"
)

// NewSpace is the search space of cfg's parameters, in document order.
func NewSpace(cfg *configs.Config) (*search.Space, error) {
	return search.NewSpace(Dims(cfg.Parameters))
}

// Dims translates configured parameters into search dimensions. The
// distribution names are the same strings in both packages, so a kind
// search does not know is refused by search.NewSpace, naming it.
func Dims(params []configs.Parameter) []search.Dim {
	dims := make([]search.Dim, len(params))
	for i, p := range params {
		dims[i] = search.Dim{Name: p.Name, Dist: p.Dist, Low: p.Low, High: p.High, Log: p.Log, Choices: p.Choices}
		if p.When != nil {
			dims[i].When = &search.Condition{Parent: p.When.Parent, Values: p.When.Values}
		}
	}
	return dims
}

// StrategyOptions are the strategy and budget cfg's search section names.
func StrategyOptions(cfg *configs.Config) search.StrategyOptions {
	s := cfg.Search
	rule, _ := EarlyStopping(cfg)
	return search.StrategyOptions{Strategy: s.Strategy, Seed: cfg.Seed, Goal: s.Goal, Trials: s.Trials,
		Rounds: s.Rounds, TrialsPerRound: s.TrialsPerRound, Keep: s.Keep, GridPoints: s.GridPoints, Batch: s.Batch,
		EarlyStopping: rule}
}

// EarlyStopping is the early-stopping rule cfg asks for; ok is false when
// it asks for none.
func EarlyStopping(cfg *configs.Config) (rule search.EarlyStopping, ok bool) {
	e := cfg.Search.EarlyStopping
	if e == nil {
		return search.EarlyStopping{}, false
	}
	return search.EarlyStopping{Kind: e.Kind, MinResource: e.MinResource, MaxResource: e.MaxResource,
		Reduction: e.ReductionFactor, MinTrials: e.MinTrials, Budget: e.Budget}, true
}
