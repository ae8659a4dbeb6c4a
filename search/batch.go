package search

import (
	"context"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/hpsearch/hpsearch/results"
)

// Batch is the trials of a Batcher that a Worker runs together on one
// compute slot (Task.Batch).
type Batch struct {
	once   sync.Once
	shared any
}

// Shared returns what newShared made for the batch's first caller, so
// that every trial of the batch gets the same value.
func (b *Batch) Shared(newShared func() any) any {
	b.once.Do(func() { b.shared = newShared() })
	return b.shared
}

// batchSize is how many trials of study a compute slot runs at once: the
// evaluator's BatchSize for a Batcher served from a live queue, 1
// otherwise. A live queue hands out the trials of its current round only;
// a shared queue's trials are left to spread over the workers.
func (w *Worker) batchSize(study string) int {
	if _, live := w.Queue.(liveQueue); !live {
		return 1
	}
	w.mu.Lock()
	s := w.studies[study]
	w.mu.Unlock()
	if s == nil {
		return 1
	}
	b, ok := s.job.Evaluator.(Batcher)
	if !ok {
		return 1
	}
	return max(1, b.BatchSize())
}

// claimBatch claims, without waiting, up to batchSize−1 more trials of
// l's study to run with l. The trials claimed are returned even with an
// error: they are marked running and must run.
func (w *Worker) claimBatch(ctx context.Context, l results.Lease) ([]results.Lease, error) {
	leases := []results.Lease{l}
	for k := w.batchSize(l.Trial.Study); len(leases) < k; {
		var (
			next results.Lease
			ok   bool
		)
		err := w.retry(ctx, "claim a trial", func(ctx context.Context) (err error) {
			next, ok, err = w.Queue.Claim(ctx, w.ID, []string{l.Trial.Study})
			return err
		})
		if err != nil || !ok {
			return leases, err
		}
		leases = append(leases, next)
	}
	return leases, nil
}

// runBatch runs the leased trials on cs, the compute slot the first was
// claimed with: one trial as run does, several together, each on its own
// goroutine with the same Task.Batch, sharing one core and one slot (see
// slotGroup).
func (w *Worker) runBatch(ctx context.Context, leases []results.Lease, cs *computeSlot) error {
	if len(leases) == 1 {
		return w.run(ctx, leases[0], cs, nil)
	}
	group := &slotGroup{slot: cs, computing: len(leases), hold: w.Hold}
	group.unhold = group.holdCore()
	batch := &Batch{}
	// A trial that cannot be stored stops the others, as it stops every
	// trial of the worker.
	g, gctx := errgroup.WithContext(ctx)
	for _, l := range leases {
		g.Go(func() error {
			s := &computeSlot{group: group, held: true}
			defer s.Release()
			return w.run(gctx, l, s, batch)
		})
	}
	return g.Wait()
}

// slotGroup is one compute slot, and one core (Worker.Hold), shared by
// the trials of a batch: held while any of them computes, given back
// while all of them wait at a rung (early stopping), so that trials
// outside the batch they wait for can run, and once all have ended.
type slotGroup struct {
	mu        sync.Mutex
	slot      *computeSlot
	computing int // trials of the batch holding their share
	hold      func() (release func())
	unhold    func()
}

// holdCore holds the batch's core; the core is given back before the
// slot, so that the next trial on the slot finds it free.
func (g *slotGroup) holdCore() (release func()) {
	if g.hold == nil {
		return func() {}
	}
	return g.hold()
}

func (g *slotGroup) acquire(ctx context.Context, c *computeSlot) error {
	if c.held {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.computing == 0 {
		if err := g.slot.Acquire(ctx); err != nil {
			return err
		}
		g.unhold = g.holdCore()
	}
	g.computing++
	c.held = true
	return nil
}

func (g *slotGroup) release(c *computeSlot) {
	if !c.held {
		return
	}
	c.held = false
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.computing--; g.computing == 0 {
		g.unhold()
		g.slot.Release()
	}
}
