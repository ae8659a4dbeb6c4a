//go:build unix

package trainer

import (
	"errors"
	"os"
	"syscall"
)

// openNoFollow: O_NOFOLLOW refuses a symbolic link at the last component;
// O_NONBLOCK keeps a FIFO planted at the name from blocking the open until
// someone reads it (ownFile then refuses it).
const openNoFollow = syscall.O_NOFOLLOW | syscall.O_NONBLOCK

// ownFile says why f, just opened, is not a trial's own file: not a plain
// file, or a hard link to a file elsewhere.
func ownFile(_ string, f *os.File) error {
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return errors.New("is not a plain file")
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Nlink > 1 {
		return errors.New("has other hard links")
	}
	return nil
}
