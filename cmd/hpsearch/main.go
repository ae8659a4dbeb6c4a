// Command hpsearch runs hyperparameter sweeps of gradient-descent training
// from a YAML config: concurrent trials, coarse-to-fine narrowing, ranked
// tables and the best settings exported as YAML.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/hpsearch/hpsearch/configs"
	"github.com/hpsearch/hpsearch/study"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "0.1.0-dev"

// Exit statuses (contract), also of study's errors by their Kind: 0
// success; 1 the sweep ran but no trial
// succeeded, or the work could not be finished (a store or file that could
// not be written: a full disk, a read-only directory); 2 bad usage or bad
// config; 130 interrupted; 141 (exitBrokenPipe) stdout's reader went away,
// after the files were written.
const (
	exitOK          = 0
	exitNoSuccess   = 1
	exitUsage       = 2
	exitInterrupted = 130
)

// exitError carries an exit status up to main with the message to print.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageErr(format string, a ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, a...)}
}

func main() {
	catchSIGPIPE()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	stdout := &stdoutWriter{f: os.Stdout}
	code := run(ctx, os.Args[1:], stdout, os.Stderr)
	stop()
	if stdout.gone.Load() {
		code = exitBrokenPipe
	}
	os.Exit(code)
}

// run is the whole program minus the process: tests call it directly.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) (code int) {
	defer reportPanic(stderr, &code)
	root := newRoot(stdout, stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	if errors.Is(err, errStdoutGone) {
		return exitBrokenPipe // no word: whoever would read it has gone
	}
	printErr(stderr, err)
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	switch study.KindOf(err) {
	case study.Usage:
		return exitUsage
	case study.NotFinished:
		return exitNoSuccess
	case study.Interrupted:
		return exitInterrupted
	}
	if machineFailure(err) {
		return exitNoSuccess
	}
	var ce *configs.Error
	if errors.As(err, &ce) {
		return exitUsage
	}
	// Anything cobra itself rejects (unknown flag, wrong arguments) is usage.
	return exitUsage
}

// printErr prints one line per problem: a config with five mistakes gets
// five lines, each naming file, line and key.
func printErr(w io.Writer, err error) {
	var ce *configs.Error
	if errors.As(err, &ce) {
		for _, p := range ce.Problems {
			fmt.Fprintln(w, "hpsearch: "+p.Error())
		}
		return
	}
	var ee *exitError
	if errors.As(err, &ee) && ee.err == nil {
		return
	}
	fmt.Fprintln(w, "hpsearch: "+err.Error())
}

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "hpsearch",
		Short: "Hyperparameter search for gradient-descent training",
		Long: `hpsearch runs a sweep of gradient-descent trials from a YAML config:
concurrent trials from Gaussian-random initial weights, learning rates
compared in powers of ten, coarse-to-fine narrowing of every range, ranked
tables, and the best settings exported as YAML.`,
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(
		newRunCmd(stdout, stderr),
		newEvalCmd(stdout, stderr),
		newValidateCmd(stdout),
		newInitCmd(stdout),
		newStudiesCmd(stdout),
		newShowCmd(stdout),
		newExportCmd(stdout),
		newCompareCmd(stdout),
		newReportCmd(stdout, stderr),
		newPlotCmd(stdout, stderr),
		newWorkerCmd(stderr),
		newServeCmd(stderr),
		newStopCmd(stdout),
	)
	strictCompletion(root)
	quietDefaults(root)
	return root
}

// completionShells are the shells cobra writes completion scripts for.
var completionShells = []string{"bash", "zsh", "fish", "powershell"}

// strictCompletion makes `completion SHELL` refuse a shell it has no script
// for: cobra's own command prints its help and exits 0, so a script that
// installs `hpsearch completion tcsh` would silently install nothing.
func strictCompletion(root *cobra.Command) {
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() != "completion" {
			continue
		}
		c.Args = cobra.ArbitraryArgs
		c.RunE = func(_ *cobra.Command, args []string) error {
			allowed := strings.Join(completionShells, ", ")
			if len(args) == 0 {
				return usageErr("completion: name a shell (allowed: %s)", allowed)
			}
			return usageErr("completion %s: unknown shell (allowed: %s)", args[0], allowed)
		}
	}
}
