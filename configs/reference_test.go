package configs

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
)

// referenceFile is the config reference, with the other documentation.
const referenceFile = "../docs/config-reference.md"

var update = flag.Bool("update", false, "rewrite the generated key table in "+referenceFile)

const (
	tableBegin = "<!-- keys:begin (generated from defaults.go: go test ./configs -run TestReference -update) -->"
	tableEnd   = "<!-- keys:end -->"
)

// referenceTable renders the fields table as Markdown.
func referenceTable() string {
	var b strings.Builder
	b.WriteString("| Key | Type | Default | Allowed | Meaning |\n")
	b.WriteString("|---|---|---|---|---|\n")
	for _, f := range fields {
		def := f.Note
		if f.Default != "" {
			def = "`" + f.Default + "`"
		}
		allowed := strings.Join(f.Allowed, ", ")
		switch {
		case f.rule != nil:
			allowed = f.rule.text
		case f.Type == tUint:
			allowed = ">= 0"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", f.Path, f.Type, def, allowed, f.Doc)
	}
	return b.String()
}

// TestReference keeps the config reference in step with the defaults table: the
// generated key table must match, and every key, searchable name and
// distribution must be documented.
func TestReference(t *testing.T) {
	raw, err := os.ReadFile(referenceFile)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	start, end := strings.Index(doc, tableBegin), strings.Index(doc, tableEnd)
	if start < 0 || end < start {
		t.Fatalf("%s lacks the %q … %q markers", referenceFile, tableBegin, tableEnd)
	}
	table := referenceTable()
	current := doc[start+len(tableBegin)+1 : end]
	if *update {
		doc = doc[:start+len(tableBegin)+1] + table + doc[end:]
		if err := os.WriteFile(referenceFile, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
	} else if current != table {
		t.Errorf("%s key table is stale; run go test ./configs -run TestReference -update\ngot:\n%s\nwant:\n%s", referenceFile, current, table)
	}
	var names []string
	for _, f := range fields {
		names = append(names, "`"+f.Path+"`")
	}
	for _, name := range Searchable() {
		names = append(names, "`"+name+"`")
	}
	for _, dist := range distributions {
		names = append(names, "`"+dist+"`")
	}
	for _, name := range names {
		if !strings.Contains(doc, name) {
			t.Errorf("%s does not mention %s", referenceFile, name)
		}
	}
}
