//go:build unix

package dirlock

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

func TestClaimIsSharedByItsOwnerAndRefusedToAnother(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "study")
	a1, err := Claim(dir, "owner-a")
	if err != nil {
		t.Fatal(err)
	}
	a2, err := Claim(dir, "owner-a")
	if err != nil {
		t.Fatalf("a second claim of the same owner: %v", err)
	}
	var held *HeldError
	if _, err := Claim(dir, "owner-b"); !errors.As(err, &held) || held.PID != os.Getpid() || held.Dir != dir {
		t.Fatalf("another owner's claim: %v, want a HeldError naming process %d", err, os.Getpid())
	}
	a1()
	if _, err := Claim(dir, "owner-b"); !errors.As(err, &held) {
		t.Fatalf("another owner's claim while one of the first's is held: %v", err)
	}
	a2()
	if _, err := os.Stat(filepath.Join(dir, ClaimFileName)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the last claimant left its file: %v", err)
	}
	b, err := Claim(dir, "owner-b")
	if err != nil {
		t.Fatalf("another owner once the first let go: %v", err)
	}
	b()
}

// A file left by a claimant that died (its lock went with it) does not
// hold the directory.
func TestClaimOfADeadHolderIsFree(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, ClaimFileName), []byte("owner-a 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	release, err := Claim(dir, "owner-b")
	if err != nil {
		t.Fatalf("a dead holder's file: %v, want the claim", err)
	}
	release()
}

// Something other than a file where the claim's file goes (a directory, a
// FIFO) is neither waited on nor a crash: nothing is claimed.
func TestClaimWithSomethingElseInItsPlace(t *testing.T) {
	for name, create := range map[string]func(string) error{
		"directory": func(p string) error { return os.Mkdir(p, 0o755) },
		"fifo":      func(p string) error { return syscall.Mkfifo(p, 0o644) },
	} {
		dir := t.TempDir()
		if err := create(filepath.Join(dir, ClaimFileName)); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() {
			release, err := Claim(dir, "owner-a")
			if err == nil {
				release()
			}
			done <- err
		}()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("%s in the claim's place: %v, want no claim and no error", name, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s in the claim's place: the claim hangs", name)
		}
	}
}
