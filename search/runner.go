package search

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/hpsearch/hpsearch/results"
)

// Task is one trial to evaluate.
type Task struct {
	Study  string
	Number int
	Round  int
	Params results.Params
	Seed   uint64
	// Report, when not nil, takes the trial's intermediate value at a step
	// (iterations for the built-in trainer, reported steps for commands)
	// and says whether the trial may go on: false means it was pruned. The
	// value is what the trial would give if it stopped there. The runner
	// keeps every reported value in the trial's Reports, so a resumed study
	// judges as before.
	Report func(step int, value float64) bool
	// Pausable, when not nil, is for an evaluator whose trial computes
	// outside the goroutine that calls Report (a command trial's program):
	// it calls it once, as soon as the trial has started, with functions
	// that pause and continue the trial; both must be safe from any
	// goroutine and do nothing once the trial has ended. While Report keeps
	// the trial parked at a rung without its compute slot (synchronous
	// early stopping), the runner pauses it, so that it computes nothing
	// while another trial has its slot. When the trial may go on, the
	// runner continues it before Report returns true; a trial pruned while
	// paused (Report returns false), or whose ctx ended, is not continued:
	// whatever stops it must continue it. The built-in trainer needs none:
	// it computes nothing while Report blocks.
	Pausable func(pause, resume func())
}

// Evaluator trains (or otherwise evaluates) one trial. A trial that broke is
// a result with status failed, not an error: Evaluate returns an error only
// when it has no result at all, because ctx ended before the trial did.
type Evaluator interface {
	Evaluate(ctx context.Context, t Task) (results.Trial, error)
}

// EvaluatorFunc adapts a function to Evaluator.
type EvaluatorFunc func(ctx context.Context, t Task) (results.Trial, error)

// Evaluate calls f.
func (f EvaluatorFunc) Evaluate(ctx context.Context, t Task) (results.Trial, error) { return f(ctx, t) }

