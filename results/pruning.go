package results

import (
	"fmt"
	"io"
)

// Savings is what early stopping saved in a study.
type Savings struct {
	Pruned  int // trials stopped early
	Ran     int // iterations (or steps) run by all trials
	Without int // estimate of the same trials run without pruning
}

// PruningSavings estimates the compute early stopping saved: every pruned
// trial is counted as if it had run as long as the longest trial of the
// study (the full budget a surviving trial gets), the others as they ran.
// It needs no config, so `show` can report it for any stored study.
func PruningSavings(trials []Trial) Savings {
	full := 0
	for _, t := range trials {
		full = max(full, t.Iterations)
	}
	var s Savings
	for _, t := range trials {
		s.Ran += t.Iterations
		if t.Status == StatusPruned {
			s.Pruned++
			s.Without += full
		} else {
			s.Without += t.Iterations
		}
	}
	return s
}

// WritePruning writes one line on what early stopping saved; nothing when
// no trial was pruned.
func WritePruning(w io.Writer, trials []Trial) error {
	s := PruningSavings(trials)
	if s.Pruned == 0 || s.Without == 0 {
		return nil
	}
	_, err := fmt.Fprintf(w, "early stopping: %d of %d trials pruned; %d iterations run of about %d without pruning (%.0f%% saved)\n",
		s.Pruned, len(trials), s.Ran, s.Without, 100*(1-float64(s.Ran)/float64(s.Without)))
	return err
}
