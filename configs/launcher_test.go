package configs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hpsearch/hpsearch/internal/slurmtest"
)

// commandConfig is a command config whose program exists, with extra
// trainer lines.
func commandConfig(t *testing.T, trainer string) (string, string) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "train.sh"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return "trainer:\n  command: [./train.sh, \"{args}\"]\n" + trainer +
		"search: {strategy: random, trials: 2}\nparameters:\n  lr: {log_uniform: [1e-4, 1]}\n", dir
}

func parseIn(text, dir string) (*Config, error) {
	return Parse(strings.NewReader(text), "sweep.yaml", dir, nil)
}

func TestLauncherSlurm(t *testing.T) {
	slurmtest.NeedTools(t)
	text, dir := commandConfig(t, `  launcher:
    kind: slurm
    partition: debug
    time: "00:05:00"
    gres: "gpu:1"
    cpus_per_task: 2
    mem: 1G
    account: lab
    sbatch_args: [--qos=normal]
    setup: ["module load cuda", "export OMP_NUM_THREADS=2"]
`)
	cfg, err := parseIn(text, dir)
	if err != nil {
		t.Fatal(err)
	}
	want := Launcher{Kind: "slurm", Partition: "debug", Time: "00:05:00", Gres: "gpu:1", CPUsPerTask: 2, Mem: "1G",
		Account: "lab", SbatchArgs: []string{"--qos=normal"}, Setup: []string{"module load cuda", "export OMP_NUM_THREADS=2"}, Retries: 2}
	if got := cfg.Trainer.Launcher; got.Kind != want.Kind || got.Partition != want.Partition || got.Time != want.Time ||
		got.Gres != want.Gres || got.CPUsPerTask != want.CPUsPerTask || got.Mem != want.Mem || got.Account != want.Account ||
		strings.Join(got.SbatchArgs, "|") != strings.Join(want.SbatchArgs, "|") || strings.Join(got.Setup, "|") != strings.Join(want.Setup, "|") ||
		got.Retries != want.Retries {
		t.Errorf("launcher = %+v, want %+v", got, want)
	}
}

func TestLauncherProblems(t *testing.T) {
	slurmtest.NeedTools(t)
	tests := []struct {
		name, trainer, want string
	}{
		{"time", "  launcher: {kind: slurm, time: 2h}\n", `sweep.yaml:3: trainer.launcher.time: must be a Slurm time limit such as "02:00:00"`},
		{"mem", "  launcher: {kind: slurm, mem: 16 GB}\n", `sweep.yaml:3: trainer.launcher.mem: must be a size such as "16G"`},
		{"kind", "  launcher: {kind: pbs}\n", `sweep.yaml:3: trainer.launcher.kind: unknown value "pbs" (allowed: local, slurm)`},
		{"sbatch_args", "  launcher: {kind: slurm, sbatch_args: [--output=/tmp/x]}\n", `trainer.launcher.sbatch_args: item 0 "--output=/tmp/x": hpsearch sets --output itself`},
		{"local with a Slurm key", "  launcher: {partition: gpu}\n", `trainer.launcher.partition: applies to kind slurm only (kind is local)`},
		{"devices", "  devices: [0, 1]\n  launcher: {kind: slurm}\n", `trainer.devices: does not go with trainer.launcher kind slurm`},
		{"setup", "  launcher: {kind: slurm, setup: [\"a\\nb\"]}\n", `trainer.launcher.setup: item 0 holds a line break`},
		{"cpus", "  launcher: {kind: slurm, cpus_per_task: 0}\n", `trainer.launcher.cpus_per_task: must be >= 1, got 0`},
		{"retries", "  launcher: {kind: slurm, retries: -1}\n", `trainer.launcher.retries: must be >= 0, got -1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text, dir := commandConfig(t, tt.trainer)
			_, err := parseIn(text, dir)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v\nwant it to hold %q", err, tt.want)
			}
		})
	}
}

// The built-in trainer trains in hpsearch's own process: a launcher is
// refused, saying how to use a cluster for it instead.
func TestLauncherRefusedForBuiltInTrainer(t *testing.T) {
	_, err := parseIn("data: {synthetic: {kind: linear}}\ntrainer:\n  launcher: {kind: slurm}\n", t.TempDir())
	want := "sweep.yaml:3: trainer.launcher: applies to trainer.command only"
	if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "hpsearch worker") {
		t.Errorf("error = %v\nwant it to hold %q and name hpsearch worker", err, want)
	}
}

// Without sbatch on PATH (not a login node), kind slurm is one clear
// problem, not every trial failing.
func TestLauncherSlurmWithoutSbatch(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	text, dir := commandConfig(t, "  launcher: {kind: slurm}\n")
	_, err := parseIn(text, dir)
	want := "sweep.yaml:3: trainer.launcher.kind: slurm needs sbatch, not found in PATH: run hpsearch on a Slurm login node, or use kind: local"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error = %v\nwant it to hold %q", err, want)
	}
}

// A Slurm job cannot be paused by its user: early stopping that holds
// trials at rungs is allowed, with a warning that their jobs run on.
func TestLauncherSlurmWarnsOfHeldTrials(t *testing.T) {
	slurmtest.NeedTools(t)
	text, dir := commandConfig(t, "  launcher: {kind: slurm}\n")
	text = strings.Replace(text, "search: {strategy: random, trials: 2}", "search:\n  strategy: random\n  trials: 2\n  early_stopping: {kind: successive_halving, max_resource: 9}", 1)
	cfg, err := parseIn(text, dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Warnings) != 1 || cfg.Warnings[0].Key != "search.early_stopping.kind" || !strings.Contains(cfg.Warnings[0].Message, "a Slurm job cannot be paused by its user") {
		t.Errorf("warnings = %+v, want one about held trials' jobs", cfg.Warnings)
	}
	text = strings.Replace(text, "successive_halving", "median", 1)
	if cfg, err = parseIn(text, dir); err != nil || len(cfg.Warnings) != 0 {
		t.Errorf("median: %v, warnings %+v; want none", err, cfg.Warnings)
	}
}
