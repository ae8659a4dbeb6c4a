package configs

import (
	"strings"
	"testing"
)

// trainer.env holds API keys: a difference between a stored study and a
// config (printed by run --resume, a worker's log, eval) names the
// variables and never shows a value.
func TestDiffCanonicalHidesEnvValues(t *testing.T) {
	cmd := "trainer: {command: [sh, train.sh, '{args}'], env: {%s}}\nparameters: {lr: {log_uniform: [0.001, 1]}}\n"
	load := func(env string) []Setting {
		t.Helper()
		c, err := parse(t, strings.Replace(cmd, "%s", env, 1))
		if err != nil {
			t.Fatal(err)
		}
		return c.Canonical()
	}
	stored := FormatCanonical(load(`WANDB_API_KEY: "old-secret 1", GONE: gone-secret-2, SAME: same-secret-3`))
	if d := DiffCanonical(stored, load(`WANDB_API_KEY: "old-secret 1", GONE: gone-secret-2, SAME: same-secret-3`)); d != nil {
		t.Fatalf("same env: %q", d)
	}
	got := strings.Join(DiffCanonical(stored, load(`WANDB_API_KEY: new-secret-4, SAME: same-secret-3, NEW: new-secret-5`)), "; ")
	want := "trainer.env: GONE only stored, WANDB_API_KEY differs, NEW only in the config (values not shown)"
	if got != want {
		t.Errorf("diff = %q, want %q", got, want)
	}
	if strings.Contains(got, "secret") {
		t.Errorf("diff %q shows a value", got)
	}
	// A study stored without trainer.env (no command), and the reverse.
	noEnv := "seed: 1\n"
	for _, d := range append(DiffCanonical(noEnv, load(`KEY: secret-6`)), DiffCanonical(stored, nil)...) {
		if strings.Contains(d, "secret") {
			t.Errorf("diff %q shows a value", d)
		}
	}
}
