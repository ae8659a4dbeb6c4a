package study

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/hpsearch/hpsearch/internal/errfmt"
	"github.com/hpsearch/hpsearch/results"
)

// leaser is the store's side of "one study, one writer": a run holds its
// study's lease from before it reads the study until it has written its
// outputs, so a second run (or --resume) of a running study is refused
// instead of running its trials again beside the first. Workers of a
// shared study take trials, not the study, and need none.
type leaser interface {
	// AcquireStudy makes me the holder, unless a live one holds the study:
	// the error is then a *results.StudyBusyError. A holder silent for
	// longer than grace, or whose process is gone from this host, is
	// replaced and returned.
	AcquireStudy(ctx context.Context, study string, me results.Holder, grace time.Duration) (*results.Holder, error)
	// RenewStudy is me's heartbeat; its error wraps
	// results.ErrStudyLeaseLost once another process took the study over.
	RenewStudy(ctx context.Context, study string, me results.Holder) error
	// ReleaseStudy ends me's lease, if me still holds it.
	ReleaseStudy(ctx context.Context, study string, me results.Holder) error
}

// lease is this process's lease on a study, renewed in the background
// until release.
type lease struct {
	leaser leaser
	study  string
	me     results.Holder
	stop   chan struct{}
	done   chan struct{}
	log    func(string)

	mu   sync.Mutex
	lost error // set once another process took the study over
}

// leaseRequest is what taking a study's lease needs from the front door
// that runs the study (a config's Run, or Optimize).
type leaseRequest struct {
	study  string
	where  string // the store as messages name it
	shared SharedOptions
	log    func(string) // never nil
	// busy says what to do when a live process holds the study.
	busy string
}

// hold takes the study's lease for this process, or refuses the run (a
// Usage error) naming the process that holds it. A holder that has gone
// silent but not yet for the grace period is waited for: if it died, this
// run takes over once the grace period is up, so that resuming after a
// crash on another machine is still one command; if it is alive, its next
// heartbeat ends the wait with the refusal. The returned context is ctx,
// also cancelled once the lease is lost: the run must then stop writing.
func hold(ctx context.Context, store results.Store, r leaseRequest) (context.Context, *lease, error) {
	l, ok := store.(leaser)
	if !ok { // every store has leases; this guards a future scheme
		return nil, nil, usageErr("%s cannot tell whether another process runs study %s", r.where, r.study)
	}
	h := &lease{leaser: l, study: r.study, me: results.ThisProcess(),
		stop: make(chan struct{}), done: make(chan struct{}), log: r.log}
	heartbeat, grace := r.shared.Heartbeat, r.shared.Grace
	waiting := false
	for {
		replaced, err := l.AcquireStudy(ctx, r.study, h.me, grace)
		var busy *results.StudyBusyError
		if errors.As(err, &busy) && busy.Silence > 2*heartbeat {
			if !waiting {
				waiting = true
				r.log(fmt.Sprintf("study %s: process %d on host %s holds it but has been silent for %s; waiting until it has been for %s (--grace), then taking it over",
					r.study, busy.Holder.PID, busy.Holder.Host, busy.Silence.Round(time.Second), grace))
			}
			select {
			case <-ctx.Done():
				return nil, nil, interruptedErr("interrupted while waiting for study %s", r.study)
			case <-time.After(heartbeat):
			}
			continue
		}
		if busy != nil {
			return nil, nil, usageErr("%v; %s", busy, r.busy)
		}
		if err != nil {
			return nil, nil, err
		}
		if replaced != nil {
			r.log(fmt.Sprintf("study %s: took it over from process %d on host %s, which held it since %s and is gone",
				r.study, replaced.PID, replaced.Host, replaced.Started.Local().Format("2006-01-02 15:04:05")))
		}
		break
	}
	leaseCtx, cancel := context.WithCancelCause(ctx)
	go h.renew(ctx, cancel, heartbeat, grace)
	return leaseCtx, h, nil
}

// leaseRequest is the lease a config's run takes: its refusal says how to
// continue the study, and how to help it from this machine when it is
// shared.
func (s *Study) leaseRequest(store results.Store, o *RunOptions) leaseRequest {
	busy := "wait for that run to end (or stop it), then continue with --resume"
	if _, shared := store.(sharedQueue); shared {
		busy += fmt.Sprintf("; to run its trials on this machine too: hpsearch worker --storage %s %s", o.Where, s.Name)
	}
	return leaseRequest{study: s.Name, where: "--storage " + o.Where, shared: o.Shared, log: o.log, busy: busy}
}

// renew sends the heartbeats until release. A heartbeat that fails (the
// database is busy or away) is tried again at the next tick; the lease is
// only lost if another process took it.
func (h *lease) renew(ctx context.Context, cancel context.CancelCauseFunc, every, grace time.Duration) {
	defer close(h.done)
	// The heartbeats go on after Ctrl-C: the run still writes its outputs.
	ctx = context.WithoutCancel(ctx)
	tick := time.NewTicker(every)
	defer tick.Stop()
	failing := false
	for {
		select {
		case <-h.stop:
			return
		case <-tick.C:
		}
		rctx, done := context.WithTimeout(ctx, grace)
		err := h.leaser.RenewStudy(rctx, h.study, h.me)
		done()
		switch {
		case errors.Is(err, results.ErrStudyLeaseLost):
			h.mu.Lock()
			h.lost = err
			h.mu.Unlock()
			cancel(err)
			return
		case err != nil && !failing:
			failing = true
			h.log(fmt.Sprintf("study %s: heartbeat: %s (trying again)", h.study, errfmt.OneLine(err)))
		case err == nil:
			failing = false
		}
	}
}

// lostErr is the error that ends a run whose lease another process took
// over (it had gone silent for longer than --grace: suspended, or cut off
// from the database): that process runs the study now, so this one writes
// nothing more. Nil while the lease holds.
func (h *lease) lostErr() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.lost == nil {
		return nil
	}
	return &Error{Kind: NotFinished, Err: fmt.Errorf("%w; this run was silent for longer than --grace, so that process runs the study now, and this one stops without writing its outputs", h.lost)}
}

// release stops the heartbeats and gives the lease up. A lease that could
// not be released is taken over by the next run all the same (this
// process is gone by then), so that is only a warning.
func (h *lease) release() {
	close(h.stop)
	<-h.done
	if h.lostErr() != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.leaser.ReleaseStudy(ctx, h.study, h.me); err != nil {
		h.log(fmt.Sprintf("warning: %s (the next run of the study takes it over)", errfmt.OneLine(err)))
	}
}
