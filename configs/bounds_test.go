package configs

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hpsearch/hpsearch/internal/regular"
)

// The cases of the reliability probe (c03…c88, D2, D7, D13, D16): every
// number a config holds is bounded, each bound named in its message, and
// checking costs no more than reading the file (rounds: 1e9 and
// grid_points: 2^63-1 made validate allocate gigabytes).
func TestBounds(t *testing.T) {
	const (
		branin  = "benchmark: branin\nparameters: {x0: {uniform: [-5, 10]}, x1: {uniform: [0, 15]}}\n"
		command = "trainer: {command: [echo, '{args}']}\n"
	)
	tests := []struct {
		name, src string
		want      string
	}{
		{"c03 seed 1e400", "seed: 1e400\n" + branin,
			`c.yaml:1: seed: must be at most 9223372036854775807, got 1e400`},
		{"c04 26-digit seed", "seed: 99999999999999999999999999\n" + branin,
			`c.yaml:1: seed: must be at most 9223372036854775807, got 99999999999999999999999999`},
		{"c31 trials 1e18", "search: {trials: 1e18}\n" + branin,
			`c.yaml:1: search.trials: must be at most 1000000, got 1000000000000000000`},
		{"c72 trials int64 max", "search: {trials: 9223372036854775807}\n" + branin,
			`c.yaml:1: search.trials: must be at most 1000000, got 9223372036854775807`},
		{"c29 rounds 1e9", "search: {rounds: 1e9}\n" + branin,
			`c.yaml:1: search.rounds: must be at most 10000, got 1000000000`},
		{"c30 trials_per_round 1e9", "search: {trials_per_round: 1e9}\n" + branin,
			`c.yaml:1: search.trials_per_round: must be at most 1000000, got 1000000000`},
		{"c71 rounds × int64 max", "search: {rounds: 2, trials_per_round: 9223372036854775807}\n" + branin,
			`c.yaml:1: search.trials_per_round: must be at most 1000000, got 9223372036854775807`},
		{"c29b product over the bound", "search: {rounds: 10000, trials_per_round: 1000}\n" + branin,
			`c.yaml:1: search.trials_per_round: rounds × trials_per_round = 10000 × 1000 = 10000000 trials, more than the 1000000 allowed: lower one, or give search.trials`},
		{"c77 grid_points int64 max", "search: {strategy: grid, grid_points: 9223372036854775807}\n" + branin,
			`c.yaml:1: search.grid_points: must be at most 1000000, got 9223372036854775807`},
		{"c41 int range 1e30", command + "parameters: {n: {int: [1, 1e30]}}",
			`c.yaml:2: parameters.n: int range ends must be integers between -9007199254740992 and 9007199254740992 (ranges are sampled in float64, whose integers are exact up to 2^53), got [1, 1e30]`},
		{"c73 full int64 range", command + "parameters: {n: {int: [-9223372036854775808, 9223372036854775807]}}",
			`c.yaml:2: parameters.n: int range ends must be integers between -9007199254740992 and 9007199254740992 (ranges are sampled in float64, whose integers are exact up to 2^53), got [-9223372036854775808, 9223372036854775807]`},
		{"c40 exponents ±400", base + "parameters: {learning_rate: {powers_of_ten: [-400, 400]}}",
			`c.yaml:2: parameters.learning_rate: powers_of_ten exponents must be integers between -323 and 308 (10^e must be a finite, nonzero float64), got [-400, 400]`},
		{"c88 learning rate 1e400", base + "parameters: {learning_rate: {powers_of_ten: [-3, 400]}}",
			`c.yaml:2: parameters.learning_rate: powers_of_ten exponents must be integers between -323 and 308 (10^e must be a finite, nonzero float64), got [-3, 400]`},
		{"c87 integer key 1e400", base + "parameters: {max_iterations: {powers_of_ten: [0, 400]}}",
			`c.yaml:2: parameters.max_iterations: trainer.max_iterations is an integer: powers_of_ten exponents must be integers between 0 and 18 (10^e must fit an int64), got [0, 400]`},
		{"c76 exponent int64 max", command + "parameters: {n: {powers_of_ten: [0, 9223372036854775807]}}",
			`c.yaml:2: parameters.n: powers_of_ten exponents must be integers between -323 and 308 (10^e must be a finite, nonzero float64), got [0, 9223372036854775807]`},
		{"c66 uniform wider than float64", "benchmark: branin\nparameters: {x0: {uniform: [-1.7e308, 1.7e308]}, x1: {uniform: [0, 15]}}",
			`c.yaml:2: parameters.x0: uniform range [-1.7e+308, 1.7e+308] is wider than float64 holds: high − low must be at most 1.7976931348623157e+308`},
		{"learning rate 1e400", base + "trainer: {learning_rate: 1e400}",
			`c.yaml:2: trainer.learning_rate: must be a finite number (at most 1.7976931348623157e+308 in magnitude), got "1e400"`},
		{"c82 dimension int64 max", "model: {kind: function, function: rosenbrock, dimension: 9223372036854775807}",
			`c.yaml:1: model.dimension: must be at most 10000000, got 9223372036854775807`},
		{"c75 layers of 2^32", base + "model: {kind: mlp, hidden: [4294967296, 4294967296]}",
			`c.yaml:2: model.hidden: layer size must be at most 10000000, got 4294967296`},
		{"c34 layers of 100000", base + "model: {kind: mlp, hidden: [100000, 100000]}",
			`c.yaml:2: model.hidden: makes a model of 10000400001 weights (with 1 feature), more than the 10000000 allowed`},
		{"searched hidden too large", base + "model: {kind: mlp}\nparameters: {hidden: {choice: [16, \"100000,100000\"]}}",
			`c.yaml:3: parameters.hidden: makes a model of 10000400001 weights (with 1 feature), more than the 10000000 allowed`},
		{"hidden range too large", base + "model: {kind: mlp, hidden: [16, 16]}\nparameters: {hidden: {int: [1, 10000000]}}",
			`c.yaml:3: parameters.hidden: makes a model of 30000001 weights (with 1 feature), more than the 10000000 allowed`},
		{"c53 degree 1e6", "data: {synthetic: {kind: linear, features: 50}}\nmodel: {kind: polynomial, degree: 1e6}",
			`c.yaml:2: model.degree: must be at most 100, got 1000000`},
		{"c51 restarts 1e9", base + "trainer: {restarts: 1e9}",
			`c.yaml:2: trainer.restarts: must be at most 1000, got 1000000000`},
		{"reduction factor", base + "search: {early_stopping: {kind: hyperband, reduction_factor: 1e9}}",
			`c.yaml:2: search.early_stopping.reduction_factor: must be in [2, 100], got 1000000000`},
		{"auto budget 0", base + "search: {early_stopping: {kind: auto, budget: 0}}",
			`c.yaml:2: search.early_stopping.budget: must be in (0, 1], got 0`},
		{"auto budget above 1", base + "search: {early_stopping: {kind: auto, budget: 1.5}}",
			`c.yaml:2: search.early_stopping.budget: must be in (0, 1], got 1.5`},
		{"auto budget .nan", base + "search: {early_stopping: {kind: auto, budget: .nan}}",
			`c.yaml:2: search.early_stopping.budget: must be a finite number, got ".nan"`},
		{"budget with another kind", base + "search: {early_stopping: {kind: hyperband, budget: 0.5}}",
			`c.yaml:2: search.early_stopping.budget: applies to kind auto only (hyperband keeps a fixed share at each rung)`},
		{"c79 reports per trial", base + "trainer: {max_iterations: 9223372036854775807}\nsearch: {early_stopping: {kind: hyperband, interval: 1}}",
			`c.yaml:3: search.early_stopping.interval: max_resource / interval = 9223372036854775807 / 1 = 9223372036854775807 reports per trial, more than the 1000000 allowed: raise interval`},
		{"D16 NUL in a choice", command + "parameters: {opt: {choice: [\"a\\0b\", ok]}}",
			`c.yaml:2: parameters.opt: choice must not hold a control character (NUL, newline, tab, escape…), got "a\x00b"`},
		{"NUL in a fixed value", command + "parameters: {opt: \"a\\0b\"}",
			`c.yaml:2: parameters.opt: must not hold a control character (NUL, newline, tab, escape…), got "a\x00b"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			_, err := parse(t, tt.src)
			got := problems(t, err)
			if len(got) != 1 || got[0] != tt.want {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), tt.want)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v: a bound must be checked without materialising what it bounds", d)
			}
		})
	}
}

// TestBoundsAccepted keeps the bounds from refusing what is legal: the
// largest values, and integers written as exact floats.
func TestBoundsAccepted(t *testing.T) {
	for _, src := range []string{
		"search: {trials: 1000000}\nbenchmark: branin\nparameters: {x0: {uniform: [-5, 10]}, x1: {uniform: [0, 15]}}",
		base + "trainer: {max_iterations: 1e18}", // 10^18 exactly, beyond 2^53
		base + "parameters: {learning_rate: {powers_of_ten: [-323, 0]}}",
		base + "parameters: {max_iterations: {powers_of_ten: [0, 18]}}",
		"trainer: {command: [echo, '{args}']}\nparameters: {n: {int: [-9007199254740992, 9007199254740992]}, lr: {powers_of_ten: [-323, 308]}, c: {choice: [a, b]}}",
		"benchmark: branin\nparameters: {x0: {uniform: [-8e307, 8e307]}, x1: {uniform: [0, 15]}}",
	} {
		if _, err := parse(t, src); err != nil {
			t.Errorf("%s:\n%v", src, err)
		}
	}
}

// TestCostWarnings: sizes that are legal but large say what they cost.
func TestCostWarnings(t *testing.T) {
	tests := []struct{ src, want string }{
		{"data: {synthetic: {kind: linear, features: 10}}\nmodel: {kind: mlp, hidden: [1000, 1000]}",
			"c.yaml:2: model.hidden: makes a model of 1013001 weights (with 10 features): about 54 MB per running trial"},
		{"search: {trials: 200000}\nbenchmark: branin\nparameters: {x0: {uniform: [-5, 10]}, x1: {uniform: [0, 15]}}",
			"c.yaml:1: search.trials: 200000 trials: each is stored, and show, report and --resume read them all (100000 benchmark trials took 9 s and 240 MB; a trained model's trials take as long as their training)"},
	}
	for _, tt := range tests {
		cfg, err := parse(t, tt.src)
		if err != nil {
			t.Fatal(err)
		}
		if len(cfg.Warnings) != 1 || cfg.Warnings[0].Error() != tt.want {
			t.Errorf("warnings %v, want %s", cfg.Warnings, tt.want)
		}
	}
}

// D6: a choice of 1.3 million values made a 933 MB report; choices are
// bounded, and the list is refused before its values are decoded.
func TestChoiceLength(t *testing.T) {
	vals := make([]string, MaxChoices+1)
	for i := range vals {
		vals[i] = "1"
	}
	src := "benchmark: branin\nparameters:\n  x1: {uniform: [0, 15]}\n  x0: {choice: [" + strings.Join(vals, ",") + "]}\n"
	_, err := parse(t, src)
	want := `c.yaml:4: parameters.x0: choice has 1001 values, more than the 1000 allowed: search a range of numbers with int, uniform or log_uniform`
	if got := problems(t, err); len(got) != 1 || got[0] != want {
		t.Errorf("problems %q, want %q", got, want)
	}
}

// D15: a second YAML document was silently dropped.
func TestSecondDocument(t *testing.T) {
	src := base + "---\noutput: {dir: /tmp/elsewhere}\n"
	_, err := parse(t, src)
	want := "c.yaml:2: a second YAML document; one config per file"
	if got := problems(t, err); len(got) != 1 || got[0] != want {
		t.Errorf("problems %q, want %q", got, want)
	}
	// A trailing --- (an empty document) holds nothing to drop.
	if _, err := parse(t, base+"---\n"); err != nil {
		t.Errorf("trailing ---: %v", err)
	}
}

// D9: a config that is not a regular file is refused before it is read:
// /dev/zero never ended (out of memory) and a FIFO blocked for ever.
func TestLoadSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "f.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	for _, path := range []string{"/dev/zero", fifo, dir} {
		if _, err := os.Stat(path); err != nil {
			continue
		}
		done := make(chan error, 1)
		go func() { _, err := Load(path, nil); done <- err }()
		select {
		case err := <-done:
			var nr *regular.NotRegularError
			if !errors.As(err, &nr) {
				t.Errorf("Load(%s) = %v, want a NotRegularError", path, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("Load(%s) blocked", path)
		}
	}
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, make([]byte, MaxConfigBytes+1), 0o600); err != nil {
		t.Fatal(err)
	}
	var tl *TooLargeError
	if _, err := Load(big, nil); !errors.As(err, &tl) {
		t.Errorf("Load of %d bytes = %v, want a TooLargeError", MaxConfigBytes+1, err)
	}
	if _, err := Parse(strings.NewReader(strings.Repeat(" ", MaxConfigBytes+1)), "r", "", nil); !errors.As(err, &tl) {
		t.Errorf("Parse of %d bytes = %v, want a TooLargeError", MaxConfigBytes+1, err)
	}
	_, err := parse(t, "data: {csv: {path: /dev/zero, target: y}}")
	want := "c.yaml:1: data.csv.path: /dev/zero is a character device, not a regular file"
	if got := problems(t, err); len(got) != 1 || got[0] != want {
		t.Errorf("problems %q, want %q", got, want)
	}
}
