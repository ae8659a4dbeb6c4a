package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/study"
)

// trialStopper is a store through which a running trial can be stopped.
type trialStopper interface {
	RequestStop(ctx context.Context, study string, number int) error
}

func newStopCmd(stdout io.Writer) *cobra.Command {
	var storage string
	cmd := &cobra.Command{
		Use:   "stop STUDY TRIAL",
		Short: "Stop a running trial at its next iteration, keeping its value (stop reason user)",
		Long: `Stop a running trial: the lecture's first stopping criterion, "stop when
the person judges it done" (watch its curve with hpsearch serve). The request
travels through --storage, so it reaches the trial wherever it runs — this
machine's sweep or a worker elsewhere — within about a second. A built-in
trial ends at its next iteration, a command trial's program gets SIGTERM;
the trial is finished ok, with the value it had reached and stop reason user,
and the sweep goes on with its next trials.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			if err := study.CheckName(name); err != nil {
				return usageErr("%v", err)
			}
			number, err := strconv.Atoi(args[1])
			if err != nil || number < 0 {
				return usageErr("trial %q: want a trial number, 0 or more (hpsearch show %s lists them)", args[1], name)
			}
			return withStore(cmd.Context(), storage, func(store results.Store) error {
				s, ok := store.(trialStopper)
				if !ok {
					return usageErr("storage %s cannot stop trials", redact(storage))
				}
				err := s.RequestStop(cmd.Context(), name, number)
				if errors.Is(err, results.ErrNotRunning) {
					// An unknown study says so, with the studies there are.
					if _, _, serr := loadStudy(cmd.Context(), store, storage, name); serr != nil {
						return serr
					}
					return usageErr("%v (hpsearch show %s lists its trials)", err, name)
				}
				if err != nil {
					return failed(err)
				}
				_, err = fmt.Fprintf(stdout, "trial %d of %s: stop requested; it ends within about a second, with stop reason user\n", number, name)
				return err
			})
		},
	}
	storageFlag(cmd, &storage)
	return cmd
}
