package report

// The report's tables: the ranked trials, the failures, the rounds and
// the learning rates, as cells the page template lays out, a column of
// text aligned left and one of numbers right.

import (
	"fmt"
	"strconv"

	"github.com/hpsearch/hpsearch/results"
)

// rankedTable is results.RankedRows as HTML, each row classed by status so
// that diverged and failed trials stand out.
// ranked is trials in rank order, the order of RankedRows' rows. It is
// also what RankedRows is given: it ranks again, and ranking what is
// already ranked moves nothing (a 100,000-trial study: 30 ms, not 300).
func rankedTable(s results.Study, trials, ranked []results.Trial) table {
	header, cells := results.RankedRows(s, ranked, TopRows)
	t := newTable("ranked-table", header, cells)
	t.Tall = true
	for i := range t.Rows {
		if i < len(ranked) {
			t.Rows[i].Class = "status-" + string(ranked[i].Status)
		}
	}
	if len(trials) > TopRows {
		t.Note = fmt.Sprintf("The %d best of %d trials; runs/%s/trials.csv lists them all.", TopRows, len(trials), s.Name)
	}
	if len(trials) == 0 {
		t.Note = "No trial has finished."
	}
	return t
}

// failuresTable is the terminal's failed-trials list (results.Failures)
// as a table, the first TopRows of them; false when no trial failed.
func failuresTable(trials []results.Trial, output func(results.Trial) string) (table, bool) {
	fs := results.Failures(trials, output)
	if len(fs) == 0 {
		return table{}, false
	}
	t := table{ID: "failed-table", Header: []string{"trial", "reason", "output"}, Left: []bool{false, true, true}}
	for i, f := range fs {
		if i == TopRows {
			t.Note = fmt.Sprintf("The first %d of %d failed trials; trials.csv has every reason.", TopRows, len(fs))
			break
		}
		out := f.Output
		if out == "" {
			out = "-"
		}
		// No status class: the rows of the ranked table are the ones so marked.
		t.Rows = append(t.Rows, row{Cells: []string{strconv.Itoa(f.Trial), f.Reason, out}})
	}
	return t, true
}

func roundsTable(s results.Study) table {
	header, cells := results.RoundRows(s.Rounds)
	return newTable("rounds-table", header, cells)
}

func lrTable(s results.Study, trials []results.Trial) (table, bool) {
	header, cells := results.LearningRateRows(trials, learningRate, s.Goal)
	if len(cells) == 0 {
		return table{}, false
	}
	return newTable("lr-table", header, cells), true
}

func optionalTable(t table, ok bool) []table {
	if !ok {
		return nil
	}
	return []table{t}
}

// newTable aligns a column left when any of its cells is text rather than
// a number or the "-" of a missing value.
func newTable(id string, header []string, cells [][]string) table {
	t := table{ID: id, Header: header, Left: make([]bool, len(header))}
	for _, r := range cells {
		t.Rows = append(t.Rows, row{Cells: r})
		for j, c := range r {
			if j < len(t.Left) && !numeric(c) {
				t.Left[j] = true
			}
		}
	}
	return t
}

func numeric(cell string) bool {
	if cell == "-" || cell == "" {
		return true
	}
	_, err := strconv.ParseFloat(cell, 64)
	return err == nil
}
