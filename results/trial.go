// Package results holds trial and study records: storage (Store, the
// in-memory store, study leases, MemoryQueue, the in-process queue of a
// shared study), ranking, tables and export.
// It imports neither search, study nor cmd.
package results

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Status is where a trial is in its lifecycle:
// waiting → running → ok | diverged | failed | pruned.
type Status string

const (
	StatusWaiting  Status = "waiting"
	StatusRunning  Status = "running"
	StatusOK       Status = "ok"
	StatusDiverged Status = "diverged"
	StatusFailed   Status = "failed"
	StatusPruned   Status = "pruned"
)

// Finished reports whether the trial has ended, whatever its outcome.
func (s Status) Finished() bool {
	return s == StatusOK || s == StatusDiverged || s == StatusFailed || s == StatusPruned
}

// Param is one named hyperparameter value. Value is float64, int64 or string.
type Param struct {
	Name  string
	Value any
}

// Params keeps parameters in the order of the config file, so tables,
// exports and JSON list them as the user wrote them.
type Params []Param

// Get returns the value of the named parameter.
func (p Params) Get(name string) (any, bool) {
	for _, q := range p {
		if q.Name == name {
			return q.Value, true
		}
	}
	return nil, false
}

// MarshalJSON writes an object with the keys in order.
func (p Params) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, q := range p {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(q.Name)
		v, err := json.Marshal(q.Value)
		if err != nil {
			return nil, fmt.Errorf("param %s: %w", q.Name, err)
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// Point is one sample of a trial's progress (thinned by the trainer).
// For a command trial it is one metric line: Iteration the printed step,
// ValidationLoss the value of search.metric, TrainLoss train_loss (or
// loss), GradNorm grad_norm; NaN for what the line did not print.
type Point struct {
	Iteration      int     `json:"iteration"`
	TrainLoss      float64 `json:"train_loss"`
	GradNorm       float64 `json:"grad_norm"`
	ValidationLoss float64 `json:"validation_loss"`
}

// Trial is one evaluated (or pending) point of a study.
type Trial struct {
	Study      string
	Number     int
	Round      int
	Params     Params
	Seed       uint64
	Status     Status
	Value      Measurement // the metric
	TrainLoss  Measurement
	Accuracy   Measurement // validation accuracy; measured for classifiers only
	Iterations int
	// BestIteration is the iteration (built-in trainer) or step (command
	// trial) the Value comes from: with trainer.monitor validation_loss the
	// iteration of the lowest validation loss, with metric_strategy min or
	// max the step of the best value printed, else the last one. 0 when
	// unknown: failed trials, trials that never reported, and trials
	// stored before it was kept.
	BestIteration int
	StopReason    string
	Error         string // why a failed trial failed
	Started       time.Time
	Finished      time.Time
	History       []Point
	// Reports are the intermediate values the trial gave the early-stopping
	// pruner, in order, exactly as judged: a resumed study replays them to
	// judge later trials as the uninterrupted run did. Empty when nothing
	// was reported; nil for a trial stored before they were kept apart (its
	// History holds them).
	Reports []Reported
	// Damaged marks a trial read back from a row its store could not
	// decode (rowcodec.Unreadable): shown as failed, with the reason, and
	// run again by a resume rather than kept as a result.
	Damaged bool
}

// Reported is one intermediate value a trial reported at a step.
type Reported struct {
	Step  int
	Value float64
}

// Seconds is the trial's wall-clock duration.
func (t *Trial) Seconds() float64 {
	if t.Started.IsZero() || t.Finished.IsZero() {
		return 0
	}
	// On the wall clock (Round(0) drops the monotonic reading): what a
	// store keeps, so a trial reads the same seconds before and after it
	// was stored, and a run's trials.csv equals export's.
	return t.Finished.Round(0).Sub(t.Started.Round(0)).Seconds()
}

// Range is a parameter's range in one round: [Low, High] for numeric
// parameters, Choices for categorical ones.
type Range struct {
	Name    string
	Low     float64
	High    float64
	Log     bool
	Choices []any
}

// Round records how coarse-to-fine narrowed: the ranges a round sampled
// from, and the best and median value it found.
type Round struct {
	Round  int
	Ranges []Range
	Best   float64
	Median float64
}

// Study describes one sweep.
type Study struct {
	Name     string
	Created  time.Time
	Strategy string
	Metric   string
	Goal     Goal
	Total    int // planned trials
	Status   StudyStatus
	Config   string // the resolved config (YAML) the study ran with
	Rounds   []Round
	// Source is what another machine needs to rebuild the study's search:
	// the config file's text, its path and directory, the --set overrides,
	// and a benchmark's function, as JSON {"file", "dir", "text", "sets",
	// "warm_start", "benchmark"} (package study writes and reads it); ""
	// for studies that never need it (one-process sweeps before the
	// PostgreSQL store).
	Source string
	// Floor is the least-squares floor of a model linear in its weights
	// under a squared loss (see Floor); nil for other studies and for
	// studies stored before it was kept.
	Floor *Floor
}

// StudyStatus is where a study is: running until its run ends, then
// finished, interrupted (Ctrl-C or an error: --resume continues it) or
// failed.
type StudyStatus string

const (
	StudyRunning     StudyStatus = "running"
	StudyFinished    StudyStatus = "finished"
	StudyInterrupted StudyStatus = "interrupted"
	// StudyFailed is a shared study stopped because more of its trials
	// failed than search.max_failed_trials allows (see
	// Queue.LimitFailures): no worker starts another of its trials until
	// hpsearch run --resume lifts the stop.
	StudyFailed StudyStatus = "failed"
)

// Goal says which values are better. Anything but GoalMaximize ranks as
// minimize, so that a study with an unset goal still ranks losses the way
// users expect.
type Goal string

const (
	GoalMinimize Goal = "minimize"
	GoalMaximize Goal = "maximize"
)

// Maximizes reports whether the goal asks for the largest value.
func (g Goal) Maximizes() bool {
	return strings.EqualFold(strings.TrimSpace(string(g)), string(GoalMaximize))
}

// Store is the one place trials live. Implementations are safe for
// concurrent use.
type Store interface {
	// PutStudy creates or updates a study's record.
	PutStudy(ctx context.Context, s Study) error
	// PutTrial creates or replaces trial (s.Name, t.Number).
	PutTrial(ctx context.Context, t Trial) error
	// Study returns a study and its trials ordered by number.
	Study(ctx context.Context, name string) (Study, []Trial, error)
	// Studies lists all studies, oldest first.
	Studies(ctx context.Context) ([]Study, error)
}

// ErrNotFound is returned (wrapped) for a study that does not exist.
var ErrNotFound = fmt.Errorf("not found")
