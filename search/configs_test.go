package search

import "github.com/hpsearch/hpsearch/configs"

// The built-in trainer's objective still lives here and study imports
// search, so the tests that run it translate their config as study does
// (study.Dims, study.StrategyOptions, study.EarlyStopping) until it moves.

func configDims(ps []configs.Parameter) []Dim {
	dims := make([]Dim, len(ps))
	for i, p := range ps {
		dims[i] = Dim{Name: p.Name, Dist: p.Dist, Low: p.Low, High: p.High, Log: p.Log, Choices: p.Choices}
		if p.When != nil {
			dims[i].When = &Condition{Parent: p.When.Parent, Values: p.When.Values}
		}
	}
	return dims
}

func configOptions(cfg *configs.Config) StrategyOptions {
	s := cfg.Search
	return StrategyOptions{Strategy: s.Strategy, Seed: cfg.Seed, Goal: s.Goal, Trials: s.Trials,
		Rounds: s.Rounds, TrialsPerRound: s.TrialsPerRound, Keep: s.Keep, GridPoints: s.GridPoints, Batch: s.Batch}
}

func configRule(cfg *configs.Config) (EarlyStopping, bool) {
	e := cfg.Search.EarlyStopping
	if e == nil {
		return EarlyStopping{}, false
	}
	return EarlyStopping{Kind: e.Kind, MinResource: e.MinResource, MaxResource: e.MaxResource,
		Reduction: e.ReductionFactor, MinTrials: e.MinTrials}, true
}
