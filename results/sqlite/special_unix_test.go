//go:build unix

package sqlite

import (
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
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("Open(%s) = %v, want %q", path, err, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("Open(%s) blocked", path)
		}
	}
}
