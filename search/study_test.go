package search

import "github.com/hpsearch/hpsearch/configs"

// The tests here that run the built-in trainer on a config need package
// study (its objective and its translation of the config), which imports
// search: an internal test cannot import it back, so study_ext_test.go, an
// external test of this package, fills these in before any test runs.
var (
	NewTrainerObjective func(*configs.Config) (TrainerObjective, error)
	ConfigSpace         func(*configs.Config) (*Space, error)
	ConfigStrategy      func(*configs.Config) StrategyOptions
	ConfigRule          func(*configs.Config) (EarlyStopping, bool)
)

// TrainerObjective is study's objective of the built-in trainer.
type TrainerObjective interface {
	Evaluator
	ReportEvery(interval, maxResource int)
}
