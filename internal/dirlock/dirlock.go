// Package dirlock holds advisory locks (flock) on directories and files
// hpsearch writes, where the system has them: a lock ends with the process
// that holds it, however it ends, so a killed run leaves none behind.
// Where there is no flock (Windows, or a file system that refuses it), the
// functions report that they could not lock and callers go on as before.
package dirlock

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// ClaimFileName is the file in a claimed directory that names its owner.
const ClaimFileName = ".hpsearch-owner"

// HeldError refuses a claim: the directory is claimed by another owner
// whose process still runs.
type HeldError struct {
	Dir string
	PID int // the holder's process, 0 when its file did not say
}

func (e *HeldError) Error() string {
	return fmt.Sprintf("%s is in use by another hpsearch process (%d)", e.Dir, e.PID)
}

// Claim claims dir (which it creates where it can) for owner for as long
// as release is not called and the process lives: claims of one owner
// share the directory, and a claim of another owner is refused with a
// *HeldError while one of them is held. Where locks cannot be had, every
// claim succeeds.
//
// How: the owner is written to ClaimFileName, on which every claimant
// holds a shared lock; whoever gets it exclusively (none holds it) may
// rewrite it. The test and the write happen under an exclusive lock on the
// directory itself, so two claimants never both find it free.
func Claim(dir, owner string) (release func(), err error) {
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return func() {}, nil // the writes that need it say why, as without a claim
	}
	unlock, ok := Lock(dir)
	if !ok {
		return func() {}, nil
	}
	defer unlock()
	f, err := openRegular(filepath.Join(dir, ClaimFileName))
	if err != nil {
		// An unwritable directory fails later, where the files are
		// written; something other than a file in the claim's place
		// (a directory, a FIFO) is left alone rather than waited on.
		return func() {}, nil
	}
	owner = strings.Join(strings.Fields(owner), "_")
	switch err := tryExclusive(f); {
	case err == nil:
		line := fmt.Sprintf("%s %d\n", owner, os.Getpid())
		if err := f.Truncate(0); err == nil {
			_, _ = f.WriteAt([]byte(line), 0)
		}
		if err := share(f); err != nil {
			f.Close()
			return func() {}, nil
		}
	case errors.Is(err, errHeld):
		b := make([]byte, 512)
		k, _ := f.ReadAt(b, 0)
		fields := strings.Fields(string(b[:k]))
		if len(fields) == 0 || fields[0] != owner {
			f.Close()
			pid := 0
			if len(fields) > 1 {
				pid, _ = strconv.Atoi(fields[1])
			}
			return nil, &HeldError{Dir: dir, PID: pid}
		}
		if err := share(f); err != nil {
			f.Close()
			return func() {}, nil
		}
	default:
		f.Close()
		return func() {}, nil
	}
	return func() {
		// The last claimant takes its file away; under the directory's
		// lock, so that no claimant opens it in between.
		if unlock, ok := Lock(dir); ok {
			if tryExclusive(f) == nil {
				os.Remove(f.Name())
			}
			defer unlock()
		}
		f.Close() // closing the descriptor lets the lock go
	}, nil
}

var errHeld = errors.New("held by another process")

// openRegular opens (creating) the regular file at path for reading and
// writing, without blocking on a FIFO in its place.
func openRegular(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|syscall.O_NONBLOCK, 0o666)
	if err != nil {
		return nil, err
	}
	if info, err := f.Stat(); err != nil || !info.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	return f, nil
}
