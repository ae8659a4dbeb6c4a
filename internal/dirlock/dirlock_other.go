//go:build !unix

package dirlock

import (
	"errors"
	"os"
)

// Lock has no lock to take here.
func Lock(string) (func(), bool) { return nil, false }

var errNoLocks = errors.New("no file locks here")

func tryExclusive(*os.File) error { return errNoLocks }

func share(*os.File) error { return errNoLocks }
