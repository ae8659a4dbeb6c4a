package study

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/trainer"
)

// floor is the least-squares floor of the study's model on its prepared
// data (trainer.LeastSquares), computed once as the study starts and
// stored with it, so that show, report and serve need no data files: nil
// for a model that is not linear in its weights under rss or mse, for a
// command or benchmark study, and when a searched degree makes each
// trial's model a different one. A floor that cannot be computed costs a
// warning, never the run.
func (s *Study) floor(ctx context.Context, warn func(string)) *results.Floor {
	if s.Trainer == nil || s.Trainer.problem.Train == nil {
		return nil
	}
	if s.Space != nil && slices.Contains(s.Space.Names(), "degree") {
		return nil
	}
	base, err := s.Trainer.Settings(nil, 0)
	if err == nil {
		var f trainer.Floor
		f, err = trainer.LeastSquares(ctx, base.Model, s.Trainer.problem)
		if err == nil {
			return &results.Floor{TrainLoss: f.TrainLoss, ValidationLoss: f.ValidationLoss}
		}
	}
	if !errors.Is(err, trainer.ErrNoFloor) && ctx.Err() == nil && warn != nil {
		warn(fmt.Sprintf("study %s: no least-squares floor: %v", s.Name, err))
	}
	return nil
}
