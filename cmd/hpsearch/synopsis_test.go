package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The command synopses of the README and of docs/design.md name
// --storage and --wide for every command that has them: a reader of the
// synopsis alone must learn that show, export, compare, report and plot
// read any store, and that tables can be printed whole.
func TestSynopsesNameStorageAndWide(t *testing.T) {
	root := newRoot(io.Discard, io.Discard)
	for _, doc := range []string{"README.md", filepath.Join("docs", "design.md")} {
		text, err := os.ReadFile(filepath.Join(repoRoot, doc))
		if err != nil {
			t.Fatal(err)
		}
		for _, cmd := range root.Commands() {
			synopsis := synopsisOf(string(text), cmd.Name())
			if synopsis == "" {
				continue // not in the synopses (help, __complete…)
			}
			for _, flag := range []string{"storage", "wide"} {
				if cmd.Flags().Lookup(flag) != nil && !strings.Contains(synopsis, "--"+flag) {
					t.Errorf("%s: the synopsis of %s lacks --%s:\n%s", doc, cmd.Name(), flag, synopsis)
				}
			}
		}
	}
}

// synopsisOf is the text of the first code block's lines for command
// name: its "hpsearch NAME" line and the lines under it up to the next
// command's.
func synopsisOf(doc, name string) string {
	var out []string
	in := false
	for _, line := range strings.Split(doc, "\n") {
		if strings.HasPrefix(line, "```") && in {
			break
		}
		if strings.HasPrefix(line, "hpsearch ") {
			if in {
				break
			}
			in = strings.HasPrefix(line, "hpsearch "+name+" ")
		}
		if in {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}
