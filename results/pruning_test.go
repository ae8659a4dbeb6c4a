package results

import (
	"bytes"
	"testing"
)

func TestPruningSavings(t *testing.T) {
	trials := []Trial{
		{Status: StatusOK, Iterations: 100},
		{Status: StatusPruned, Iterations: 10},
		{Status: StatusPruned, Iterations: 30},
		{Status: StatusOK, Iterations: 60}, // stopped by patience: counted as it ran
	}
	s := PruningSavings(trials)
	if s.Pruned != 2 || s.Ran != 200 || s.Without != 360 {
		t.Fatalf("%+v, want 2 pruned, 200 run, 360 without", s)
	}
	var b bytes.Buffer
	WritePruning(&b, trials)
	if got := b.String(); got != "early stopping: 2 of 4 trials pruned; 200 iterations run of about 360 without pruning (44% saved)\n" {
		t.Fatalf("got %q", got)
	}
	b.Reset()
	WritePruning(&b, trials[:1])
	if b.Len() != 0 {
		t.Fatalf("no pruning still wrote %q", b.String())
	}
}
