package main

import (
	"github.com/spf13/cobra"

	"github.com/hpsearch/hpsearch/study"
)

// registerShared adds the fault-tolerance flags of `run` and `worker` to
// cmd, and checks them before cmd runs, so that nothing is stored with
// settings that cannot work.
func registerShared(cmd *cobra.Command, s *study.SharedOptions) {
	fl := cmd.Flags()
	d := study.DefaultShared
	fl.DurationVar(&s.Heartbeat, "heartbeat", d.Heartbeat, "how often this process tells the others it is alive (run: for its study's lease; PostgreSQL: for its trials)")
	fl.DurationVar(&s.Grace, "grace", d.Grace, "silence after which another process takes over this one's study (run) or trials (PostgreSQL)")
	fl.IntVar(&s.Retries, "retries", d.Retries, "PostgreSQL: runs again of a trial whose worker went silent, before it fails")
	next := cmd.PreRunE
	cmd.PreRunE = func(cmd *cobra.Command, args []string) error {
		if err := s.Check(); err != nil {
			return err
		}
		if next != nil {
			return next(cmd, args)
		}
		return nil
	}
}
