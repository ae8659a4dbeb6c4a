package main

import (
	"fmt"
	"io"

	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/study"
)

// listable keeps the summaries whose study names pass the rule and names
// each one left out on warn, so that one hostile name neither forges a line
// of the table nor hides the other studies.
func listable(sums []results.Summary, warn io.Writer) []results.Summary {
	out := sums[:0:0]
	for _, s := range sums {
		if err := study.CheckStoredName(s.Study.Name); err != nil {
			fmt.Fprintf(warn, "hpsearch: warning: %v\n", err)
			continue
		}
		out = append(out, s)
	}
	return out
}
