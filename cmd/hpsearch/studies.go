package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/study"
)

// storageFlag adds --storage to a command that reads stored studies.
func storageFlag(cmd *cobra.Command, dst *string) {
	cmd.Flags().StringVar(dst, "storage", defaultStorage("runs"), "where studies are stored: sqlite:///path.db or postgres://user@host/db")
}

// withStore opens the store a read command names, and refuses to create an
// empty database where the user only meant to look.
func withStore(ctx context.Context, url string, f func(results.Store) error) error {
	if path, ok := sqlitePath(url); ok {
		if _, err := os.Stat(path); err != nil {
			return usageErr("storage %s: %v (run a sweep first, or give --storage)", path, err)
		}
	}
	store, closeStore, err := openStore(url)
	if err != nil {
		return err
	}
	defer closeStore()
	return f(store)
}

// loadStudy reads one study and its trials from store, the one --storage
// named ("" for the default); a missing study is a usage error whose hint
// lists the same store's studies.
func loadStudy(ctx context.Context, store results.Store, storage, name string) (results.Study, []results.Trial, error) {
	if err := study.CheckName(name); err != nil {
		return results.Study{}, nil, err
	}
	s, trials, err := store.Study(ctx, name)
	if err != nil {
		list := "hpsearch studies"
		if storage != "" {
			list += " --storage " + redact(storage)
		}
		return s, nil, usageErr("%v (list them with: %s)", err, list)
	}
	if err := study.CheckStoredName(s.Name); err != nil {
		return s, nil, usageErr("%v", err)
	}
	return s, trials, nil
}

func newStudiesCmd(stdout io.Writer) *cobra.Command {
	var (
		storage string
		asJSON  bool
		wide    bool
	)
	cmd := &cobra.Command{
		Use:   "studies",
		Short: "List stored studies: created, status, trials done, best value",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withStore(cmd.Context(), storage, func(store results.Store) error {
				sums, err := results.Summaries(cmd.Context(), store)
				if err != nil {
					return err
				}
				sums = listable(sums, cmd.ErrOrStderr())
				if asJSON {
					return results.WriteJSON(stdout, newStudiesDoc(sums))
				}
				if len(sums) == 0 {
					fmt.Fprintln(stdout, "no studies yet")
					return nil
				}
				return results.WriteStudies(tableOut(stdout, wide), sums)
			})
		},
	}
	storageFlag(cmd, &storage)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the studies as a JSON document instead of a table")
	wideFlag(cmd, &wide)
	return cmd
}

func newShowCmd(stdout io.Writer) *cobra.Command {
	var (
		storage string
		top     int
		asJSON  bool
		wide    bool
		imp     bool
	)
	cmd := &cobra.Command{
		Use:   "show STUDY",
		Short: "Print a stored study's tables again (or its JSON document)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withStore(cmd.Context(), storage, func(store results.Store) error {
				s, trials, err := loadStudy(cmd.Context(), store, storage, args[0])
				if err != nil {
					return err
				}
				o := study.StoredOutcome(s, trials)
				if imp {
					return showImportance(cmd.Context(), o, asJSON, top, study.TrialOutputs(outputDir(storage), s.Name), tableOut(stdout, wide))
				}
				if o.Benchmark != nil {
					return writeOutcome(o, asJSON, top, nil, tableOut(stdout, wide))
				}
				return report(s, o.Trials, asJSON, top, study.TrialOutputs(outputDir(storage), s.Name), tableOut(stdout, wide))
			})
		},
	}
	storageFlag(cmd, &storage)
	topFlag(cmd, &top)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the JSON document instead of tables")
	cmd.Flags().BoolVar(&imp, "importance", false, "add each parameter's importance (fANOVA: its share of the metric's variance) and the pairs' interactions")
	wideFlag(cmd, &wide)
	return cmd
}

