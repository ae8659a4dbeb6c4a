package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hpsearch/hpsearch/results"
	// Named so: package main has a func report (the tables).
	htmlreport "github.com/hpsearch/hpsearch/results/report"
	"github.com/hpsearch/hpsearch/study"
)

func newReportCmd(stdout, stderr io.Writer) *cobra.Command {
	var storage, output string
	cmd := &cobra.Command{
		Use:   "report STUDY",
		Short: "Write a study's report: one self-contained HTML file with its tables and plots",
		Long: `Write a stored study's report: one HTML file with the summary, the ranked
table, the learning-rate and per-round tables, and the plots (loss and
gradient-norm curves of the best trials, value against learning rate, the
ranges narrowing round by round, all trials in parallel coordinates, and the
pruned trials' curves when early stopping pruned some). It needs no network
and no other file: mail it, or open it on a phone.

Every run writes it too, as runs/<study>/report.html.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if output != "" && output != "-" {
				if err := checkOutputDir("-o", output); err != nil {
					return err
				}
			}
			return withStore(cmd.Context(), storage, func(store results.Store) error {
				s, trials, err := loadStudy(cmd.Context(), store, storage, args[0])
				if err != nil {
					return err
				}
				trials = study.FinishedOnly(trials)
				outputs := study.TrialOutputs(outputDir(storage), s.Name)
				if output == "-" {
					return htmlreport.WriteHTML(stdout, s, trials, htmlreport.TrialOutput(outputs))
				}
				path := output
				if path == "" {
					path = filepath.Join(outputDir(storage), s.Name, "report.html")
				}
				if err := writeReport(path, s, trials, outputs); err != nil {
					return err
				}
				fmt.Fprintf(stderr, "hpsearch: wrote %s\n", path)
				return nil
			})
		},
	}
	storageFlag(cmd, &storage)
	cmd.Flags().StringVarP(&output, "output", "o", "", "file to write, - for stdout (default: <study>/report.html beside the database, runs/ by default)")
	return cmd
}

func newPlotCmd(stdout, stderr io.Writer) *cobra.Command {
	var (
		storage, output string
		trial           int
	)
	cmd := &cobra.Command{
		Use:   "plot STUDY --trial N",
		Short: "Plot one trial's loss and gradient-norm curves, to judge when to stop (PNG or SVG)",
		Long: `Plot one stored trial: its training and validation loss, and below them
its gradient norm on a log axis with the study's gradient threshold: the
lecture's first stopping criterion is a person looking at this plot.

The format follows the file's extension, .png or .svg.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if trial < 0 {
				return usageErr("--trial %d: want a trial number (see: hpsearch show %s)", trial, args[0])
			}
			format, err := imageFormat(output)
			if err != nil {
				return err
			}
			if output != "" {
				if err := checkOutputDir("-o", output); err != nil {
					return err
				}
			}
			return withStore(cmd.Context(), storage, func(store results.Store) error {
				s, trials, err := loadStudy(cmd.Context(), store, storage, args[0])
				if err != nil {
					return err
				}
				t, err := findTrial(s.Name, trials, trial)
				if err != nil {
					return err
				}
				fig, err := htmlreport.TrialCurves(s, t)
				if errors.Is(err, htmlreport.ErrNoData) {
					return usageErr("%v", err)
				}
				if err != nil {
					return err
				}
				path := output
				if path == "" {
					path = filepath.Join(outputDir(storage), s.Name, fmt.Sprintf("trial-%d.png", trial))
				}
				if err := os.MkdirAll(filepath.Dir(path), 0o777); err != nil {
					return failed(fmt.Errorf("plot: %w", err))
				}
				if err := writeFile(path, func(w io.Writer) error { return fig.Render(w, format) }); err != nil {
					return err
				}
				fmt.Fprintln(stdout, fig.Caption)
				fmt.Fprintf(stderr, "hpsearch: wrote %s\n", path)
				return nil
			})
		},
	}
	storageFlag(cmd, &storage)
	cmd.Flags().IntVar(&trial, "trial", -1, "the trial's number (required)")
	cmd.Flags().StringVarP(&output, "output", "o", "", "file to write, .png or .svg (default: <study>/trial-N.png beside the database)")
	_ = cmd.MarkFlagRequired("trial") // cannot fail: the flag is defined above
	return cmd
}

// writeReport writes a study's HTML report to path, creating its directory;
// output says where failed trials' output is.
func writeReport(path string, s results.Study, trials []results.Trial, output trialOutput) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o777); err != nil {
		return failed(fmt.Errorf("report: %w", err))
	}
	return writeFile(path, func(w io.Writer) error { return htmlreport.WriteHTML(w, s, trials, htmlreport.TrialOutput(output)) })
}

// outputDir is where a read command writes by default: beside the SQLite
// database, which a run keeps in its output directory (runs/ unless the
// config says otherwise), so report.html lands next to best.yaml.
func outputDir(storage string) string {
	if path, ok := sqlitePath(storage); ok && path != "" {
		return filepath.Dir(path)
	}
	return "runs"
}

// imageFormat is the format a plot's file name asks for; PNG by default.
func imageFormat(path string) (string, error) {
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case "", ".png":
		return htmlreport.PNG, nil
	case ".svg":
		return htmlreport.SVG, nil
	default:
		return "", usageErr("-o %s: unknown image format %q (allowed: .png, .svg)", path, ext)
	}
}

// findTrial returns the trial numbered n.
func findTrial(study string, trials []results.Trial, n int) (results.Trial, error) {
	for _, t := range trials {
		if t.Number == n {
			return t, nil
		}
	}
	if len(trials) == 0 {
		return results.Trial{}, usageErr("study %s has no trials", study)
	}
	return results.Trial{}, usageErr("study %s has no trial %d (its trials are numbered %d to %d)",
		study, n, trials[0].Number, trials[len(trials)-1].Number)
}
