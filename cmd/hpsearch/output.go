package main

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/hpsearch/hpsearch/results"
)

// writeFile writes through a temporary file and a rename, so a crash never
// leaves a half-written best.yaml for production training to pick up.
// The file's mode follows the umask, like any file the user creates.
func writeFile(path string, write func(io.Writer) error) error {
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() {
		return writeSpecial(path, st, write)
	}
	tmp, err := createTemp(path)
	if err != nil {
		return failed(fmt.Errorf("write %s: %w", path, err))
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return failed(fmt.Errorf("write %s: %w", path, err))
	}
	if err := tmp.Close(); err != nil {
		return failed(fmt.Errorf("write %s: %w", path, err))
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return failed(fmt.Errorf("write %s: %w", path, err))
	}
	return nil
}

// writeSpecial writes into path as it is when it is not a regular file:
// a device (-o /dev/null, -o /dev/stdout) or a FIFO a reader waits on. The
// rename that replaces a regular file would put a file in its place (run
// as root, -o /dev/null replaced /dev/null). A FIFO nobody reads is
// refused rather than waited on.
func writeSpecial(path string, st fs.FileInfo, write func(io.Writer) error) error {
	if st.IsDir() {
		return failed(fmt.Errorf("write %s: it is a directory", path))
	}
	f, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0)
	if errors.Is(err, syscall.ENXIO) {
		return failed(fmt.Errorf("write %s: it is a named pipe (FIFO) that nothing reads", path))
	}
	if err != nil {
		return failed(fmt.Errorf("write %s: %w", path, err))
	}
	err = write(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return failed(fmt.Errorf("write %s: %w", path, err))
	}
	return nil
}

// createTemp creates a new, empty file beside path. os.CreateTemp asks for
// mode 0600, which the rename would carry over to best.yaml and every
// other output: here 0666 is asked and the kernel applies the umask, as
// for any file a program creates. (Reading the umask to chmod afterwards
// would mean changing it, process-wide, in a multi-threaded program.)
func createTemp(path string) (*os.File, error) {
	dir, base := filepath.Split(path)
	for range 100 {
		name := filepath.Join(dir, ".tmp-"+base+"-"+rand.Text())
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
		if errors.Is(err, fs.ErrExist) {
			continue // 130 random bits taken: only a leftover of this very name
		}
		return f, err
	}
	return nil, fmt.Errorf("no free temporary name in %s", dir)
}

// trialOutput says where a trial's whole output is kept, "" when nowhere
// (study.TrialOutputs).
type trialOutput func(results.Trial) string
