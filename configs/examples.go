package configs

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

// The shipped example configs, embedded so `hpsearch init` works from a
// binary with no source tree beside it.
//
//go:embed *.yaml
var examples embed.FS

// Examples lists the names of the shipped example configs.
func Examples() []string {
	entries, _ := fs.Glob(examples, "*.yaml")
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = strings.TrimSuffix(e, ".yaml")
	}
	sort.Strings(names)
	return names
}

// Example returns the text of a shipped example config.
func Example(name string) ([]byte, error) {
	b, err := examples.ReadFile(strings.TrimSuffix(name, ".yaml") + ".yaml")
	if err != nil {
		return nil, fmt.Errorf("no example %q (available: %s)", name, strings.Join(Examples(), ", "))
	}
	return b, nil
}
