package main

import (
	"math"
	"time"

	"github.com/hpsearch/hpsearch/configs"
	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/study"
)

// The --json documents of studies, compare and validate. Their fields are
// a contract, documented in docs/design.md: add fields, never rename one.

// studiesDoc is `studies --json`.
type studiesDoc struct {
	Studies []studyLine `json:"studies"`
}

type studyLine struct {
	Study    string              `json:"study"`
	Created  time.Time           `json:"created"`
	Status   results.StudyStatus `json:"status"`
	Strategy string              `json:"strategy"`
	Metric   string              `json:"metric"`
	Goal     results.Goal        `json:"goal"`
	Total    int                 `json:"total"` // planned trials
	Done     int                 `json:"done"`  // finished trials, whatever their status
	OK       int                 `json:"ok"`
	Best     *bestRef            `json:"best"` // null when no trial succeeded
}

// bestRef names a study's best trial.
type bestRef struct {
	Number int     `json:"number"`
	Value  float64 `json:"value"`
}

func newStudiesDoc(sums []results.Summary) studiesDoc {
	doc := studiesDoc{Studies: make([]studyLine, 0, len(sums))}
	for _, s := range sums {
		l := studyLine{Study: s.Study.Name, Created: s.Study.Created, Status: s.Study.Status, Strategy: s.Study.Strategy,
			Metric: s.Study.Metric, Goal: s.Study.Goal, Total: s.Study.Total, Done: s.Done, OK: s.OK}
		if s.BestTrial >= 0 && !math.IsNaN(s.Best) {
			l.Best = &bestRef{Number: s.BestTrial, Value: s.Best}
		}
		doc.Studies = append(doc.Studies, l)
	}
	return doc
}

// compareDoc is `compare --json`: each study's best trial and last ranges,
// and how each range moved from a to b.
type compareDoc struct {
	A     compareSide       `json:"a"`
	B     compareSide       `json:"b"`
	Moved map[string]string `json:"moved"` // parameter → "up", "narrower", …, as the table's moved column
}

type compareSide struct {
	Study      string            `json:"study"`
	Metric     string            `json:"metric"`
	Goal       results.Goal      `json:"goal"`
	Trials     int               `json:"trials"`
	Best       *results.TrialDoc `json:"best"` // null when no trial succeeded
	LastRanges results.Ranges    `json:"last_ranges"`
	byName     map[string]results.Range
}

func newCompareSide(s results.Study, trials []results.Trial) compareSide {
	side := compareSide{Study: s.Name, Metric: s.Metric, Goal: s.Goal, Trials: len(trials), LastRanges: results.Ranges{},
		byName: map[string]results.Range{}}
	if best, ok := results.Best(trials, s.Goal); ok {
		d := results.TrialDocument(best)
		side.Best = &d
	}
	if len(s.Rounds) > 0 {
		side.LastRanges = s.Rounds[len(s.Rounds)-1].Ranges
	}
	for _, r := range side.LastRanges {
		side.byName[r.Name] = r
	}
	return side
}

func newCompareDoc(a results.Study, at []results.Trial, b results.Study, bt []results.Trial) compareDoc {
	doc := compareDoc{A: newCompareSide(a, at), B: newCompareSide(b, bt), Moved: map[string]string{}}
	for _, side := range []compareSide{doc.A, doc.B} {
		for name := range side.byName {
			x, okx := doc.A.byName[name]
			y, oky := doc.B.byName[name]
			doc.Moved[name] = results.RangeMove(x, okx, y, oky)
		}
	}
	return doc
}

// validateDoc is `validate --json`: what the config trains and the plan.
type validateDoc struct {
	File      string      `json:"file"`
	Study     string      `json:"study"`
	Seed      uint64      `json:"seed"`
	Objective string      `json:"objective"` // trainer | command | benchmark
	Metric    string      `json:"metric"`
	Goal      string      `json:"goal"`
	Data      *dataLine   `json:"data,omitempty"` // built-in trainer on data
	Model     *modelLine  `json:"model,omitempty"`
	Command   []string    `json:"command,omitempty"`
	Benchmark string      `json:"benchmark,omitempty"`
	Space     []spaceLine `json:"space"`
	Plan      planLine    `json:"plan"`
	// EarlyStopping is the rule as resolved, each setting only where the
	// kind uses it.
	EarlyStopping *earlyStoppingLine `json:"early_stopping,omitempty"`
	WarmStart     string             `json:"warm_start,omitempty"`
	Warnings      []string           `json:"warnings"`
}

