package trainer

// Reading a job's output as it grows, so the metric reader sees each
// epoch's line while the job still runs and early stopping can act.

import (
	"bytes"
	"errors"
	"io"
	"os"
)

// readOutput hands the lines the job printed since the last read to the
// metric reader.
func (sr *slurmRun) readOutput() error {
	f, err := os.Open(sr.stdout)
	if errors.Is(err, os.ErrNotExist) {
		return nil // not yet written by the job
	}
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := f.Seek(sr.out, io.SeekStart); err != nil {
		return err
	}
	buf := make([]byte, 64<<10)
	for {
		n, err := f.Read(buf)
		sr.out += int64(n)
		sr.feed(buf[:n])
		if err == io.EOF || n == 0 {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// feed splits output into lines for the reader; a last line without its
// newline waits for the rest.
func (sr *slurmRun) feed(b []byte) {
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			sr.partial = append(sr.partial, b...)
			if len(sr.partial) > 1<<20 {
				sr.partial = sr.partial[:0] // an overlong line is no metric line
			}
			return
		}
		line := b[:i+1]
		if len(sr.partial) > 0 {
			line = append(sr.partial, line...)
			sr.partial = sr.partial[:0]
		}
		b = b[i+1:]
		sr.delivered++
		if sr.delivered <= sr.skip {
			continue // read already, from the job this one replaces
		}
		if sr.reader.line(line) {
			sr.stopReq = true
		}
	}
}

// tailOfFile is the last n lines of a file (its last tailWindow bytes).
func tailOfFile(path string, n int) []string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var t tailBuffer
	if fi, err := f.Stat(); err == nil && fi.Size() > tailWindow {
		f.Seek(fi.Size()-tailWindow, io.SeekStart)
		t.dropped = true
	}
	io.Copy(&t, f)
	return t.lines(n)
}
