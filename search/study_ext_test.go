package search_test

import (
	"github.com/hpsearch/hpsearch/configs"
	"github.com/hpsearch/hpsearch/search"
	"github.com/hpsearch/hpsearch/study"
)

func init() {
	search.NewTrainerObjective = func(cfg *configs.Config) (search.TrainerObjective, error) {
		return study.NewObjective(cfg)
	}
	search.ConfigSpace = study.NewSpace
	search.ConfigStrategy = study.StrategyOptions
	search.ConfigRule = study.EarlyStopping
}
