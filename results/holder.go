package results

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"time"
)

// Holder is the process that runs a study: one at a time, so that no trial
// runs twice at once and no two processes write one study's files. It
// holds the study's lease in the store, and keeps it alive with heartbeats
// until it releases it; a holder that died (kill -9, a reboot) is replaced
// once its heartbeats stop, or at once on its own host when its process is
// gone.
type Holder struct {
	// ID tells this process apart from every other, a process that reuses
	// its pid included: only the holder with the same ID renews or
	// releases the lease.
	ID   string
	Host string
	PID  int
	// Started and Heartbeat are the store's: when the holder took the
	// lease and when it last said it was alive, by the store's clock.
	Started, Heartbeat time.Time
}

// ThisProcess is the holder that this process presents to a store.
func ThisProcess() Holder {
	host, err := os.Hostname()
	if err != nil {
		host = "" // never the same host as anyone's: the heartbeats decide
	}
	var b [8]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand panics rather than return an error)
	return Holder{ID: hex.EncodeToString(b[:]), Host: host, PID: os.Getpid()}
}

// Dead reports whether the holder's process certainly no longer runs: it
// ran on this host and no process has its pid any more. False when that
// cannot be known (another host, or a system without the check): then only
// its silence tells.
func (h Holder) Dead() bool {
	host, err := os.Hostname()
	if err != nil || host == "" || h.Host != host || h.PID <= 0 {
		return false
	}
	return processGone(h.PID)
}

// Replaceable reports whether a lease held by h may be taken over by
// another process: its holder is dead, or has been silent for longer than
// grace (silence measured by the store's clock).
func (h Holder) Replaceable(silence, grace time.Duration) bool {
	return silence > grace || h.Dead()
}

// StudyBusyError is the error of taking the lease of a study that another
// live process holds.
type StudyBusyError struct {
	Study  string
	Holder Holder
	// Silence is how long ago the holder's last heartbeat was, by the
	// store's clock.
	Silence time.Duration
}

func (e *StudyBusyError) Error() string {
	return fmt.Sprintf("study %s is being run by process %d on host %s since %s (last heartbeat %s ago)",
		e.Study, e.Holder.PID, e.Holder.Host, e.Holder.Started.Local().Format("2006-01-02 15:04:05"),
		e.Silence.Round(100*time.Millisecond))
}

// ErrStudyLeaseLost is wrapped by the error of renewing a study's lease
// that another process has taken over: this process went silent for
// longer than the grace period, and must stop writing the study.
var ErrStudyLeaseLost = errors.New("the study's lease was taken over by another process")

// StudyLeaseLost is the error of renewing study's lease once another
// process holds it: by, when the store could tell who (nil when the lease
// was released instead).
func StudyLeaseLost(study string, by *Holder) error {
	if by == nil {
		return fmt.Errorf("study %s: %w", study, ErrStudyLeaseLost)
	}
	return fmt.Errorf("study %s: %w (process %d on host %s, since %s)", study, ErrStudyLeaseLost,
		by.PID, by.Host, by.Started.Local().Format("2006-01-02 15:04:05"))
}
