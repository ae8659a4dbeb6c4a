//go:build unix

package study

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hpsearch/hpsearch/configs"
	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/search"
	"github.com/hpsearch/hpsearch/trainer"
)

// shConfig is a config whose trials run a shell script.
func shConfig(script string) *configs.Config {
	return &configs.Config{
		Trainer:    configs.Trainer{Command: []string{"/bin/sh", "-c", script, "trial", "{args}"}},
		Search:     configs.Search{Metric: "val_loss", MetricStrategy: "last", Goal: "minimize"},
		Parameters: []configs.Parameter{{Name: "lr", Dist: configs.LogUniform, Low: 1e-3, High: 1}},
	}
}

func task(n int) search.Task {
	return search.Task{Study: "s", Number: n, Seed: search.TrialSeed(1, n), Params: results.Params{{Name: "lr", Value: 0.01}}}
}

// TestCommandPlaceholdersAgree keeps configs' copy of the fixed
// placeholders in step with the trainer's.
func TestCommandPlaceholdersAgree(t *testing.T) {
	src := "trainer:\n  devices: [0]\n  command: [sh"
	for _, p := range trainer.CommandPlaceholders() {
		if p == trainer.PlaceholderArgs {
			src += `, "{args}"`
		} else {
			src += `, "x{` + p + `}"`
		}
	}
	src += "]\nparameters: {lr: 0.1}\n"
	if _, err := configs.Parse(strings.NewReader(src), "c.yaml", t.TempDir(), nil); err != nil {
		t.Errorf("configs rejects a placeholder the trainer fills: %v", err)
	}
	if _, err := configs.Parse(strings.NewReader(strings.Replace(src, "x{seed}", "x{seeds}", 1)), "c.yaml", t.TempDir(), nil); err == nil {
		t.Error("configs accepts {seeds}, which the trainer cannot fill")
	}
}

func TestCommandObjectiveMapsTheRun(t *testing.T) {
	dir := t.TempDir()
	o, err := NewCommandObjective(shConfig(`
echo "epoch 1 starting"
echo '{"step": 10, "loss": 0.9, "val_loss": 0.8, "grad_norm": 2}'
echo "step=20 train_loss=0.4 val_loss=0.5"
echo "$1" >&2`), dir)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := o.Evaluate(context.Background(), task(5))
	if err != nil {
		t.Fatal(err)
	}
	if tr.Status != results.StatusOK || tr.Value != results.Measured(0.5) || tr.TrainLoss != results.Measured(0.4) || tr.Iterations != 20 || tr.StopReason != "exit 0" || tr.Error != "" {
		t.Errorf("trial %+v: want ok, value 0.5, train loss 0.4, 20 iterations, exit 0", tr)
	}
	want := []results.Point{{Iteration: 10, TrainLoss: 0.9, GradNorm: 2, ValidationLoss: 0.8}, {Iteration: 20, TrainLoss: 0.4, GradNorm: math.NaN(), ValidationLoss: 0.5}}
	if len(tr.History) != 2 {
		t.Fatalf("history %+v", tr.History)
	}
	for i, p := range tr.History {
		w := want[i]
		if p.Iteration != w.Iteration || p.TrainLoss != w.TrainLoss || p.ValidationLoss != w.ValidationLoss || !(p.GradNorm == w.GradNorm || math.IsNaN(w.GradNorm) && math.IsNaN(p.GradNorm)) {
			t.Errorf("history[%d] = %+v, want %+v", i, p, w)
		}
	}
	if tr.Finished.Sub(tr.Started) <= 0 {
		t.Errorf("started %v, finished %v", tr.Started, tr.Finished)
	}
	errText, err := os.ReadFile(filepath.Join(dir, "5", "stderr"))
	if err != nil || string(errText) != "--lr=0.01\n" {
		t.Errorf("runs/<study>/trials/5/stderr = %q, %v; want the trial's own", errText, err)
	}
}

func TestCommandObjectiveFailures(t *testing.T) {
	tests := []struct {
		name   string
		script string
		status results.Status
		stop   string
		error  string
	}{
		{"exit 3", `echo val_loss=0.5; echo "CUDA out of memory" >&2; exit 3`, results.StatusFailed, "exit 3",
			"exit status 3\nlast lines of stderr:\nCUDA out of memory"},
		{"no metric", `echo done`, results.StatusFailed, "no metric", `printed no val_loss metric`},
		{"diverged", `echo "loss exploded" >&2; echo '{"val_loss": NaN}'; sleep 30`, results.StatusDiverged, "diverged",
			"val_loss was NaN at step 1"}, // hpsearch stopped it: no stderr tail, which would be a race
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := NewCommandObjective(shConfig(tt.script), t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			tr, err := o.Evaluate(context.Background(), task(0))
			if err != nil {
				t.Fatal(err)
			}
			if tr.Status != tt.status || tr.StopReason != tt.stop || !strings.HasPrefix(tr.Error, tt.error) {
				t.Errorf("got %s / %q / %q, want %s / %q / %q…", tr.Status, tr.StopReason, tr.Error, tt.status, tt.stop, tt.error)
			}
		})
	}
}

