package main

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"

	"github.com/hpsearch/hpsearch/study"
)

// failed marks err as work that could not be finished — a store or a file
// that could not be written (a full disk, a read-only or missing
// directory) — so that it exits 1, not 2: 2 says the command line or the
// config is wrong and nothing ran, which a script may not retry. An error
// that already carries a status keeps it.
func failed(err error) error {
	var ee *exitError
	if err == nil || errors.As(err, &ee) || study.KindOf(err) != 0 {
		return err
	}
	return &exitError{code: exitNoSuccess, err: err}
}

// machineFailure reports whether err is the machine failing (disk full,
// quota, an I/O error, a read-only file system, a file too large) rather
// than anything the user typed: whatever path it came by, it exits 1.
func machineFailure(err error) bool {
	for _, errno := range []syscall.Errno{syscall.ENOSPC, syscall.EDQUOT, syscall.EIO, syscall.EROFS, syscall.EFBIG} {
		if errors.Is(err, errno) {
			return true
		}
	}
	return false
}

// checkOutputDir refuses an -o file whose directory does not exist: the
// user named it, so a typo must not make a new directory tree (report,
// plot) or fail only after the work is done.
func checkOutputDir(flag, path string) error {
	dir := filepath.Dir(path)
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return usageErr("%s %s: directory %s does not exist (create it first)", flag, path, dir)
	case err != nil:
		return usageErr("%s %s: %v", flag, path, err)
	case !fi.IsDir():
		return usageErr("%s %s: %s is not a directory", flag, path, dir)
	}
	return nil
}
