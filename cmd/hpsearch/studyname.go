package main

import (
	"fmt"
	"io"

	"github.com/hpsearch/hpsearch/configs"
	"github.com/hpsearch/hpsearch/results"
)

// checkStoredName refuses a study whose stored name breaks the name rule.
// Whoever can write to a store (a shared database, a .db file handed over)
// would otherwise choose where report, plot and worker write files, and
// what a log line says.
func checkStoredName(name string) error {
	if err := configs.CheckStudyName(name); err != nil {
		return fmt.Errorf("the store holds a study that is refused: %w; rename it in the database to use it", err)
	}
	return nil
}

// listable keeps the summaries whose study names pass the rule and names
// each one left out on warn, so that one hostile name neither forges a line
// of the table nor hides the other studies.
func listable(sums []results.Summary, warn io.Writer) []results.Summary {
	out := sums[:0:0]
	for _, s := range sums {
		if err := checkStoredName(s.Study.Name); err != nil {
			fmt.Fprintf(warn, "hpsearch: warning: %v\n", err)
			continue
		}
		out = append(out, s)
	}
	return out
}
