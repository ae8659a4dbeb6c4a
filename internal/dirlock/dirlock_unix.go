//go:build unix

package dirlock

import (
	"errors"
	"os"
	"syscall"
)

// Lock takes an exclusive lock on the directory dir, waiting for another
// holder to let go; ok is false where it cannot be had.
func Lock(dir string) (unlock func(), ok bool) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, false
	}
	if err := flock(f, syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, false
	}
	return func() { f.Close() }, true // closing the last descriptor lets the lock go
}

func tryExclusive(f *os.File) error {
	err := flock(f, syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return errHeld
	}
	return err
}

func share(f *os.File) error { return flock(f, syscall.LOCK_SH) }

func flock(f *os.File, how int) error {
	for {
		err := syscall.Flock(int(f.Fd()), how)
		if err != syscall.EINTR {
			return err
		}
	}
}
