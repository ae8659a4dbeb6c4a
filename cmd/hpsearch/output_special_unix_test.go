//go:build unix

package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// -o naming a device or a FIFO writes into it, not a file in its place:
// run as root, report -o /dev/null replaced /dev/null with a regular file.
// A FIFO that nothing reads is refused rather than waited on, and a
// directory is named as one.
func TestWriteFileIntoSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(w io.Writer) error { _, err := io.WriteString(w, "report\n"); return err }

	if os.Geteuid() == 0 {
		null := filepath.Join(dir, "null")
		if err := syscall.Mknod(null, syscall.S_IFCHR|0o666, int(1<<8|3)); err != nil {
			t.Fatalf("mknod: %v", err)
		}
		if err := writeFile(null, write); err != nil {
			t.Fatalf("-o a null device: %v", err)
		}
		if st, err := os.Stat(null); err != nil || st.Mode()&os.ModeCharDevice == 0 {
			t.Fatalf("-o a null device: it is now %v (%v), want the device still", st.Mode(), err)
		}
	}

	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- writeFile(fifo, write) }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "named pipe (FIFO) that nothing reads") {
			t.Fatalf("-o a FIFO nothing reads: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("-o a FIFO nothing reads: it waits")
	}
	// A reader holds the FIFO open; what is written waits in the pipe.
	r, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := writeFile(fifo, write); err != nil {
		t.Fatalf("-o a FIFO read by another: %v", err)
	}
	if got, err := io.ReadAll(r); err != nil || string(got) != "report\n" {
		t.Fatalf("the FIFO's reader got %q, %v", got, err)
	}
	if st, err := os.Lstat(fifo); err != nil || st.Mode()&os.ModeNamedPipe == 0 {
		t.Fatalf("-o a FIFO: it is now %v (%v)", st.Mode(), err)
	}

	if err := writeFile(dir, write); err == nil || !strings.Contains(err.Error(), "it is a directory") {
		t.Fatalf("-o a directory: %v", err)
	}
}
