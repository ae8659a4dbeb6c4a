package study

import (
	"context"
	"fmt"

	"github.com/hpsearch/hpsearch/search"
	"github.com/hpsearch/hpsearch/trainer"
)

// batchTrials is how many trials at most share a pass over the data: a
// powers-of-ten sweep's nine or so, a coarse-to-fine round's share of a
// slot. Each trial's share of a block of rows adds its weights and
// gradient to what sits in the first-level cache, which 16 trials of 64
// features still fit.
const batchTrials = 16

var _ search.Batcher = (*Objective)(nil)

// BatchSize is how many trials share a pass over the data (batched
// trials, trainer.Batch): batchTrials when every trial of the config can
// (Unbatched says why not), 1 otherwise.
func (o *Objective) BatchSize() int {
	if o.Unbatched() != "" {
		return 1
	}
	return batchTrials
}

// Unbatched says why the config's trials each run alone rather than in
// batches sharing their passes over the data, "" when they share them.
// Every trial must be able to (trainer.Batchable): a trial that cannot
// would compute beside its batch on the batch's one core.
func (o *Objective) Unbatched() string {
	c := o.cfg
	if c.Trainer.BatchTrials == "off" {
		return "trainer.batch_trials is off"
	}
	if o.problem.Train == nil {
		return "model " + c.Model.Kind + " has no data to share"
	}
	base, err := o.Settings(nil, 0)
	if err != nil {
		return err.Error()
	}
	if base.TimeLimit > 0 {
		return "trainer.time_limit stops trials by the clock, and a batched trial's steps take longer"
	}
	optimizers := []string{base.Optimizer}
	searched := map[string]bool{}
	for _, p := range c.Parameters {
		searched[p.Name] = true
		if p.Name == "optimizer" {
			optimizers = optimizers[:0]
			for _, v := range p.Choices {
				optimizers = append(optimizers, fmt.Sprint(v))
			}
		}
	}
	if searched["time_limit"] {
		return "time_limit is searched: it stops trials by the clock, and a batched trial's steps take longer"
	}
	for _, name := range optimizers {
		s := base
		s.Optimizer = name
		if why := trainer.Batchable(s, o.problem.Train); why != "" {
			return why
		}
		// Searched batch sizes are 1 or more: mini-batches for every
		// optimiser but gd.
		if searched["batch_size"] && name != trainer.OptimizerGD {
			return "batch_size is searched: optimizer " + name + " with mini-batches cannot share passes"
		}
	}
	return ""
}

// train trains one trial: in its batch's passes when the runner gave it
// one (search.Batcher), alone otherwise; the result is the same bits.
func (o *Objective) train(ctx context.Context, t search.Task, s trainer.Settings) (trainer.Result, error) {
	if t.Batch == nil {
		return trainer.Train(ctx, o.problem, s)
	}
	b := t.Batch.Shared(func() any { return trainer.NewBatch() }).(*trainer.Batch)
	return b.Train(ctx, o.problem, s)
}
