package configs

import (
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// Every searchable hyperparameter has a base value, so eval can show what
// a trial trained with whatever the space holds.
func TestBaseValueOfEverySearchableName(t *testing.T) {
	c, err := parse(t, "data: {synthetic: {kind: linear}}\n")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range Searchable() {
		v, ok := c.BaseValue(name)
		if !ok {
			t.Errorf("no base value for %s", name)
			continue
		}
		if _, msg := choiceValue(fieldByPath[searchable[name]], valueNode(showValue(v))); msg != "" {
			t.Errorf("base value of %s, %v, is not a value of its key: %s", name, v, msg)
		}
	}
}

func TestCheckParamsByKind(t *testing.T) {
	node := func(text string) *yaml.Node {
		var doc yaml.Node
		if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
			t.Fatal(err)
		}
		return doc.Content[0]
	}
	bench, err := parse(t, "benchmark: branin\nparameters:\n  x0: {uniform: [-5, 10]}\n  x1: {uniform: [0, 15]}\n")
	if err != nil {
		t.Fatal(err)
	}
	if err := bench.CheckParams("p.yaml", node("x0: 1.5\nx1: 2\n")); err != nil {
		t.Errorf("a benchmark point: %v", err)
	}
	err = bench.CheckParams("p.yaml", node("x0: one\nx2: 2\n"))
	if got := err.Error(); !strings.Contains(got, "p.yaml:1: params.x0: must be a number") ||
		!strings.Contains(got, "p.yaml:2: params.x2: not a parameter of benchmark branin") || !strings.Contains(got, "(allowed: x0, x1)") {
		t.Errorf("bad benchmark point:\n%s", got)
	}
}
