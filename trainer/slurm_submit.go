package trainer

// A trial's job on the cluster: the job script and argv file written in
// the trial's directory, and the sbatch call, made so that a job is never
// submitted twice nor lost when sbatch stops answering.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// slurmJobScript is the job script: the setup lines, then the program
// with the argv read from the file given as $1, never through a shell's
// parsing; its exit status goes to the file given as $2 (written whole,
// then renamed), so that a job's end is known after slurmctld has
// forgotten it on a cluster without accounting.
func slurmJobScript(setup []string) []byte {
	var b bytes.Buffer
	b.WriteString("#!/bin/bash\n# Written by hpsearch: one trial. The program's argv is read from the file\n# given as $1 (NUL-separated); no parameter value is ever parsed by a shell.\n")
	if len(setup) > 0 {
		b.WriteString("set -e\n# trainer.launcher.setup:\n")
		for _, line := range setup {
			b.WriteString(line)
			b.WriteByte('\n')
		}
		b.WriteString("set +e\n")
	}
	b.WriteString(`mapfile -d '' -t hpsearch_argv < "$1"
"${hpsearch_argv[@]}"
hpsearch_status=$?
printf '%d\n' "$hpsearch_status" > "$2.tmp" && mv -f "$2.tmp" "$2"
exit "$hpsearch_status"
`)
	return b.Bytes()
}

// submit writes the job script and the argv into the trial's directory
// and submits the job; it returns the job's id once OnJob has kept it.
func (sr *slurmRun) submit() (string, error) {
	s, r := sr.s, sr.r
	tag := "hpsearch:" + dirTag(r.Dir) + ":"
	if _, err := os.Lstat(filepath.Join(r.Dir, SlurmScriptFileName)); err == nil {
		// An earlier run submitted this trial and may have died before it
		// stored the job's id: a job of this directory still queued or
		// running is followed, not submitted again.
		if job, ok := s.findJob(tag, true); ok {
			return job, sr.record(job)
		}
	}
	var argv bytes.Buffer
	for _, a := range sr.argv {
		if strings.IndexByte(a, 0) >= 0 {
			return "", fmt.Errorf("argument %q holds a NUL byte, which no program can receive", a)
		}
		argv.WriteString(a)
		argv.WriteByte(0)
	}
	script, argvFile, exitFile := filepath.Join(r.Dir, SlurmScriptFileName), filepath.Join(r.Dir, SlurmArgvFileName), filepath.Join(r.Dir, SlurmExitFileName)
	for _, f := range []struct {
		path string
		data []byte
	}{{script, slurmJobScript(s.Setup)}, {argvFile, argv.Bytes()}, {sr.stdout, nil}, {filepath.Join(r.Dir, StderrFileName), nil}} {
		if err := writeTrialFile(f.path, f.data); err != nil {
			return "", err
		}
	}
	if err := os.Remove(exitFile); err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("remove an earlier run's exit status: %w", err)
	}
	var tok [8]byte
	_, _ = rand.Read(tok[:]) // never fails
	comment := tag + hex.EncodeToString(tok[:])
	args := []string{"--parsable", "--job-name=" + JobName(r.Study, r.Trial), "--comment=" + comment,
		"--output=" + sr.stdout, "--error=" + filepath.Join(r.Dir, StderrFileName), "--open-mode=append",
		"--export=ALL", "--no-requeue"}
	args = append(args, s.options(sr.c.Workdir)...)
	args = append(args, script, argvFile, exitFile)
	// Not cancelled with the trial: an sbatch stopped half-way may have
	// submitted the job all the same, and then nobody would know its id.
	out, err := s.run(context.Background(), sr.c.environ(r), "sbatch", args...)
	var serr *SlurmError
	if errors.As(err, &serr) && serr.Timeout > 0 {
		// It may have submitted the job before it stopped answering: the
		// job's comment is this submission's alone.
		job, found := s.findJob(comment, false)
		if !found {
			return "", fmt.Errorf("%w; if it submitted the job anyway, squeue --name=%s shows it", err, JobName(r.Study, r.Trial))
		}
		out, err = job, nil
	}
	if err != nil {
		return "", fmt.Errorf("sbatch refused the job: %w", err)
	}
	job, _, _ := strings.Cut(strings.TrimSpace(out), ";") // "id;cluster" on a federation
	if _, convErr := strconv.ParseUint(job, 10, 64); convErr != nil {
		return "", fmt.Errorf("sbatch answered %q, not a job id", strings.TrimSpace(out))
	}
	return job, sr.record(job)
}

// record tells OnJob the trial's job; a job that cannot be recorded is
// cancelled, since nobody could find it again.
func (sr *slurmRun) record(job string) error {
	if sr.c.OnJob == nil {
		return nil
	}
	if err := sr.c.OnJob(job); err != nil {
		_, _ = sr.s.run(context.Background(), nil, "scancel", job)
		return fmt.Errorf("Slurm job %s could not be recorded, so it was cancelled: %w", job, err)
	}
	return nil
}
