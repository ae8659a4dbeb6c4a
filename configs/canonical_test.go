package configs

import (
	"strings"
	"testing"
)

func TestDiffCanonical(t *testing.T) {
	now := []Setting{{"seed", "1"}, {"trainer.optimizer", "gd"}, {"search.warm_start", ""}}
	stored := FormatCanonical(now)
	if d := DiffCanonical(stored, now); d != nil {
		t.Fatalf("identical settings differ: %v (an empty last value must survive the round trip)", d)
	}
	changed := []Setting{{"seed", "2"}, {"trainer.optimizer", "gd"}, {"search.metric", "accuracy"}}
	got := strings.Join(DiffCanonical(stored, changed), "; ")
	for _, want := range []string{"seed: stored 1, config 2", "search.metric: not in the stored study, config has accuracy", "search.warm_start: stored , not in the config"} {
		if !strings.Contains(got, want) {
			t.Errorf("diff %q lacks %q", got, want)
		}
	}
}
