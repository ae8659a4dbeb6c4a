package trainer

import "context"

// Launcher runs a command trial's program somewhere other than as a child
// of hpsearch: Command runs it here when its Launcher is nil, and through
// the launcher otherwise (Slurm). A launcher feeds every line the program
// prints on stdout to the reader, stops the program when the reader asks
// (pruned, diverged), when ctx ends or when Command.Timeout passes, and
// says how it ended; the Command turns that into the trial's result as for
// a program run here.
type Launcher interface {
	launch(ctx context.Context, c *Command, r CommandRun, argv []string, reader *metricReader) ended
}

// schedEnd is how a batch job ended when the scheduler, not the program,
// decides the trial's outcome (a time limit, a node that failed, a job
// cancelled from outside), or what the program's exit status was.
type schedEnd struct {
	exit   int    // the program's exit status; -1 when unknown (killed, never run)
	stop   string // the trial's stop reason: "exit 3", "timeout", "slurm TIMEOUT", …
	reason string // one line for a person; "" when the program's own end decides (exit 0)
}
