//go:build unix

package trainer

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// runIn runs a small shell program as trial 0 in trials/0 under root; the
// trial's {params_file} is named, so params.json is written too.
func runIn(t *testing.T, root string) (CommandResult, error) {
	t.Helper()
	c := Command{Argv: []string{"/bin/sh", "-c", `echo val_loss=1; echo note >&2`, "sh", "{params_file}"}}
	return c.Run(context.Background(), CommandRun{Study: "s", Trial: 0, Seed: 1, Dir: filepath.Join(root, "trials", "0"),
		Params: []CommandParam{{Name: "lr", Value: 0.1}}})
}

// A link, FIFO or hard link planted at a trial's file (runs/ is often
// shared) is never written through: the trial fails naming it, and the
// file it points to is untouched.
func TestTrialFilesAreNeverWrittenThroughALink(t *testing.T) {
	for _, name := range []string{StdoutFileName, StderrFileName, ParamsFileName} {
		for _, kind := range []string{"symlink", "hardlink", "fifo"} {
			t.Run(name+"/"+kind, func(t *testing.T) {
				root := t.TempDir()
				dir := filepath.Join(root, "trials", "0")
				if err := os.MkdirAll(dir, 0o777); err != nil {
					t.Fatal(err)
				}
				victim := filepath.Join(root, "victim")
				if err := os.WriteFile(victim, []byte("precious\n"), 0o600); err != nil {
					t.Fatal(err)
				}
				planted := filepath.Join(dir, name)
				var err error
				switch kind {
				case "symlink":
					err = os.Symlink(victim, planted)
				case "hardlink":
					err = os.Link(victim, planted)
				case "fifo":
					err = syscall.Mkfifo(planted, 0o600)
				}
				if err != nil {
					t.Fatal(err)
				}
				_, err = runIn(t, root)
				if err == nil || !strings.Contains(err.Error(), planted) {
					t.Errorf("Run = %v, want the trial refused naming %s", err, planted)
				}
				if b, _ := os.ReadFile(victim); string(b) != "precious\n" {
					t.Errorf("the file behind the %s holds %q now", kind, b)
				}
			})
		}
	}
}

// A trial directory planted as a link inside trials/ is refused; the
// study's own directory may be a link (the user's, to another disk).
func TestTrialDirectoryMustNotBeALink(t *testing.T) {
	root := t.TempDir()
	elsewhere := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "trials"), 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(elsewhere, filepath.Join(root, "trials", "0")); err != nil {
		t.Fatal(err)
	}
	if _, err := runIn(t, root); err == nil || !strings.Contains(err.Error(), "is a symbolic link") {
		t.Errorf("Run = %v, want the linked trial directory refused", err)
	}
	if entries, _ := os.ReadDir(elsewhere); len(entries) != 0 {
		t.Errorf("%d files written behind the link", len(entries))
	}

	study := filepath.Join(t.TempDir(), "study")
	if err := os.Symlink(elsewhere, study); err != nil {
		t.Fatal(err)
	}
	if res, err := runIn(t, study); err != nil || res.Outcome != CommandOK {
		t.Errorf("a linked study directory: %v %v, want the trial run", res.Outcome, err)
	}
}

// A trial's files follow the umask (0666 asked), like every other output:
// a group that shares runs/ reads them as it reads best.yaml. A trial run
// again (on --resume) replaces what the last run left.
func TestTrialFilesFollowTheUmask(t *testing.T) {
	old := syscall.Umask(0o002)
	defer syscall.Umask(old)
	root := t.TempDir()
	dir := filepath.Join(root, "trials", "0")
	if err := os.MkdirAll(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, StdoutFileName), []byte(strings.Repeat("old output\n", 100)), 0o666); err != nil {
		t.Fatal(err)
	}
	if res, err := runIn(t, root); err != nil || res.Outcome != CommandOK {
		t.Fatalf("Run: %v %v", res.Outcome, err)
	}
	for _, name := range []string{StdoutFileName, StderrFileName, ParamsFileName} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != 0o664 {
			t.Errorf("%s: mode %o, want 0664 (0666 under umask 002)", name, got)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(dir, StdoutFileName)); string(b) != "val_loss=1\n" {
		t.Errorf("stdout after a second run = %q, want only the new output", b)
	}
}
