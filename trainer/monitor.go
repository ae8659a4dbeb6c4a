package trainer

// A restart's monitor: the stopping rules applied to the whole-split loss
// and gradient at every report, and the history it keeps.

import (
	"math"

	"gonum.org/v1/gonum/floats"
)

// monitor applies the per-restart stopping rules to the whole-split loss
// and gradient, and keeps the history.
type monitor struct {
	model     Model
	val       *Dataset
	threshold float64
	patience  int
	minDelta  float64
	// watchValidation applies patience to the validation loss and keeps
	// the weights where it was lowest in bestW (allocated once).
	watchValidation bool
	bestW           []float64
	bestVal         float64
	bestIt          int

	limit      float64 // explosion bound, set from the first loss
	best       float64
	since      int // iterations since the last improvement
	divergedAt int
	hist       history
	watch      *Watch // Settings.Watch; nil when nobody watches
}

func newMonitor(s Settings, model Model, val *Dataset, weights int) *monitor {
	m := &monitor{
		model:     model,
		val:       val,
		threshold: s.GradientThreshold,
		patience:  s.Patience,
		minDelta:  s.MinDelta,
		best:      math.Inf(1),
		bestVal:   math.Inf(1),
		hist:      newHistory(s.HistoryLimit),
		watch:     s.Watch,
	}
	if m.watch != nil {
		m.watch.begin(s.HistoryLimit)
	}
	if s.Monitor == MonitorValidation {
		m.watchValidation = true
		m.bestW = make([]float64, weights)
	}
	return m
}

// observe takes the whole training loss and gradient at iteration it;
// every is the number of iterations since the previous observation.
func (m *monitor) observe(it int, loss float64, grad, w []float64, every int) StopReason {
	if it == 0 {
		m.limit = explosionFactor * max(math.Abs(loss), 1)
	}
	if m.exploded(loss) {
		m.divergedAt = it
		return StopDiverged
	}
	norm := floats.Norm(grad, 2)
	watched := loss
	if m.watchValidation {
		watched = m.valLoss(w)
		if watched < m.bestVal {
			m.bestVal, m.bestIt = watched, it
			copy(m.bestW, w)
		}
	}
	m.record(it, loss, norm, w, watched)
	if norm < m.threshold {
		return StopGradientThreshold
	}
	if watched < m.best-m.minDelta {
		m.best, m.since = watched, 0
	} else if it > 0 {
		m.since += every
	}
	if m.patience > 0 && m.since >= m.patience {
		return StopPatience
	}
	return ""
}

// exploded applies the divergence rule. NaN fails every comparison, hence
// the explicit test; the explosion bound applies once the first loss has
// set it.
func (m *monitor) exploded(loss float64) bool {
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return true
	}
	return m.limit > 0 && loss > m.limit
}

// record adds a history point if the thinning keeps this observation; the
// validation loss is computed only then, since it costs a pass over the
// validation split (unless monitoring it, which computed it already).
func (m *monitor) record(it int, loss, norm float64, w []float64, watched float64) {
	if !m.hist.wants() {
		return
	}
	v := watched
	if !m.watchValidation {
		v = m.valLoss(w)
	}
	m.hist.add(HistoryPoint{Iteration: it, TrainLoss: loss, GradNorm: norm, ValidationLoss: v})
	if m.watch != nil {
		m.watch.record(&m.hist)
	}
}

// finish makes sure the final iteration is the last history point.
func (m *monitor) finish(it int, loss, norm float64, w []float64) {
	m.hist.final(HistoryPoint{Iteration: it, TrainLoss: loss, GradNorm: norm, ValidationLoss: m.valLoss(w)})
}

func (m *monitor) valLoss(w []float64) float64 {
	if m.val == nil {
		return math.NaN()
	}
	return m.model.LossGrad(w, m.val, nil, nil)
}

// history keeps at most limit evenly spaced points however long the run:
// it records every stride-th observation, and when full drops every other
// point and doubles the stride, so memory stays bounded while running.
type history struct {
	points []HistoryPoint
	limit  int
	stride int
	seen   int // observations offered so far
	take   bool
}

func newHistory(limit int) history {
	return history{points: make([]HistoryPoint, 0, min(limit, 64)), limit: limit, stride: 1}
}

// wants reports whether the next observation is to be recorded; it must be
// called once per observation.
func (h *history) wants() bool {
	n := h.seen
	h.seen++
	if n%h.stride != 0 {
		return false
	}
	if len(h.points) == h.limit {
		h.thin()
		if n%h.stride != 0 {
			return false
		}
	}
	return true
}

// thin keeps the points at even positions (observations 0, 2s, 4s, … for
// stride s) and doubles the stride.
func (h *history) thin() {
	kept := h.points[:0]
	for i := 0; i < len(h.points); i += 2 {
		kept = append(kept, h.points[i])
	}
	h.points = kept
	h.stride *= 2
}

func (h *history) add(p HistoryPoint) { h.points = append(h.points, p) }

// final appends the run's last point unless it is there already, replacing
// the last kept point when the history is full.
func (h *history) final(p HistoryPoint) {
	n := len(h.points)
	switch {
	case n > 0 && h.points[n-1].Iteration == p.Iteration:
		h.points[n-1] = p
	case n == h.limit:
		h.points[n-1] = p
	default:
		h.points = append(h.points, p)
	}
}
