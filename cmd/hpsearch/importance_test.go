package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// show --importance adds the parameters' importance after show's tables,
// and --json adds it to the document; without the flag show is unchanged.
func TestShowImportance(t *testing.T) {
	dir := t.TempDir()
	storage := quickSweep(t, dir, "imp")

	code, plain, stderr := hpsearch(t, context.Background(), append([]string{"show", "imp"}, storage...)...)
	if code != exitOK {
		t.Fatalf("show: exit %d\n%s", code, stderr)
	}
	code, stdout, stderr := hpsearch(t, context.Background(), append([]string{"show", "imp", "--importance"}, storage...)...)
	if code != exitOK {
		t.Fatalf("show --importance: exit %d\n%s", code, stderr)
	}
	if !strings.HasPrefix(stdout, plain) {
		t.Errorf("show --importance does not start with show's output:\n%s", stdout)
	}
	rest := strings.TrimPrefix(stdout, plain)
	for _, want := range []string{"Parameter importance (fANOVA", "learning_rate", "Interactions", " × "} {
		if !strings.Contains(rest, want) {
			t.Errorf("show --importance lacks %q after show's tables:\n%s", want, rest)
		}
	}
	if strings.Contains(plain, "Parameter importance") {
		t.Errorf("show without --importance prints it")
	}

	code, stdout, stderr = hpsearch(t, context.Background(), append([]string{"show", "imp", "--importance", "--json"}, storage...)...)
	if code != exitOK {
		t.Fatalf("show --importance --json: exit %d\n%s", code, stderr)
	}
	var doc struct {
		Study      string `json:"study"`
		Trials     []any  `json:"trials"`
		Importance *struct {
			Params []struct {
				Name       string   `json:"name"`
				Importance *float64 `json:"importance"`
			} `json:"params"`
			Pairs  []struct{ Names []string } `json:"pairs"`
			Trials int                        `json:"trials"`
		} `json:"importance"`
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("show --importance --json: %v\n%s", err, stdout)
	}
	if doc.Study != "imp" || len(doc.Trials) == 0 || doc.Importance == nil || len(doc.Importance.Params) == 0 || doc.Importance.Trials == 0 {
		t.Fatalf("document %+v: want the study's and its importance", doc)
	}
	sum := 0.0
	for _, p := range doc.Importance.Params {
		if p.Importance == nil || *p.Importance < 0 || *p.Importance > 1 {
			t.Errorf("param %s: importance %v, want a share in [0, 1]", p.Name, p.Importance)
			continue
		}
		sum += *p.Importance
	}
	if sum > 1+1e-9 {
		t.Errorf("shares sum to %g > 1", sum)
	}
}
