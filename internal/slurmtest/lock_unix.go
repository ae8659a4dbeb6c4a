//go:build unix

package slurmtest

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// Need is NeedTools for a test that submits jobs: it also holds the
// one-node cluster, shared with the other tests that submit jobs, until t
// ends.
func Need(t testing.TB) {
	t.Helper()
	NeedTools(t)
	lockNode(t, false)
}

// NeedAlone is Need for a test that disturbs the cluster (stops
// slurmctld, takes the node down): it holds the node alone, so that no
// other test's job runs meanwhile and sees its node fail. Skipped with
// -short: it makes every other Slurm test wait for seconds.
func NeedAlone(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("disturbs the Slurm cluster for seconds; skipped with -short")
	}
	NeedTools(t)
	lockNode(t, true)
}

// lockNode takes a lock file every package's test binary opens (go test
// runs them at once), shared or exclusive, until t ends.
func lockNode(t testing.TB, exclusive bool) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(os.TempDir(), "hpsearch-slurm-node.lock"), os.O_RDWR|os.O_CREATE, 0o666)
	if err != nil {
		t.Fatal(err)
	}
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	if err := syscall.Flock(int(f.Fd()), how); err != nil {
		f.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
}