type dataLine struct {
	TrainRows      int      `json:"train_rows"`
	ValidationRows int      `json:"validation_rows"`
	Features       []string `json:"features"`
	Classes        []string `json:"classes,omitempty"`
}

type modelLine struct {
	Kind string `json:"kind"`
	Loss string `json:"loss,omitempty"`
}

type spaceLine struct {
	Name         string         `json:"name"`
	Distribution string         `json:"distribution"`
	Range        any            `json:"range"` // [low, high], or the list of choices
	When         map[string]any `json:"when,omitempty"`
}

type earlyStoppingLine struct {
	Kind            string   `json:"kind"`
	MinResource     int      `json:"min_resource"`
	MaxResource     int      `json:"max_resource"`
	Interval        int      `json:"interval"`
	ReductionFactor *float64 `json:"reduction_factor,omitempty"` // the rung rules
	Budget          *float64 `json:"budget,omitempty"`           // auto
	MinTrials       *int     `json:"min_trials,omitempty"`       // median
}

// newEarlyStoppingLine is e as validate shows it; nil without early
// stopping.
func newEarlyStoppingLine(e *configs.EarlyStopping) *earlyStoppingLine {
	if e == nil {
		return nil
	}
	l := &earlyStoppingLine{Kind: e.Kind, MinResource: e.MinResource, MaxResource: e.MaxResource, Interval: e.Interval}
	switch e.Kind {
	case "median":
		l.MinTrials = &e.MinTrials
	case "auto":
		l.ReductionFactor, l.Budget = &e.ReductionFactor, &e.Budget
	default:
		l.ReductionFactor = &e.ReductionFactor
	}
	return l
}

type planLine struct {
	Strategy string `json:"strategy"`
	Trials   int    `json:"trials"`
	Rounds   int    `json:"rounds"`
	Parallel int    `json:"parallel"`
}

func newValidateDoc(s *study.Study, plan study.Plan) validateDoc {
	c := s.Config
	doc := validateDoc{File: c.File, Study: s.Name, Seed: c.Seed, Metric: c.Search.Metric, Goal: c.Search.Goal,
		Space: []spaceLine{}, Warnings: []string{},
		Plan:      planLine{Strategy: plan.Strategy, Trials: plan.Trials, Rounds: 1, Parallel: plan.Parallel},
		WarmStart: c.Search.WarmStart, EarlyStopping: newEarlyStoppingLine(c.Search.EarlyStopping)}
	if c.Search.Strategy == "coarse-to-fine" {
		doc.Plan.Rounds = c.Search.Rounds
	}
	switch {
	case s.Benchmark != nil:
		doc.Objective, doc.Benchmark = "benchmark", c.Benchmark
	case s.Command != nil:
		doc.Objective, doc.Command = "command", c.Trainer.Command
	default:
		doc.Objective = "trainer"
		doc.Model = &modelLine{Kind: c.Model.Kind, Loss: c.Model.Loss}
		if c.Model.Kind != "function" {
			o := s.Trainer
			doc.Data = &dataLine{TrainRows: o.TrainRows, ValidationRows: o.ValidationRows, Features: o.Features, Classes: o.Classes}
		}
	}
	for _, d := range plan.Space {
		var r any = []float64{d.Range.Low, d.Range.High}
		if d.Range.Choices != nil {
			r = d.Range.Choices
		}
		l := spaceLine{Name: d.Name, Distribution: d.Distribution, Range: r}
		if d.Parent != "" {
			l.When = map[string]any{d.Parent: d.Values}
		}
		doc.Space = append(doc.Space, l)
	}
	for _, w := range c.Warnings {
		doc.Warnings = append(doc.Warnings, w.Error())
	}
	return doc
}
