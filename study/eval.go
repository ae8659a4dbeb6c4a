package study

import (
	"context"
	"time"

	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/search"
)

// Eval runs one trial of the study alone, outside any search: number
// gives its seed (as in the study), params its parameters, and the
// config's base settings the rest. The trial is filled in as a stored one
// is; its Params list what it trained with (see trainedParams). The error
// is an Interrupted one: a trial that failed is a trial, not an error.
func (s *Study) Eval(ctx context.Context, number int, params results.Params) (results.Trial, error) {
	task := search.Task{Study: s.Name, Number: number, Params: params, Seed: search.TrialSeed(s.Config.Seed, number)}
	start := time.Now()
	t, err := s.Evaluator().Evaluate(ctx, task)
	if err != nil {
		return t, &Error{Kind: Interrupted, Err: err}
	}
	t = search.Settle(t, nil, task, nil, start)
	t.Params = s.trainedParams(task.Params)
	return t, nil
}

// trainedParams is what a trial trained with, for the table and JSON:
// the given parameters, and for the built-in trainer the base value of
// every other parameter of the space that applies, so that eval without
// --params still shows the settings it trained.
func (s *Study) trainedParams(given results.Params) results.Params {
	if s.Trainer == nil {
		return given
	}
	cfg := s.Config
	out := given[:len(given):len(given)]
	for _, p := range cfg.Parameters {
		if _, ok := out.Get(p.Name); ok {
			continue
		}
		if p.When != nil {
			parent, ok := out.Get(p.When.Parent)
			if !ok {
				parent, ok = cfg.BaseValue(p.When.Parent)
			}
			if !p.When.Applies(parent, ok) {
				continue
			}
		}
		if v, ok := cfg.BaseValue(p.Name); ok {
			out = append(out, results.Param{Name: p.Name, Value: v})
		}
	}
	return out
}
