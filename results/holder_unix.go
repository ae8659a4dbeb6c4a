//go:build unix

package results

import (
	"errors"
	"syscall"
)

// processGone reports whether no process has pid: signal 0 checks without
// sending anything. EPERM means the process exists under another user.
func processGone(pid int) bool {
	return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}
