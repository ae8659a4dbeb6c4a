package study

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/hpsearch/hpsearch/results"
)

// A linear study under mse stores its least-squares floor as it starts:
// no trial's training loss is below its train value, and the best trial
// of a converged sweep comes close to it. Studies whose model is not
// linear in its weights, or whose searched degree changes the model from
// trial to trial, store none.
func TestStudyStoresItsFloor(t *testing.T) {
	ctx := context.Background()
	_, st, trials := runQuickstart(t)
	if st.Floor == nil || math.IsNaN(st.Floor.ValidationLoss) || !(st.Floor.TrainLoss > 0) {
		t.Fatalf("stored floor %+v: want a train and a validation value", st.Floor)
	}
	best, ok := results.Best(trials, st.Goal)
	if !ok {
		t.Fatal("no trial succeeded")
	}
	for _, tr := range trials {
		if tr.Status == results.StatusOK && tr.TrainLoss.Float() < st.Floor.TrainLoss*(1-1e-9) {
			t.Errorf("trial %d: train loss %g below the floor %g", tr.Number, tr.TrainLoss.Float(), st.Floor.TrainLoss)
		}
	}
	// quickstart's data are linear with noise 0.1: the floor's mse is
	// about 0.01, and the best trial's gap to it is a small part of that.
	if gap, _ := st.Floor.Gap(st.Metric, best); math.Abs(gap) > st.Floor.TrainLoss {
		t.Errorf("best %g, floor %+v: the gap %g is larger than the floor itself", best.Value.Float(), *st.Floor, gap)
	}

	for _, c := range []struct {
		name, config string
		sets         []string
	}{
		{"mlp", filepath.Join("..", "configs", "iris-mlp.yaml"), nil},
		{"searched degree", searchedDegree, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			config := c.config
			if config == searchedDegree {
				config = filepath.Join(t.TempDir(), "degree.yaml")
				if err := os.WriteFile(config, []byte(searchedDegree), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			s, err := Load(config, append([]string{"output.dir=" + t.TempDir()}, c.sets...), "")
			if err != nil {
				t.Fatal(err)
			}
			if f := s.floor(ctx, func(w string) { t.Errorf("warning: %s", w) }); f != nil {
				t.Errorf("floor %+v, want none", *f)
			}
		})
	}
}

const searchedDegree = `name: degree
data:
  synthetic: {kind: polynomial, samples: 200, features: 2, degree: 2, noise: 0.1}
  validation: 0.2
model: {kind: polynomial, degree: 2, loss: mse}
search: {strategy: random, trials: 4}
parameters:
  degree: {int: [1, 3]}
`
