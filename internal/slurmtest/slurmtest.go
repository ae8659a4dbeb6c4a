// Package slurmtest holds what the tests that run real Slurm jobs share:
// skipping them on a workstation without Slurm (and failing them in CI,
// which starts a one-node cluster with .ci/slurm-up), holding that node
// while they use it, and reading a job's state. Only this module's tests
// import it.
package slurmtest

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// tools are the programs the Slurm launcher runs.
var tools = []string{"sbatch", "scontrol", "scancel", "squeue"}

// NeedTools skips t on a workstation where one of Slurm's programs is not
// on PATH, and fails it when CI=true: CI must run the Slurm tests. It is
// enough for a test that only looks for the programs; one that submits
// jobs calls Need.
func NeedTools(t testing.TB) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			msg := tool + " is not on PATH: run .ci/slurm-up (Debian, as root) for a one-node Slurm cluster"
			if os.Getenv("CI") == "true" {
				t.Fatal(msg + "; CI must run the Slurm tests")
			}
			t.Skip(msg)
		}
	}
}

// JobState asks scontrol for a job's state (RUNNING, COMPLETED, …); t
// fails if scontrol does not know the job.
func JobState(t testing.TB, job string) string {
	t.Helper()
	out, err := exec.Command("scontrol", "show", "job", "--oneliner", job).CombinedOutput()
	if err != nil {
		t.Fatalf("scontrol show job %s: %v\n%s", job, err, out)
	}
	for _, f := range strings.Fields(string(out)) {
		if v, ok := strings.CutPrefix(f, "JobState="); ok {
			return v
		}
	}
	t.Fatalf("no JobState in %s", out)
	return ""
}
