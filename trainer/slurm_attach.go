package trainer

// Re-attaching to a job: a run that died between sbatch and storing the
// job's id finds the job again by its comment, rather than submitting a
// second one for the same trial.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
)

// dirTag names a trial's directory in its jobs' comments (a hash: the
// path may hold anything), so that a job submitted for it is found again
// even when its id was never stored.
func dirTag(dir string) string {
	h := sha256.Sum256([]byte(dir))
	return hex.EncodeToString(h[:8])
}

// findJob finds the newest job squeue lists whose comment is comment, or
// with prefix starts with it, if squeue answers.
func (s *Slurm) findJob(comment string, prefix bool) (string, bool) {
	out, err := s.run(context.Background(), nil, "squeue", "--noheader", "--format=%i %k",
		"--states=PENDING,CONFIGURING,RUNNING,COMPLETING,SUSPENDED")
	if err != nil {
		return "", false
	}
	best, newest := "", uint64(0)
	for line := range strings.Lines(out) {
		id, k, _ := strings.Cut(strings.TrimSpace(line), " ")
		n, err := strconv.ParseUint(id, 10, 64)
		if err != nil || !(k == comment || prefix && strings.HasPrefix(k, comment)) {
			continue
		}
		if best == "" || n > newest {
			best, newest = id, n
		}
	}
	return best, best != ""
}
