package configs

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/hpsearch/hpsearch/trainer"
)

// referenceFile is the config reference, with the other documentation.
const referenceFile = "../docs/config-reference.md"

var update = flag.Bool("update", false, "rewrite the generated key table in "+referenceFile)

// A generated block of the reference: the text between its markers is
// render's output.
type generated struct {
	begin, end string
	render     func() string
}

var generatedBlocks = []generated{
	{"<!-- keys:begin (generated from defaults.go: go test ./configs -run TestReference -update) -->", "<!-- keys:end -->", referenceTable},
	{"<!-- hyperparams:begin (generated from trainer/hyperparams.go: go test ./configs -run TestReference -update) -->", "<!-- hyperparams:end -->", hyperparamTable},
}

// referenceTable renders the fields table as Markdown. The rows of the
// trainer's hyperparameters come from its registry through the table.
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

// hyperparamTypes says what values a parameter of each type takes.
var hyperparamTypes = map[trainer.ValueType]string{
	trainer.ValueFloat:    "real",
	trainer.ValueInt:      "integer",
	trainer.ValueString:   "name",
	trainer.ValueDuration: "duration string",
	trainer.ValueLayers:   "integer (one hidden layer) or a string such as `\"32,16\"` (two layers)",
}

// hyperparamTable renders the searchable names, in the registry's order.
func hyperparamTable() string {
	var b strings.Builder
	b.WriteString("| Name | Overrides | Type |\n")
	b.WriteString("|---|---|---|\n")
	for _, h := range trainer.Hyperparams() {
		typ, ok := hyperparamTypes[h.Type]
		if !ok {
			panic(fmt.Sprintf("hyperparameter %s: no text for its type %d", h.Name, h.Type))
		}
		if h.Models != nil {
			typ += "; " + strings.Join(h.Models, ", ") + " only"
		}
		fmt.Fprintf(&b, "| `%s` | `%s` | %s |\n", h.Name, h.Key, typ)
	}
	return b.String()
}

// TestReference keeps the config reference in step with the defaults table
// and the trainer's registry: the generated tables must match, and every
// key, searchable name and distribution must be documented.
func TestReference(t *testing.T) {
	raw, err := os.ReadFile(referenceFile)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	for _, g := range generatedBlocks {
		start, end := strings.Index(doc, g.begin), strings.Index(doc, g.end)
		if start < 0 || end < start {
			t.Fatalf("%s lacks the %q … %q markers", referenceFile, g.begin, g.end)
		}
		table := g.render()
		current := doc[start+len(g.begin)+1 : end]
		if *update {
			doc = doc[:start+len(g.begin)+1] + table + doc[end:]
		} else if current != table {
			t.Errorf("%s table %s is stale; run go test ./configs -run TestReference -update\ngot:\n%s\nwant:\n%s", referenceFile, g.begin, current, table)
		}
	}
	if *update {
		if err := os.WriteFile(referenceFile, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	for _, f := range fields {
		names = append(names, "`"+f.Path+"`")
	}
	for _, h := range trainer.Hyperparams() {
		names = append(names, "`"+h.Name+"`")
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
