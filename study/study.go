package study

import (
	"math"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/hpsearch/hpsearch/configs"
	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/search"
)

// Study is a study built from its config, before any trial runs: the
// objective that runs its trials, its search space, and the rules of its
// lifecycle (Run).
type Study struct {
	Config *configs.Config
	Name   string
	// Path is the config file the study was loaded from, as given.
	Path string
	// Exactly one of Trainer, Command and Benchmark runs the trials.
	Trainer   *Objective        // the built-in trainer
	Command   *CommandObjective // the user's program (trainer.command)
	Benchmark *Benchmark        // a test function (benchmark: NAME)
	Space     *search.Space
}

// Load reads the config at path with its --set overrides and builds its
// study, named name or else the config's name ({date} and {time}
// expanded). A config that cannot run is a Usage error naming the file.
func Load(path string, sets []string, name string) (*Study, error) {
	cfg, err := configs.Load(path, sets)
	if err != nil {
		return nil, err
	}
	if name == "" {
		name = cfg.Name
	}
	name = ExpandName(name, time.Now())
	if err := CheckName(name); err != nil {
		return nil, err
	}
	s := &Study{Config: cfg, Name: name, Path: path}
	if cfg.Benchmark != "" {
		// The objective is the test function itself: no data to load, no
		// training (configs refuses a benchmark with trainer.command).
		s.Benchmark, err = NewBenchmark(cfg)
	} else {
		err = s.newObjective()
	}
	if err != nil {
		return nil, usageErr("%s: %v", path, err)
	}
	if s.Space, err = NewSpace(cfg); err != nil {
		return nil, usageErr("%s: %v", path, err)
	}
	return s, nil
}

// ExpandName fills the {date} and {time} placeholders of a study name, so
// that a cron line makes one study per night.
func ExpandName(name string, now time.Time) string {
	name = strings.ReplaceAll(name, "{date}", now.Format("2006-01-02"))
	return strings.ReplaceAll(name, "{time}", now.Format("150405"))
}

// CheckName holds a study name given anywhere (--study, a STUDY argument,
// a warm start) to the rule of the config's name; a Usage error if not.
func CheckName(name string) error {
	if err := configs.CheckStudyName(name); err != nil {
		return usageErr("%v", err)
	}
	return nil
}

// newObjective picks what runs the study's trials: the user's program
// with trainer.command, else the built-in trainer on the config's data.
func (s *Study) newObjective() error {
	cfg := s.Config
	var err error
	if len(cfg.Trainer.Command) > 0 {
		s.Command, err = NewCommandObjective(cfg, trialsDir(cfg.Output.Dir, s.Name))
		return err
	}
	s.Trainer, err = NewObjective(cfg)
	return err
}

// Evaluator is what runs one trial of the study.
func (s *Study) Evaluator() search.Evaluator {
	if s.Benchmark != nil {
		return s.Benchmark
	}
	if s.Command != nil {
		return s.Command
	}
	return s.Trainer
}

// ForEval sends a command's output to runs/<study>/eval/<n>/, so that
// re-running a trial alone keeps the study's own record of it. Each eval
// is an owner of its own: two evals of one trial at once (the Optuna
// driver's jobs, two seeds of one config) refuse rather than stop each
// other's program.
func (s *Study) ForEval() {
	if s.Command != nil {
		s.Command.TrialsDir = filepath.Join(s.Config.Output.Dir, s.Name, "eval")
		s.Command.owner = trialOwner(results.NewMemoryStore(), s.Name)
	}
}

// TrialsDir is where command trials keep their output; "" without one.
func (s *Study) TrialsDir() string {
	if s.Command == nil {
		return ""
	}
	return s.Command.TrialsDir
}

// Goal is the study's search.goal.
func (s *Study) Goal() results.Goal { return results.Goal(s.Config.Search.Goal) }

// EffectiveParallel is how many trials parallelism p runs at once: 0
// means one per CPU.
func EffectiveParallel(p int) int {
	if p <= 0 {
		return runtime.GOMAXPROCS(0)
	}
	return p
}

// CapParallel bounds parallelism by the device pool: a trial beyond it
// would only wait for a device.
func (s *Study) CapParallel(par int) int {
	if s.Command == nil || s.Command.Devices() == 0 {
		return par
	}
	return min(EffectiveParallel(par), s.Command.Devices())
}

// Strategy builds the strategy the config names, started from a previous
// study when warm is not nil.
func (s *Study) Strategy(warm *search.WarmStart) (search.Strategy, error) {
	strat, err := search.NewStrategy(StrategyOptions(s.Config), s.Space, warm)
	if err != nil {
		return nil, usageErr("%s: %v", s.Config.File, err)
	}
	return strat, nil
}

// WarmStartPoints is how many of a previous study's best trials a warm
// start evaluates again: as many as coarse-to-fine keeps from a round.
func (s *Study) WarmStartPoints() int {
	return max(1, int(math.Ceil(s.Config.Search.Keep*float64(s.Config.Search.TrialsPerRound))))
}

// pruner builds the early-stopping pruner the config asks for; nil when it
// asks for none. The built-in trainer reports validation losses (lower is
// better, whatever the metric); a command reports the study's metric.
func (s *Study) pruner() (*search.Pruner, error) {
	rule, ok := EarlyStopping(s.Config)
	if !ok {
		return nil, nil
	}
	maximize := s.Command != nil && s.Goal().Maximizes()
	p, err := search.NewPruner(rule, maximize)
	if err != nil {
		return nil, usageErr("%s: %v", s.Config.File, err)
	}
	if s.Trainer != nil {
		s.Trainer.ReportEvery(s.Config.Search.EarlyStopping.Interval, rule.MaxResource)
	}
	return p, nil
}

// job is the search.Job of the study, with the early-stopping rule its
// config asks for: the objective reports as in a one-process run.
func (s *Study) job(warm *search.WarmStart) (*search.Job, error) {
	pruner, err := s.pruner()
	if err != nil {
		return nil, err
	}
	return &search.Job{Study: s.Name, Seed: s.Config.Seed, Evaluator: s.Evaluator(), Pruner: pruner,
		Strategy: func() (search.Strategy, error) { return s.Strategy(warm) }}, nil
}
