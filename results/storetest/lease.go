package storetest

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/hpsearch/hpsearch/results"
)

// studyLeaser is the capability RunStudyLease checks (cmd/hpsearch
// declares the same for its runs).
type studyLeaser interface {
	AcquireStudy(ctx context.Context, study string, me results.Holder, grace time.Duration) (*results.Holder, error)
	RenewStudy(ctx context.Context, study string, me results.Holder) error
	ReleaseStudy(ctx context.Context, study string, me results.Holder) error
}

// RunStudyLease checks a store's study leases: one live holder at a time,
// a silent or dead one replaced, renewals and releases by the holder only.
func RunStudyLease(t *testing.T, open func(t *testing.T) results.Store) {
	lease := func(t *testing.T) studyLeaser {
		s, ok := open(t).(studyLeaser)
		if !ok {
			t.Fatal("the store has no study leases")
		}
		return s
	}
	t.Run("OneHolderAtATime", func(t *testing.T) { testLeaseOneHolderAtATime(t, lease(t)) })
	t.Run("SilentHolderReplacedAfterGrace", func(t *testing.T) { testLeaseSilentHolderReplaced(t, lease(t)) })
	t.Run("DeadProcessOnThisHostReplacedAtOnce", func(t *testing.T) { testLeaseDeadHolderReplaced(t, lease(t)) })
}

// remoteHolder is a holder on another host, whose liveness this host
// cannot check.
func remoteHolder(id string) results.Holder {
	return results.Holder{ID: id, Host: "another-host.invalid", PID: 1}
}

func testLeaseOneHolderAtATime(t *testing.T, s studyLeaser) {
	ctx := context.Background()
	a, b := remoteHolder("a"), results.ThisProcess()
	if prev, err := s.AcquireStudy(ctx, "s", a, time.Hour); err != nil || prev != nil {
		t.Fatalf("first acquire: %v, replaced %v", err, prev)
	}
	// Taking it again is harmless for its holder.
	if prev, err := s.AcquireStudy(ctx, "s", a, time.Hour); err != nil || prev != nil {
		t.Fatalf("acquire again by the holder: %v, replaced %v", err, prev)
	}
	_, err := s.AcquireStudy(ctx, "s", b, time.Hour)
	var busy *results.StudyBusyError
	if !errors.As(err, &busy) {
		t.Fatalf("a live holder's study taken: %v", err)
	}
	if busy.Study != "s" || busy.Holder.ID != "a" || busy.Holder.Host != a.Host || busy.Holder.PID != 1 ||
		busy.Holder.Started.IsZero() || busy.Silence < 0 || busy.Silence > time.Minute {
		t.Errorf("busy error: %+v", busy)
	}
	if msg := err.Error(); !strings.Contains(msg, "process 1 on host another-host.invalid since ") {
		t.Errorf("the message does not say who holds it since when: %s", msg)
	}
	// Another study is free.
	if _, err := s.AcquireStudy(ctx, "t", b, time.Hour); err != nil {
		t.Fatalf("another study: %v", err)
	}
	if err := s.RenewStudy(ctx, "s", a); err != nil {
		t.Fatalf("renew by the holder: %v", err)
	}
	if err := s.RenewStudy(ctx, "s", b); !errors.Is(err, results.ErrStudyLeaseLost) {
		t.Fatalf("renew by another: %v, want ErrStudyLeaseLost", err)
	}
	// A release by another leaves the lease alone.
	if err := s.ReleaseStudy(ctx, "s", b); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AcquireStudy(ctx, "s", b, time.Hour); !errors.As(err, &busy) {
		t.Fatalf("a release by another freed the study: %v", err)
	}
	if err := s.ReleaseStudy(ctx, "s", a); err != nil {
		t.Fatal(err)
	}
	if prev, err := s.AcquireStudy(ctx, "s", b, time.Hour); err != nil || prev != nil {
		t.Fatalf("acquire after the release: %v, replaced %v", err, prev)
	}
	if err := s.RenewStudy(ctx, "s", a); !errors.Is(err, results.ErrStudyLeaseLost) {
		t.Fatalf("renew after the release: %v, want ErrStudyLeaseLost", err)
	}
}

func testLeaseSilentHolderReplaced(t *testing.T, s studyLeaser) {
	ctx := context.Background()
	a, b := remoteHolder("a"), remoteHolder("b")
	if _, err := s.AcquireStudy(ctx, "s", a, time.Hour); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	var busy *results.StudyBusyError
	if _, err := s.AcquireStudy(ctx, "s", b, time.Hour); !errors.As(err, &busy) || busy.Silence < 250*time.Millisecond {
		t.Fatalf("within the grace period: %v (silence %v)", err, busy)
	}
	prev, err := s.AcquireStudy(ctx, "s", b, 100*time.Millisecond)
	if err != nil || prev == nil || prev.ID != "a" {
		t.Fatalf("past the grace period: %v, replaced %+v; want a replaced", err, prev)
	}
	err = s.RenewStudy(ctx, "s", a)
	if !errors.Is(err, results.ErrStudyLeaseLost) || !strings.Contains(err.Error(), "another-host.invalid") {
		t.Fatalf("renew by the replaced holder: %v, want ErrStudyLeaseLost naming the new holder", err)
	}
	if err := s.RenewStudy(ctx, "s", b); err != nil {
		t.Fatalf("renew by the new holder: %v", err)
	}
}

func testLeaseDeadHolderReplaced(t *testing.T, s studyLeaser) {
	ctx := context.Background()
	dead := results.ThisProcess()
	dead.ID, dead.PID = "dead", exitedPID(t)
	if _, err := s.AcquireStudy(ctx, "s", dead, time.Hour); err != nil {
		t.Fatal(err)
	}
	prev, err := s.AcquireStudy(ctx, "s", results.ThisProcess(), time.Hour)
	if err != nil || prev == nil || prev.ID != "dead" {
		t.Fatalf("a dead holder on this host: %v, replaced %+v", err, prev)
	}
	// A live process on this host is not replaced, however long the
	// grace.
	alive := results.ThisProcess()
	alive.ID = "alive"
	if _, err := s.AcquireStudy(ctx, "u", alive, time.Hour); err != nil {
		t.Fatal(err)
	}
	var busy *results.StudyBusyError
	if _, err := s.AcquireStudy(ctx, "u", results.ThisProcess(), time.Hour); !errors.As(err, &busy) {
		t.Fatalf("a live holder on this host replaced: %v", err)
	}
}

// exitedPID is the pid of a process that has exited and been waited for.
func exitedPID(t *testing.T) int {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatalf("start a short process: %v", err)
	}
	return cmd.Process.Pid
}
