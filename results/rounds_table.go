package results

// The rounds table: how coarse-to-fine narrowed each parameter's range,
// round by round, beside each round's best and median value.

import (
	"io"
	"strconv"
)

// rangeNames returns the union of the rounds' parameter names in
// first-seen order.
func rangeNames(rounds []Round) []string {
	var names []string
	seen := make(map[string]bool)
	for _, r := range rounds {
		for _, rg := range r.Ranges {
			if !seen[rg.Name] {
				seen[rg.Name] = true
				names = append(names, rg.Name)
			}
		}
	}
	return names
}

// WriteRounds writes how coarse-to-fine narrowed: per round, each
// parameter's range and the round's best and median value ("-" when the
// round had no successful trial).
func WriteRounds(w io.Writer, rounds []Round) error {
	header, rows := RoundRows(rounds)
	// A narrow terminal loses the median, then the best; never a range.
	n := len(header)
	return renderTable(newTable(w, n).dropFirst(n-1, n-2), header, rows)
}

// RoundRows returns the cells WriteRounds writes.
func RoundRows(rounds []Round) (header []string, rows [][]string) {
	names := rangeNames(rounds)
	header = append([]string{"round"}, names...)
	header = append(header, "best", "median")

	rows = make([][]string, 0, len(rounds))
	for _, r := range rounds {
		row := []string{strconv.Itoa(r.Round)}
		for _, name := range names {
			row = append(row, roundRangeCell(r, name))
		}
		row = append(row, optionalValue(r.Best), optionalValue(r.Median))
		rows = append(rows, row)
	}
	return header, rows
}

func roundRangeCell(r Round, name string) string {
	for _, rg := range r.Ranges {
		if rg.Name == name {
			return FormatRange(rg)
		}
	}
	return missing
}
