//go:build unix

package sqlite

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// --storage naming a FIFO or a device is refused unread: the FIFO used to
// block the run for ever (past SIGTERM), waiting for a writer.
func TestOpenRefusesSpecialFiles(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "hpsearch.db")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	for path, want := range map[string]string{
		fifo:        fifo + " is a named pipe (FIFO), not a regular file",
		"/dev/null": "/dev/null is a character device, not a regular file",
	} {
		if err := openWithin(t, path); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Open(%s) = %v, want %q", path, err, want)
		}
	}
}

// SQLite's files beside the database (-journal, -wal, -shm) that are not
// files are refused by name: a FIFO as the -journal blocked the open.
func TestOpenRefusesSpecialFilesBesideTheDatabase(t *testing.T) {
	for _, suffix := range []string{"-journal", "-wal", "-shm"} {
		path := filepath.Join(t.TempDir(), "hpsearch.db")
		s, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		for _, leftover := range []string{"-journal", "-wal", "-shm"} {
			os.Remove(path + leftover)
		}
		if err := syscall.Mkfifo(path+suffix, 0o600); err != nil {
			t.Skipf("mkfifo: %v", err)
		}
		if want := path + suffix + " is a named pipe (FIFO), not a regular file"; !strings.Contains(fmt.Sprint(openWithin(t, path)), want) {
			t.Errorf("a FIFO as %s: want %q", suffix, want)
		}
	}
}

// openWithin opens path (closing the store it opened) and fails the test
// if that blocks.
func openWithin(t *testing.T, path string) error {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		s, err := Open(path)
		if err == nil {
			s.Close()
		}
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		t.Fatalf("Open(%s) blocked", path)
		return nil
	}
}
