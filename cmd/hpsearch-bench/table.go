package main

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
)

// short names a judged strategy in the verdict columns' headers.
func short(strategy string) string {
	switch strategy {
	case "coarse-to-fine":
		return "c2f"
	case "coarse-to-fine-gp":
		return "gp"
	}
	return strategy
}

// writeTable prints one budget's table: a row per function, the median
// regret [first quartile – third quartile] of each strategy over the seeds,
// the Optuna reference figures when known, and whether the judged strategy
// (-judge) is at or below Optuna's TPE and CMA-ES.
func writeTable(w io.Writer, opts options, budget int, cells map[cellKey]*cell, ref map[refKey]float64) {
	header := []string{"function", "domain"}
	for _, s := range opts.strategies {
		header = append(header, s)
	}
	var refCols []int
	for i, rs := range refSamplers {
		for _, f := range opts.functions {
			if _, ok := ref[refKey{f.Label(), budget, rs.key}]; ok {
				refCols = append(refCols, i)
				break
			}
		}
	}
	for _, i := range refCols {
		header = append(header, refSamplers[i].header)
	}
	judge := opts.judge
	judged := contains(opts.strategies, judge) && len(refCols) > 0
	if judged {
		header = append(header, short(judge)+" ≤ TPE", short(judge)+" ≤ CMA-ES")
	}
	rows := [][]string{}
	for _, f := range opts.functions {
		row := []string{f.Label(), f.Domain()}
		for _, s := range opts.strategies {
			q1, med, q3 := quartiles(cells[cellKey{f.Label(), s}].regrets)
			row = append(row, fmt.Sprintf("%s [%s–%s]", num(med), num(q1), num(q3)))
		}
		for _, i := range refCols {
			v, ok := ref[refKey{f.Label(), budget, refSamplers[i].key}]
			row = append(row, map[bool]string{true: num(v), false: "–"}[ok])
		}
		if judged {
			for _, sampler := range []string{"tpe", "cmaes"} {
				v, ok := ref[refKey{f.Label(), budget, sampler}]
				row = append(row, verdict(cells[cellKey{f.Label(), judge}], v, ok))
			}
		}
		rows = append(rows, row)
	}
	title := fmt.Sprintf("Median regret (best − known minimum) over %d seeds at %d trials; [first–third quartile]", opts.seeds, budget)
	summary := ""
	if judged {
		summary = ratioSummary(opts, budget, cells, ref)
	}
	if opts.markdown {
		writeMarkdown(w, title, header, rows)
		fmt.Fprintf(w, "%s\n\n", summary)
		return
	}
	fmt.Fprintln(w, title)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	tw.Flush()
	fmt.Fprintf(w, "%s\n\n", summary)
}

// ratioSummary condenses a table into one figure: the geometric mean over
// the rows of the judged strategy's median regret divided by Optuna TPE's
// (below 1: better than TPE on average, in ratio), and how many rows are
// at or below TPE and at or below CMA-ES. A geometric mean, because the regrets of different functions
// differ by orders of magnitude and a ratio of 2 should weigh as much as
// one of 1/2.
func ratioSummary(opts options, budget int, cells map[cellKey]*cell, ref map[refKey]float64) string {
	logSum, rows, wins, cmaRows, cmaWins := 0.0, 0, 0, 0, 0
	for _, f := range opts.functions {
		_, med, _ := quartiles(cells[cellKey{f.Label(), opts.judge}].regrets)
		if cma, ok := ref[refKey{f.Label(), budget, "cmaes"}]; ok {
			cmaRows++
			if med <= cma {
				cmaWins++
			}
		}
		tpe, ok := ref[refKey{f.Label(), budget, "tpe"}]
		if !ok || tpe <= 0 {
			continue
		}
		// A regret of exactly 0 would make the logarithm infinite; a
		// millionth of TPE's stands for "far better".
		logSum += math.Log(math.Max(med, 1e-6*tpe) / tpe)
		rows++
		if med <= tpe {
			wins++
		}
	}
	if rows == 0 {
		return ""
	}
	out := fmt.Sprintf("%s at or below Optuna TPE on %d of %d rows; geometric mean of %s/TPE: %.3g", opts.judge, wins, rows, opts.judge, math.Exp(logSum/float64(rows)))
	if cmaRows > 0 {
		out += fmt.Sprintf("; at or below Optuna CMA-ES on %d of %d", cmaWins, cmaRows)
	}
	return out
}

// verdict says whether the judged strategy's median is at or below the
// reference figure ref, and by what factor it is above; "–" when the
// figure is not known.
func verdict(c *cell, ref float64, known bool) string {
	if !known {
		return "–"
	}
	_, med, _ := quartiles(c.regrets)
	if med <= ref {
		return "yes"
	}
	return fmt.Sprintf("no (×%.3g)", med/ref)
}

func writeMarkdown(w io.Writer, title string, header []string, rows [][]string) {
	fmt.Fprintf(w, "%s\n\n", title)
	fmt.Fprintf(w, "| %s |\n", strings.Join(header, " | "))
	fmt.Fprintf(w, "|%s\n", strings.Repeat(" --- |", len(header)))
	for _, r := range rows {
		fmt.Fprintf(w, "| %s |\n", strings.Join(r, " | "))
	}
	fmt.Fprintln(w)
}

// num prints a regret with three significant digits; regrets below 1e-4
// are in scientific notation, where fixed digits would say 0.000.
func num(v float64) string {
	switch {
	case math.IsNaN(v):
		return "–"
	case v == 0:
		return "0"
	case math.Abs(v) < 1e-3:
		return strconv.FormatFloat(v, 'e', 1, 64)
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}
