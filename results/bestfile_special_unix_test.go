//go:build unix

package results

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hpsearch/hpsearch/internal/regular"
)

// hpsearch eval --params FILE: a best-settings file that is not a regular
// file is refused before it is read (/dev/zero read until memory ran out,
// a FIFO waited for a writer for ever), and so is one too large to be one.
func TestLoadBestYAMLSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "best.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	for _, path := range []string{"/dev/zero", fifo, dir} {
		if _, err := os.Stat(path); err != nil {
			continue
		}
		done := make(chan error, 1)
		go func() { _, err := LoadBestYAML(path); done <- err }()
		select {
		case err := <-done:
			var nr *regular.NotRegularError
			if !errors.As(err, &nr) {
				t.Errorf("LoadBestYAML(%s) = %v, want a NotRegularError", path, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("LoadBestYAML(%s) blocked", path)
		}
	}
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, make([]byte, MaxBestFileBytes+1), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadBestYAML(big); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("LoadBestYAML of %d bytes = %v, want it refused as too large", MaxBestFileBytes+1, err)
	}
}
