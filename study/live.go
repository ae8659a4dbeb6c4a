package study

import (
	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/search"
	"github.com/hpsearch/hpsearch/trainer"
)

// watch connects a built-in trial to its Live: the run's history points
// are its live curve, and a person's stop ends the run at its next
// iteration (trainer.StopUser), the trial keeping what it has.
func watch(live *search.Live) *trainer.Watch {
	w := &trainer.Watch{}
	live.Follow(func(dst []results.Point) ([]results.Point, bool) {
		pts, replace := w.Progress(nil)
		for _, h := range pts {
			dst = append(dst, point(h))
		}
		return dst, replace
	})
	live.OnStop(w.Stop)
	return w
}

// point is a trainer history point as a point of the trial's curve.
func point(h trainer.HistoryPoint) results.Point {
	return results.Point{Iteration: h.Iteration, TrainLoss: h.TrainLoss, GradNorm: h.GradNorm, ValidationLoss: h.ValidationLoss}
}

// userStopped reports whether a person asked the trial to stop.
func userStopped(live *search.Live) bool {
	select {
	case <-live.Stopped():
		return true
	default:
		return false
	}
}
