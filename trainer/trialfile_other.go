//go:build !unix

package trainer

import (
	"errors"
	"os"
)

// openNoFollow is unknown here: ownFile looks at the name instead, which
// leaves a race that O_NOFOLLOW closes on unix.
const openNoFollow = 0

func ownFile(path string, f *os.File) error {
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&os.ModeSymlink != 0 {
		return errors.New("is a symbolic link")
	}
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return errors.New("is not a plain file")
	}
	return nil
}
