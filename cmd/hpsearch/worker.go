package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/study"
)

type workerFlags struct {
	storage  string
	parallel int
	wait     bool
	shared   study.SharedOptions
}

func newWorkerCmd(stderr io.Writer) *cobra.Command {
	var f workerFlags
	cmd := &cobra.Command{
		Use:   "worker [STUDY…] --storage postgres://…",
		Short: "Run trials of studies shared through PostgreSQL, alongside other machines",
		Long: `Join studies that hpsearch run --storage postgres://… started: claim their
waiting trials, run them, store the results, and propose the next
coarse-to-fine round when a round is done, whoever finished it. Any number
of workers on any machines may join, and leave, at any time.

With STUDY names the worker serves those studies; without, every study not
finished yet. It exits once they are complete (every planned trial
finished), or with --wait keeps looking for new studies until Ctrl-C (and
waits for the database itself if it cannot be reached yet). With --wait a
named study that does not exist yet is waited for (without, it is an
error), and the worker exits once every named study is complete.

Each study is rebuilt here from the config stored with it: data files must
be at the same path on every machine (or synthetic), and HPSEARCH_*
variables must not change the config (use --set on hpsearch run instead).

A worker that stops sending heartbeats for the grace period loses its
trials to the others; they run again with the same parameters and seed,
up to --retries times, then count as failed.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runWorker(cmd.Context(), args, f, stderr)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.storage, "storage", "", "the PostgreSQL database of the studies: postgres://user:pass@host/db (required)")
	fl.IntVar(&f.parallel, "parallel", 0, "trials run at once (0 = number of CPUs)")
	fl.BoolVar(&f.wait, "wait", false, "keep waiting for new studies instead of exiting when there is no work left")
	registerShared(cmd, &f.shared)
	return cmd
}

func runWorker(ctx context.Context, names []string, f workerFlags, stderr io.Writer) error {
	if !sharedScheme(f.storage) {
		return usageErr("worker: --storage must name a PostgreSQL database (postgres://…); SQLite studies run in one process with hpsearch run")
	}
	if f.parallel < 0 {
		return usageErr("--parallel %d: want 0 (number of CPUs) or more", f.parallel)
	}
	for _, name := range names {
		if err := study.CheckName(name); err != nil {
			return err
		}
	}
	store, closeStore, err := openStore(f.storage)
	// A worker started with the machine (--wait) may come up before the
	// database does: it waits for it, as it does when it loses it later.
	for backoff := time.Second; err != nil && f.wait && errors.Is(err, results.ErrUnavailable); backoff = min(2*backoff, 30*time.Second) {
		fmt.Fprintf(stderr, "hpsearch: worker: %v; trying again in %s\n", err, backoff)
		select {
		case <-ctx.Done():
			return &exitError{code: exitInterrupted, err: errors.New("interrupted while waiting for the database")}
		case <-time.After(backoff):
		}
		store, closeStore, err = openStore(f.storage)
	}
	if err != nil {
		return err
	}
	defer closeStore()
	w, err := study.NewWorker(store, study.WorkerOptions{Parallel: f.parallel, Shared: f.shared, Where: redact(f.storage), Log: logTo(stderr)})
	if err != nil {
		return err
	}
	w.Progress = func(t results.Trial, done, total int) {
		// total is 0 until this worker has replayed the study itself (another
		// process proposed its rounds): then only the count is known.
		count := fmt.Sprintf("%d/%d done", done, total)
		if total <= 0 {
			count = fmt.Sprintf("%d done", done)
		}
		w.Logf("study %s trial %d %s %.6g (%.2fs), %s", t.Study, t.Number, t.Status, t.Value.Float(), t.Seconds(), count)
	}
	err = w.Serve(ctx, names, f.wait)
	if ctx.Err() != nil {
		return &exitError{code: exitInterrupted, err: errors.New("interrupted: running trials were given back to the other workers")}
	}
	return failed(err)
}
