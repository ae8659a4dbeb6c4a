package main

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hpsearch/hpsearch/configs"
)

// importLayers ranks the layers docs/design.md's import rule names: a
// package may import only layers ranked below its own (cmd → study →
// {search, configs} → {trainer, testfunc, results}; cmd → dashboard → results). Other directories
// (internal, data, examples) are shared leaves and not ranked.
var importLayers = map[string]int{
	"cmd": 4, "study": 3, "search": 2, "configs": 2, "trainer": 1, "testfunc": 1, "results": 1,
	"dashboard": 2, // the web UI: over results, under cmd alone
}

// TestImportsRunOneWay holds the code to the rule docs/design.md states:
// nothing imports back up, nor sideways into another layer of its rank.
func TestImportsRunOneWay(t *testing.T) {
	const module = "github.com/hpsearch/hpsearch/"
	fset := token.NewFileSet()
	err := filepath.WalkDir(repoRoot, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != repoRoot && (strings.HasPrefix(d.Name(), ".") || d.Name() == "runs" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, err := filepath.Rel(repoRoot, path)
		if err != nil {
			return err
		}
		from := strings.SplitN(filepath.ToSlash(rel), "/", 2)[0]
		rank, ranked := importLayers[from]
		if !ranked {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if !strings.HasPrefix(p, module) {
				continue
			}
			to := strings.SplitN(strings.TrimPrefix(p, module), "/", 2)[0]
			if r, ok := importLayers[to]; ok && to != from && r >= rank {
				t.Errorf("%s imports %s: %s may import only layers below it (docs/design.md, \"Imports run one way\")", rel, p, from)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// An example `hpsearch init` writes lands outside the repository: a
// `go run ./cmd/…` it mentions must say that it needs a checkout.
func TestInitExamplesSayWhereGoRunWorks(t *testing.T) {
	for _, name := range configs.Examples() {
		text, err := configs.Example(name)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(string(text), "\n")
		for i, line := range lines {
			if !strings.HasPrefix(strings.TrimSpace(line), "#") || !strings.Contains(line, "go run ./cmd/") {
				continue
			}
			// The note may sit on the line or the one before it.
			context := line
			if i > 0 {
				context = lines[i-1] + " " + line
			}
			if !strings.Contains(context, "checkout of the repository") {
				t.Errorf("%s.yaml:%d mentions go run ./cmd/… without saying it needs a checkout of the repository: %s", name, i+1, line)
			}
		}
	}
}
