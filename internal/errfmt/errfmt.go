// Package errfmt formats errors for the one-line messages hpsearch prints
// and logs.
package errfmt

import "strings"

// OneLine folds a driver's multi-line error (pgx lists every address it
// dialled on its own line) into one line, as the CLI prints one per
// problem.
func OneLine(err error) string {
	lines := strings.Fields(strings.ReplaceAll(err.Error(), "\n", " ; "))
	return strings.ReplaceAll(strings.Join(lines, " "), " ; ", "; ")
}
