//go:build unix

package main

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// trainer.env values (API keys) appear in no output: not in what any
// command prints, not in a file it writes, not in the message that refuses
// a --resume because the key changed. Only the database keeps them (the
// workers rebuild the study from it), and it is private (sqlite tests).
func TestEnvValuesAreNeverShown(t *testing.T) {
	const secret, rotated = "topsecret-api-key-123", "rotated-api-key-456"
	cfg, out := commandSweep(t)
	text, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	withEnv := strings.Replace(string(text), "trainer:\n", "trainer:\n  env: {WANDB_API_KEY: "+secret+"}\n", 1)
	writeTestFile(t, cfg, withEnv, 0o644)
	storage := []string{"--storage", "sqlite://" + filepath.Join(out, "hpsearch.db")}
	var printed strings.Builder
	do := func(want int, args ...string) {
		t.Helper()
		code, stdout, stderr := hpsearch(t, context.Background(), args...)
		printed.WriteString(stdout + stderr)
		if code != want {
			t.Fatalf("%q: exit %d, want %d\n%s%s", args, code, want, stdout, stderr)
		}
	}
	set := []string{"--set", "output.dir=" + out}
	do(exitOK, append([]string{"validate", cfg}, set...)...)
	do(exitOK, append([]string{"validate", cfg, "--json"}, set...)...)
	do(exitOK, append([]string{"run", cfg, "--json"}, set...)...)
	do(exitOK, append([]string{"studies"}, storage...)...)
	do(exitOK, append([]string{"studies", "--json"}, storage...)...)
	do(exitOK, append([]string{"show", "cmd"}, storage...)...)
	do(exitOK, append([]string{"show", "cmd", "--json"}, storage...)...)
	for _, format := range []string{"yaml", "csv", "json"} {
		do(exitOK, append([]string{"export", "cmd", "--format", format}, storage...)...)
	}
	do(exitOK, append([]string{"report", "cmd", "-o", "-"}, storage...)...)
	do(exitUsage, append([]string{"run", cfg, "--resume", "--set", "trainer.env={WANDB_API_KEY: " + rotated + "}"}, set...)...)
	if !strings.Contains(printed.String(), "WANDB_API_KEY differs") {
		t.Errorf("the refused --resume does not name the changed variable:\n%s", printed.String())
	}
	for _, s := range []string{secret, rotated} {
		if strings.Contains(printed.String(), s) {
			t.Errorf("a command printed %s", s)
		}
	}
	err = filepath.WalkDir(out, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(d.Name(), "hpsearch.db") {
			return err
		}
		b, err := os.ReadFile(path)
		if err == nil && strings.Contains(string(b), secret) {
			t.Errorf("%s holds the secret", path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