// TrialSeed derives trial n's seed from the study seed (SplitMix64 of both),
// so any trial can be re-run alone and give the same numbers.
func TrialSeed(studySeed uint64, n int) uint64 {
	z := studySeed + 0x9e3779b97f4a7c15*uint64(n+1)
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// Progress is told about every finished trial, one call at a time.
type Progress func(t results.Trial, done, total int)

// Runner asks a strategy for batches and evaluates them concurrently.
type Runner struct {
	Study       string
	Seed        uint64
	Strategy    Strategy
	Evaluator   Evaluator
	Store       results.Store
	Parallelism int // 0 means the number of CPUs
	Progress    Progress
	// Finished holds trials already finished by an earlier, interrupted run
	// of this study (resume): they are told to the strategy as they are and
	// never evaluated again.
	Finished map[int]results.Trial
	// Pruner, when set, stops unpromising trials early (early stopping).
	Pruner *Pruner
	// Hold, when set, is called as each trial starts computing, and the
	// release it returns as the trial ends: a running trial holds a core,
	// so that an evaluator lending idle cores to its own steps (the
	// built-in trainer) borrows only those no trial is using.
	Hold func() (release func())
}

// Run evaluates the whole study. It returns every finished trial in number
// order; when ctx ends first it returns those that finished and ctx's error.
func (r *Runner) Run(ctx context.Context) ([]results.Trial, error) {
	par := r.Parallelism
	if par <= 0 {
		par = runtime.GOMAXPROCS(0)
	}
	var (
		all  []results.Trial
		mu   sync.Mutex
		done = 0
	)
	total := r.Strategy.Total()
	for {
		if err := ctx.Err(); err != nil {
			return all, err
		}
		batch, err := r.Strategy.Ask()
		if err != nil {
			return all, fmt.Errorf("strategy %s: %w", r.Strategy.Name(), err)
		}
		if len(batch) == 0 {
			return all, nil
		}
		out := make([]results.Trial, len(batch))
		finished := make([]bool, len(batch))
		if r.Pruner != nil {
			r.Pruner.Begin(batch)
		}
		g, gctx := errgroup.WithContext(ctx)
		// Synchronous pruning parks trials at rungs: they must not hold an
		// errgroup slot while parked, or the trials they wait for could
		// never start. Then every trial of the batch gets a goroutine and
		// the parallelism is a semaphore of compute slots instead.
		var slots chan struct{}
		if r.Pruner != nil && r.Pruner.Synchronous() {
			slots = make(chan struct{}, par)
		} else {
			g.SetLimit(par)
		}
		for i, p := range batch {
			if prev, ok := r.Finished[p.Number]; ok {
				if err := sameParams(prev.Params, p.Params); err != nil {
					return all, fmt.Errorf("resume: trial %d: %w", p.Number, err)
				}
				if r.Pruner != nil {
					r.Pruner.Replay(prev)
				}
				out[i], finished[i] = prev, true
				mu.Lock()
				done++
				mu.Unlock()
				continue
			}
			// Go blocks at the limit even after cancellation, so look first.
			if gctx.Err() != nil {
				break
			}
			task := Task{Study: r.Study, Number: p.Number, Round: p.Round, Params: p.Params, Seed: TrialSeed(r.Seed, p.Number)}
			g.Go(func() error {
				if r.Pruner != nil {
					// Whatever happens to this trial, the trials judged
					// against it must not wait for it any longer.
					defer func() { r.Pruner.End(task.Number, finished[i] && out[i].Status == results.StatusOK) }()
				}
				var slot *parkingSlot
				if slots != nil {
					cs := &computeSlot{ch: slots}
					if cs.Acquire(gctx) != nil {
						return nil
					}
					defer cs.Release()
					slot = &parkingSlot{computeSlot: cs}
					task.Pausable = slot.pausable
				}
				var reports []results.Reported
				if r.Pruner != nil {
					reports = []results.Reported{}
					task.Report = func(step int, value float64) bool {
						reports = append(reports, results.Reported{Step: step, Value: value})
						if slot == nil {
							return r.Pruner.Report(gctx, task.Number, step, value, nil)
						}
						keep := r.Pruner.Report(gctx, task.Number, step, value, slot)
						// A pruned or interrupted trial stays paused: stopping
						// it continues it, and it computes nothing before.
						if keep && gctx.Err() == nil {
							slot.goOn()
						}
						return keep
					}
				}
				// Go may have waited for a slot while Ctrl-C arrived.
				if gctx.Err() != nil {
					return nil
				}
				if r.Hold != nil {
					defer r.Hold()()
				}
				t, ok, err := r.runOne(gctx, task, &reports)
				if err != nil {
					return err
				}
				if !ok {
					return nil // interrupted: left "running" in the store for resume
				}
				out[i], finished[i] = t, true
				mu.Lock()
				done++
				if r.Progress != nil {
					r.Progress(t, done, total)
				}
				mu.Unlock()
				return nil
			})
		}
		werr := g.Wait()
		for i := range batch {
			if finished[i] {
				all = append(all, out[i])
			}
		}
		if werr != nil {
			return all, werr
		}
		if err := ctx.Err(); err != nil {
			return all, err
		}
		r.Strategy.Tell(out)
	}
}

// computeSlot is one of the runner's parallelism slots, held by a trial
// while it computes. Release is idempotent, so a trial parked at a rung
// and then pruned gives back exactly what it holds.
type computeSlot struct {
	ch   chan struct{}
	held bool
}

func (c *computeSlot) Acquire(ctx context.Context) error {
	select {
	case c.ch <- struct{}{}:
		c.held = true
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *computeSlot) Release() {
	if c.held {
		c.held = false
		<-c.ch
	}
}

// parkingSlot is a trial's compute slot as the pruner sees it: a trial
// parked at a rung gives it back and takes it again before it goes on. A
// trial that can be paused (Task.Pausable) is paused just before the slot
// is given back, and continued by goOn once it holds one again and may go
// on, so that it computes nothing while another trial has its slot.
type parkingSlot struct {
	*computeSlot
	mu            sync.Mutex // pause and resume are set on the trial's goroutine, used on Report's
	pause, resume func()
	paused        bool
}

// pausable is Task.Pausable.
func (s *parkingSlot) pausable(pause, resume func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pause, s.resume = pause, resume
}

func (s *parkingSlot) Release() {
	s.mu.Lock()
	if s.pause != nil && s.held && !s.paused {
		s.pause()
		s.paused = true
	}
	s.mu.Unlock()
	s.computeSlot.Release()
}

// goOn continues a trial paused at a rung; the runner calls it once the
// pruner let the trial go on, holding its slot again.
func (s *parkingSlot) goOn() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.paused {
		s.resume()
		s.paused = false
	}
}

// runOne stores the trial as running, evaluates it and stores the result.
// ok is false when the trial was interrupted and has no result; err is a
// store failure, which stops the study (a trial that cannot be stored would
// be lost).
// reports points to the values the trial reports to the pruner (nil
// without one), read once the evaluator has returned.
func (r *Runner) runOne(ctx context.Context, task Task, reports *[]results.Reported) (t results.Trial, ok bool, err error) {
	// Storing must not be cancelled with the trials: a finished trial is
	// written even while Ctrl-C is stopping the study.
	sctx := context.WithoutCancel(ctx)
	start := time.Now()
	running := results.Trial{
		Study: task.Study, Number: task.Number, Round: task.Round, Params: task.Params,
		Seed: task.Seed, Status: results.StatusRunning, Value: math.NaN(), TrainLoss: math.NaN(),
		Accuracy: math.NaN(), Started: start,
	}
	if r.Store != nil {
		if err := r.Store.PutTrial(sctx, running); err != nil {
			return t, false, fmt.Errorf("store trial %d: %w", task.Number, err)
		}
	}
	t, evalErr := evaluateTrial(ctx, r.Evaluator, task)
	if evalErr != nil && ctx.Err() != nil {
		return t, false, nil
	}
	var rep []results.Reported
	if reports != nil {
		rep = *reports
	}
	t = settle(t, evalErr, task, rep, start)
	if r.Store != nil {
		if err := r.Store.PutTrial(sctx, t); err != nil {
			return t, false, fmt.Errorf("store trial %d: %w", task.Number, err)
		}
	}
	return t, true, nil
}

// evaluateTrial runs the evaluator, turning a panic into a failed trial: one
// broken trial must never take the finished ones down with it.
func evaluateTrial(ctx context.Context, ev Evaluator, task Task) (t results.Trial, err error) {
	defer func() {
		if p := recover(); p != nil {
			t = results.NewTrial(results.StatusFailed)
			t.Error = fmt.Sprintf("panic: %v (at %s)", p, panicSite(debug.Stack()))
			err = nil
		}
	}()
	return ev.Evaluate(ctx, task)
}

// settle is the end of a trial that ran to its end, in one process or
// shared: a trial whose evaluator returned evalErr (and no result) failed
// with it; the task's identity, the values it reported (nil without early
// stopping) and its times are filled in.
func settle(t results.Trial, evalErr error, task Task, reports []results.Reported, start time.Time) results.Trial {
	if evalErr != nil {
		t = results.NewTrial(results.StatusFailed)
		t.Error = evalErr.Error()
	}
	t.Study, t.Number, t.Round, t.Params, t.Seed = task.Study, task.Number, task.Round, task.Params, task.Seed
	if reports != nil {
		t.Reports = reports
	}
	if t.Started.IsZero() {
		t.Started = start
	}
	if t.Finished.IsZero() {
		t.Finished = time.Now()
	}
	return t
}

// panicSite picks the first frame outside the runtime from a stack trace, so
// a failed trial says where it broke in one line.
func panicSite(stack []byte) string {
	lines := strings.Split(string(stack), "\n")
	for i := 0; i+1 < len(lines); i++ {
		fn := strings.TrimSpace(lines[i])
		if strings.HasPrefix(fn, "panic(") || strings.HasPrefix(fn, "runtime/") || strings.HasPrefix(fn, "goroutine ") ||
			strings.Contains(fn, "search.evaluateTrial") || strings.HasPrefix(fn, "/") || fn == "" {
			continue
		}
		return fn + " " + strings.TrimSpace(lines[i+1])
	}
	return "unknown"
}

func sameParams(a, b results.Params) error {
	if len(a) != len(b) {
		return errors.New("stored parameters differ from the config's")
	}
	for i := range a {
		if a[i].Name != b[i].Name || fmt.Sprint(a[i].Value) != fmt.Sprint(b[i].Value) {
			return fmt.Errorf("stored %s=%v, the config proposes %s=%v", a[i].Name, a[i].Value, b[i].Name, b[i].Value)
		}
	}
	return nil
}
