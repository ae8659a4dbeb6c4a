package importance

import (
	"context"
	"fmt"
	"io"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/hpsearch/hpsearch/results"
)

// StudySeed seeds the forest of OfStudy: a fixed seed, so that show,
// report and the dashboard print the same scores for the same trials.
const StudySeed = 1

// OfStudy scores a stored study's parameters over the space its first
// round searched (later rounds only narrow it), with StudySeed.
// maxSamples is Options.MaxSamples (0: every trial in every tree).
func OfStudy(ctx context.Context, s results.Study, trials []results.Trial, maxSamples int) (Result, error) {
	opts := Options{Seed: StudySeed, MaxSamples: maxSamples}
	if len(s.Rounds) > 0 {
		opts.Space = s.Rounds[0].Ranges
	}
	r, err := Compute(ctx, trials, opts)
	if err != nil {
		return r, fmt.Errorf("study %s: importance: %w", s.Name, err)
	}
	return r, nil
}

// Percent formats a share as a percentage with one decimal.
func Percent(share float64) string {
	return fmt.Sprintf("%.1f%%", 100*share)
}

// TopPairs is how many pairs WriteTable lists.
const TopPairs = 5

// WriteTable writes the scores as two tables: the parameters, then the
// TopPairs most important pairs.
func WriteTable(w io.Writer, r Result) error {
	if _, err := fmt.Fprintln(w, "Parameter importance (fANOVA: the share of the metric's variance):"); err != nil {
		return fmt.Errorf("write importance: %w", err)
	}
	rows := make([][]string, 0, len(r.Params))
	for _, s := range r.Params {
		rows = append(rows, []string{s.Name, Percent(s.Importance), "±" + Percent(s.Std)})
	}
	if err := render(w, []string{"parameter", "importance", "spread"}, rows); err != nil {
		return err
	}
	if _, err := fmt.Fprintf(w, "From %d ok trials%s.\n", r.Trials, skippedNote(r)); err != nil {
		return fmt.Errorf("write importance: %w", err)
	}
	if len(r.Pairs) == 0 {
		return nil
	}
	if _, err := fmt.Fprintf(w, "\nInteractions, what a pair explains beyond each parameter alone:\n"); err != nil {
		return fmt.Errorf("write importance: %w", err)
	}
	rows = rows[:0]
	for _, p := range r.Pairs[:min(TopPairs, len(r.Pairs))] {
		rows = append(rows, []string{p.Names[0] + " × " + p.Names[1], Percent(p.Importance), "±" + Percent(p.Std)})
	}
	return render(w, []string{"pair", "importance", "spread"}, rows)
}

func skippedNote(r Result) string {
	if r.Skipped == 0 {
		return ""
	}
	return fmt.Sprintf("; %d diverged, failed or pruned left out", r.Skipped)
}

func render(w io.Writer, header []string, rows [][]string) error {
	tbl := tablewriter.NewTable(w,
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAlignmentConfig(tw.CellAlignment{Global: tw.AlignRight, PerColumn: []tw.Align{tw.AlignLeft, tw.AlignRight, tw.AlignRight}}),
	)
	tbl.Header(header)
	for _, r := range rows {
		if err := tbl.Append(r); err != nil {
			return fmt.Errorf("importance table: %w", err)
		}
	}
	if err := tbl.Render(); err != nil {
		return fmt.Errorf("importance table: %w", err)
	}
	return nil
}
