package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"configs/quickstart.yaml": "configs/quickstart.yaml",
		"search.trials=60":        "search.trials=60",
		"model.hidden=[8, 4]":     "'model.hidden=[8, 4]'",
		"it's":                    `'it'\''s'`,
		"":                        "''",
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}

// TestResumeHintResumes interrupts a sweep started with --set overrides
// and an output directory that needs quoting (a study name never does:
// configs.CheckStudyName), then runs the command it printed,
// as a shell would, and checks that it resumes the study.
func TestResumeHintResumes(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real processes; skipped with -short")
	}
	bin := binary(t)
	dir := filepath.Join(t.TempDir(), "it's a dir")
	if err := os.Mkdir(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	study := "a-study"
	cmd := exec.Command(bin, "run", filepath.Join("..", "..", "configs", "quickstart.yaml"), "--study", study,
		"--storage", "sqlite://"+filepath.Join(dir, "hpsearch.db"), "--parallel", "1",
		"--set", "output.dir="+dir, "--set", "search.trials=12", "--set", "trainer.max_iterations=3000",
		"--set", "trainer.patience=0", "--set", "data.synthetic.samples=5000")
	var errBuf bytes.Buffer
	cmd.Stderr = &errBuf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for finishedTrials(t, filepath.Join(dir, "hpsearch.db"), study) < 3 {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("the sweep never got to 3 trials\n%s", errBuf.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err == nil || cmd.ProcessState.ExitCode() != exitInterrupted {
		t.Fatalf("after SIGINT: %v, want exit status 130\n%s", err, errBuf.String())
	}
	_, hint, ok := strings.Cut(errBuf.String(), "continue with: ")
	if !ok {
		t.Fatalf("no resume hint:\n%s", errBuf.String())
	}
	hint = strings.TrimSpace(strings.SplitN(hint, "\n", 2)[0])
	for _, want := range []string{"--set trainer.max_iterations=3000", "--storage", "--study a-study", `'\''s a dir`, "--resume"} {
		if !strings.Contains(hint, want) {
			t.Errorf("the hint lacks %s: %s", want, hint)
		}
	}
	sh := exec.Command("sh", "-c", hint)
	sh.Env = append(os.Environ(), "PATH="+filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH"))
	out, err := sh.CombinedOutput()
	if err != nil {
		t.Fatalf("the printed command failed: %v\n%s\n%s", err, hint, out)
	}
	if !strings.Contains(string(out), "already finished)") || strings.Contains(string(out), "(0 already finished)") {
		t.Errorf("the printed command did not resume the study:\n%s", out)
	}
}
