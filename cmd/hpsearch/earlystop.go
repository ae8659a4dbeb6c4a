package main

import (
	"github.com/hpsearch/hpsearch/search"
	"github.com/hpsearch/hpsearch/study"
)

// pruner builds the early-stopping pruner a config asks for; nil when it
// asks for none. The built-in trainer reports validation losses (lower is
// better, whatever the metric); a command reports the study's metric.
func (sw *sweep) pruner() (*search.Pruner, error) {
	rule, ok := study.EarlyStopping(sw.cfg)
	if !ok {
		return nil, nil
	}
	maximize := sw.command != nil && sw.cfg.Search.Goal == "maximize"
	p, err := search.NewPruner(rule, maximize)
	if err != nil {
		return nil, usageErr("%s: %v", sw.cfg.File, err)
	}
	if sw.objective != nil {
		sw.objective.ReportEvery(sw.cfg.Search.EarlyStopping.Interval, rule.MaxResource)
	}
	return p, nil
}
