// Package examples carries the source of the example training programs, so
// that `hpsearch init command-example` can write a runnable program beside
// its config from an installed binary, with no checkout at hand.
package examples

import (
	"embed"
	"fmt"
)

//go:embed trainprog/main.go
var programs embed.FS

// Program returns the source (main.go) of the example program name, e.g.
// "trainprog".
func Program(name string) ([]byte, error) {
	b, err := programs.ReadFile(name + "/main.go")
	if err != nil {
		return nil, fmt.Errorf("no example program %q", name)
	}
	return b, nil
}