func TestCommandObjectiveCancelAndPrune(t *testing.T) {
	o, err := NewCommandObjective(shConfig(`for i in 1 2 3 4 5 6 7 8 9; do echo "step=$i val_loss=0.$i"; sleep 0.05; done; sleep 30`), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	tk := task(1)
	tk.Report = func(step int, v float64) bool { return step < 3 }
	tr, err := o.Evaluate(context.Background(), tk)
	if err != nil || tr.Status != results.StatusPruned || tr.Iterations != 3 {
		t.Errorf("a trial its Report stops: %v, %s at step %d; want pruned at 3", err, tr.Status, tr.Iterations)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, err := o.Evaluate(ctx, task(2)); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("an interrupted trial returned %v, want the context's error", err)
	}
}

// TestDevicePoolNeverShared runs more trials at once than there are
// devices. Each trial holds a lock directory named after its device while
// it runs; mkdir fails when the directory exists, so a device handed to
// two running trials fails one of them.
func TestDevicePoolNeverShared(t *testing.T) {
	locks := t.TempDir()
	cfg := shConfig(`
[ "$CUDA_VISIBLE_DEVICES" = "$HPSEARCH_DEVICE" ] || exit 5
mkdir "$LOCKS/$HPSEARCH_DEVICE" || exit 7
sleep 0.05
rmdir "$LOCKS/$HPSEARCH_DEVICE"
echo "device=$HPSEARCH_DEVICE val_loss=1"`)
	cfg.Trainer.Env = map[string]string{"LOCKS": locks}
	cfg.Trainer.Devices = []string{"0", "1", "2"}
	trials := t.TempDir()
	o, err := NewCommandObjective(cfg, trials)
	if err != nil {
		t.Fatal(err)
	}
	if o.Devices() != 3 {
		t.Fatalf("pool of %d devices, want 3", o.Devices())
	}
	var wg sync.WaitGroup
	for n := range 18 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tr, err := o.Evaluate(context.Background(), task(n))
			if err != nil || tr.Status != results.StatusOK {
				t.Errorf("trial %d: %v, %s: %s", n, err, tr.StopReason, tr.Error)
			}
		}()
	}
	wg.Wait()
	used := map[string]int{}
	for n := range 18 {
		out, err := os.ReadFile(filepath.Join(trials, strconv.Itoa(n), "stdout"))
		if err != nil {
			t.Fatal(err)
		}
		if f := strings.Fields(string(out)); len(f) > 0 {
			used[f[0]]++
		}
	}
	if len(used) != 3 || used["device=0"] == 0 || used["device=1"] == 0 || used["device=2"] == 0 {
		t.Errorf("devices used: %v, want 0, 1 and 2", used)
	}
}

// TestCommandTrialBestIteration: a command trial's best iteration is the
// step its value was printed at: the last step that printed the metric
// for metric_strategy last, the step of the best value for min and max,
// the best so far for a pruned trial, and unknown (0) for a failed one.
func TestCommandTrialBestIteration(t *testing.T) {
	const (
		upTo30 = `echo "step=10 val_loss=0.5"; echo "step=20 val_loss=0.2"; echo "step=30 val_loss=0.4"`
		series = upTo30 + `; echo "step=40 train_loss=0.1"`
	)
	tests := []struct {
		name, strategy, script string
		report                 func(step int, v float64) bool
		status                 results.Status
		value                  float64
		iterations, best       int
	}{
		{"last: the last step that printed the metric", "last", series, nil, results.StatusOK, 0.4, 40, 30},
		{"min: the step of the lowest", "min", series, nil, results.StatusOK, 0.2, 40, 20},
		{"max: the step of the highest", "max", series, nil, results.StatusOK, 0.5, 40, 10},
		{"pruned, min: the best so far", "min", upTo30 + "; sleep 30",
			func(step int, _ float64) bool { return step < 30 }, results.StatusPruned, 0.2, 30, 20},
		{"pruned, last: the last so far", "last", upTo30 + "; sleep 30",
			func(step int, _ float64) bool { return step < 30 }, results.StatusPruned, 0.4, 30, 30},
		{"failed: unknown", "min", series + "; exit 3", nil, results.StatusFailed, 0.2, 40, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := shConfig(tt.script)
			cfg.Search.MetricStrategy = tt.strategy
			o, err := NewCommandObjective(cfg, t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			tk := task(0)
			tk.Report = tt.report
			tr, err := o.Evaluate(context.Background(), tk)
			if err != nil {
				t.Fatal(err)
			}
			if tr.Status != tt.status || tr.Value.Float() != tt.value || tr.Iterations != tt.iterations || tr.BestIteration != tt.best {
				t.Errorf("%s, value %v, %d iterations, best iteration %d; want %s, %v, %d, %d (%s)",
					tr.Status, tr.Value.Float(), tr.Iterations, tr.BestIteration, tt.status, tt.value, tt.iterations, tt.best, tr.Error)
			}
		})
	}
}
