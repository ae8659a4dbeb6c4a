package study

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hpsearch/hpsearch/configs"
	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/trainer"
)

// slurmLauncher is the Slurm launcher a config's trainer.launcher asks
// for; nil for kind local.
func slurmLauncher(l configs.Launcher) *trainer.Slurm {
	if l.Kind != configs.LauncherSlurm {
		return nil
	}
	return &trainer.Slurm{Partition: l.Partition, Time: l.Time, Gres: l.Gres, CPUsPerTask: l.CPUsPerTask,
		Mem: l.Mem, Account: l.Account, SbatchArgs: l.SbatchArgs, Setup: l.Setup, Retries: l.Retries}
}

// batchJobs keeps a study's batch jobs in its store as the launcher
// submits them, and hands each trial the job an earlier run of the study
// left it, to re-attach to.
type batchJobs struct {
	store results.JobRecorder
	study string

	mu     sync.Mutex
	attach map[int]string // trial number → job, taken once
}

// take returns the job trial n re-attaches to, once; "" for none.
func (b *batchJobs) take(n int) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	job := b.attach[n]
	delete(b.attach, n)
	return job
}

// hooks are trial n's OnJob and OnJobClosed. Storing is not cancelled
// with the trial: a job submitted while Ctrl-C stops the study is still
// one to find again, or to close.
func (b *batchJobs) hooks(ctx context.Context, n int) (func(string) error, func(string)) {
	ctx = context.WithoutCancel(ctx)
	onJob := func(job string) error {
		return b.store.AddTrialJob(ctx, b.study, n, job, time.Now())
	}
	onClosed := func(job string) {
		// A job left open is re-attached to by a resume, and then found
		// cancelled: the trial fails rather than runs again. Nothing
		// better can be done when the store refuses.
		_ = b.store.CloseTrialJob(ctx, b.study, n, job)
	}
	return onJob, onClosed
}

// checkLauncher refuses, before anything is stored, a study whose trials
// cannot run as Slurm jobs: in a study shared through PostgreSQL, in a
// store that cannot keep job ids, or with options the cluster refuses
// (sbatch --test-only: a partition that does not exist, a gres it does
// not have). A study whose trials run here needs nothing.
func (s *Study) checkLauncher(ctx context.Context, store results.Store) error {
	if s.Command == nil || s.Command.cmd.Launcher == nil {
		return nil
	}
	if _, shared := store.(sharedQueue); shared {
		return usageErr("%s: trainer.launcher kind slurm runs a study's trials from one `hpsearch run` with SQLite storage; "+
			"to share a study through PostgreSQL, run `hpsearch worker` processes as Slurm jobs instead (README: Clusters)", s.Config.File)
	}
	if _, ok := store.(results.JobRecorder); !ok {
		return usageErr("%s: trainer.launcher kind slurm needs a store that keeps its trials' job ids (SQLite, PostgreSQL or memory), not %T", s.Config.File, store)
	}
	if slurm, ok := s.Command.cmd.Launcher.(*trainer.Slurm); ok {
		if err := slurm.CheckSlurm(ctx, s.Command.cmd.Workdir); err != nil {
			return usageErr("%s: trainer.launcher: %v", s.Config.File, err)
		}
	}
	return nil
}

// attachJobs readies the keeping of the study's job ids, and hands the
// trials an earlier run left unfinished their jobs, to re-attach to
// rather than submit again.
func (s *Study) attachJobs(ctx context.Context, store results.Store, st *started, o *RunOptions) error {
	if s.Command == nil || s.Command.cmd.Launcher == nil {
		return nil
	}
	jr := store.(results.JobRecorder) // checkLauncher made sure
	jobs, err := jr.TrialJobs(ctx, s.Name)
	if err != nil {
		return failed(err)
	}
	attach := results.OpenJobs(jobs)
	for n := range attach {
		if _, done := st.finished[n]; done {
			delete(attach, n)
		}
	}
	if len(attach) > 0 {
		o.log(fmt.Sprintf("study %s: re-attaching to the Slurm jobs of %d trials an earlier run left: %s", s.Name, len(attach), jobList(attach)))
	}
	s.Command.jobs = &batchJobs{store: jr, study: s.Name, attach: attach}
	return nil
}

// jobList is "trial 3 (job 41), trial 5 (job 43)", in trial order.
func jobList(jobs map[int]string) string {
	ns := make([]int, 0, len(jobs))
	for n := range jobs {
		ns = append(ns, n)
	}
	slices.Sort(ns)
	parts := make([]string, len(ns))
	for i, n := range ns {
		parts[i] = fmt.Sprintf("trial %d (job %s)", n, jobs[n])
	}
	return strings.Join(parts, ", ")
}
