// Package data ships the real data sets used by the examples and tests
// (provenance in README.md), embedded so `hpsearch init` can copy them.
package data

import (
	"embed"
	"fmt"
)

//go:embed *.csv
var files embed.FS

// File returns the contents of a shipped data set, e.g. "iris.csv".
func File(name string) ([]byte, error) {
	b, err := files.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("no shipped data set %q", name)
	}
	return b, nil
}
