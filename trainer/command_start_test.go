//go:build unix

package trainer

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A program that cannot start fails with the reason said once: the note
// in its stderr file is hpsearch's own, not the program's last words, so
// it is not repeated as a stderr tail after the reason.
func TestCommandNotStartedSaysWhyOnce(t *testing.T) {
	res, dir := runCmd(t, context.Background(), Command{Argv: []string{"./no-such-program-here"}})
	if res.StopReason != StopNotStarted || len(res.Stderr) != 0 {
		t.Fatalf("stop %q, stderr tail %q; want not started with no tail", res.StopReason, res.Stderr)
	}
	note, err := os.ReadFile(filepath.Join(dir, StderrFileName))
	if err != nil || !strings.Contains(string(note), "could not start ./no-such-program-here") {
		t.Errorf("stderr file %q (%v): want the note kept there", note, err)
	}
}

// A script without a "#!" line is refused by the kernel with "exec format
// error", which does not say what to do: the reason does.
func TestCommandScriptWithoutShebangSaysWhatToAdd(t *testing.T) {
	script := filepath.Join(t.TempDir(), "train.sh")
	if err := os.WriteFile(script, []byte("echo val_loss=1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	res, _ := runCmd(t, context.Background(), Command{Argv: []string{script}})
	if res.StopReason != StopNotStarted || !strings.Contains(res.Reason, "exec format error") || !strings.Contains(res.Reason, `needs a "#!" line`) {
		t.Fatalf("stop %q, reason %q; want not started with the #! hint", res.StopReason, res.Reason)
	}
}