func newExportCmd(stdout io.Writer) *cobra.Command {
	var storage, format, output string
	cmd := &cobra.Command{
		Use:   "export STUDY",
		Short: "Export a stored study: best settings (yaml), all trials (csv) or the JSON document",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := exportFormat(format, output)
			if err != nil {
				return err
			}
			write, err := exporter(format)
			if err != nil {
				return err
			}
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
				if output == "" || output == "-" {
					return write(stdout, s, trials)
				}
				return writeFile(output, func(w io.Writer) error { return write(w, s, trials) })
			})
		},
	}
	storageFlag(cmd, &storage)
	cmd.Flags().StringVar(&format, "format", "", "yaml (best settings, as best.yaml), csv (every trial) or json (the document) (default: from the -o extension, else yaml)")
	cmd.Flags().StringVarP(&output, "output", "o", "", "file to write (default: stdout)")
	return cmd
}

type exportFunc func(io.Writer, results.Study, []results.Trial) error

// exportExtensions maps the extensions -o may end in to their format.
var exportExtensions = map[string]string{".yaml": "yaml", ".yml": "yaml", ".csv": "csv", ".json": "json"}

// exportFormat decides what export writes: --format when given, else what
// -o's extension says, else best.yaml on stdout. A file whose extension says
// one format must not silently receive another.
func exportFormat(format, output string) (string, error) {
	const allowed = "allowed: .yaml, .yml, .csv, .json"
	if output == "" || output == "-" {
		return cmp.Or(format, "yaml"), nil
	}
	ext := strings.ToLower(filepath.Ext(output))
	byExt, known := exportExtensions[ext]
	switch {
	case format == "" && !known:
		return "", usageErr("export -o %s: cannot tell the format from the extension %q (%s; or give --format yaml|csv|json)", output, ext, allowed)
	case format == "":
		return byExt, nil
	case known && byExt != strings.Replace(format, "yml", "yaml", 1):
		return "", usageErr("export: --format %s contradicts -o %s, a %s file (give one, or make them agree)", format, output, byExt)
	}
	return format, nil
}

func exporter(format string) (exportFunc, error) {
	switch format {
	case "yaml", "yml":
		return func(w io.Writer, s results.Study, trials []results.Trial) error {
			best, ok := results.Best(trials, s.Goal)
			if !ok {
				return &exitError{code: exitNoSuccess, err: fmt.Errorf("study %s has no successful trial to export", s.Name)}
			}
			return results.WriteBestYAML(w, results.NewBestFile(s, best))
		}, nil
	case "csv":
		return func(w io.Writer, _ results.Study, trials []results.Trial) error { return results.WriteCSV(w, trials) }, nil
	case "json":
		return func(w io.Writer, s results.Study, trials []results.Trial) error {
			return results.WriteJSON(w, outcomeDocument(study.StoredOutcome(s, trials)))
		}, nil
	}
	return nil, usageErr("--format %q: unknown (allowed: yaml, csv, json)", format)
}

func newCompareCmd(stdout io.Writer) *cobra.Command {
	var (
		storage string
		asJSON  bool
		wide    bool
	)
	cmd := &cobra.Command{
		Use:   "compare STUDY_A STUDY_B",
		Short: "Compare two studies: best value and parameters side by side, and how the ranges moved",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withStore(cmd.Context(), storage, func(store results.Store) error {
				a, at, err := loadStudy(cmd.Context(), store, storage, args[0])
				if err != nil {
					return err
				}
				b, bt, err := loadStudy(cmd.Context(), store, storage, args[1])
				if err != nil {
					return err
				}
				if asJSON {
					return results.WriteJSON(stdout, newCompareDoc(a, study.FinishedOnly(at), b, study.FinishedOnly(bt)))
				}
				return results.WriteCompare(tableOut(stdout, wide), a, study.FinishedOnly(at), b, study.FinishedOnly(bt))
			})
		},
	}
	storageFlag(cmd, &storage)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the comparison as a JSON document instead of tables")
	wideFlag(cmd, &wide)
	return cmd
}
