package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestCompletionRefusesAnUnknownShell(t *testing.T) {
	for _, args := range [][]string{{"completion", "tcsh"}, {"completion"}} {
		code, stdout, stderr := hpsearch(t, context.Background(), args...)
		if code != exitUsage {
			t.Errorf("%s: exit %d, want 2\n%s", strings.Join(args, " "), code, stdout)
		}
		if !strings.Contains(stderr, "allowed: bash, zsh, fish, powershell") {
			t.Errorf("%s: the message does not name the shells: %s", strings.Join(args, " "), stderr)
		}
	}
	for _, sh := range completionShells {
		if code, stdout, stderr := hpsearch(t, context.Background(), "completion", sh); code != exitOK || !strings.Contains(stdout, "hpsearch") {
			t.Errorf("completion %s: exit %d\n%s", sh, code, stderr)
		}
	}
}

func TestTopRefusesANegativeCount(t *testing.T) {
	cfg := filepath.Join("..", "..", "configs", "quickstart.yaml")
	for _, args := range [][]string{
		{"run", cfg, "--storage", "memory:", "--top", "-3"},
		{"show", "quickstart", "--top", "-3"},
	} {
		code, _, stderr := hpsearch(t, context.Background(), args...)
		if code != exitUsage || !strings.Contains(stderr, "allowed: 0 = all, or a positive count") {
			t.Errorf("%s: exit %d, %s", strings.Join(args, " "), code, stderr)
		}
	}
}

// doubleDefault is pflag's "(default …)" after a usage that already says
// its default.
var doubleDefault = regexp.MustCompile(`\((default|required)[^)]*\).*\(default [^)]*\)`)

func TestHelpStatesEachDefaultOnce(t *testing.T) {
	root := newRoot(nil, nil)
	var walk func(args []string)
	walk = func(args []string) {
		code, stdout, stderr := hpsearch(t, context.Background(), append(args, "--help")...)
		if code != exitOK {
			t.Fatalf("%v --help: exit %d\n%s", args, code, stderr)
		}
		for _, line := range strings.Split(stdout, "\n") {
			if doubleDefault.MatchString(line) {
				t.Errorf("hpsearch %s --help: %s", strings.Join(args, " "), strings.TrimSpace(line))
			}
		}
	}
	for _, c := range root.Commands() {
		walk([]string{c.Name()})
	}
}

func TestExportFormatFollowsTheExtension(t *testing.T) {
	dir := t.TempDir()
	storage := quickSweep(t, dir, "ext")
	export := func(args ...string) (int, string) {
		code, _, stderr := hpsearch(t, context.Background(), append(append([]string{"export", "ext"}, args...), storage...)...)
		return code, stderr
	}
	firstLine := map[string]string{"all.csv": "number,", "all.json": "{", "best.yml": "study: ext", "best.YAML": "study: ext"}
	for name, want := range firstLine {
		path := filepath.Join(dir, name)
		if code, stderr := export("-o", path); code != exitOK {
			t.Fatalf("export -o %s: exit %d\n%s", name, code, stderr)
		}
		b, err := os.ReadFile(path)
		if err != nil || !strings.HasPrefix(string(b), want) {
			t.Errorf("export -o %s wrote %.40q…, want it to start with %q (%v)", name, b, want, err)
		}
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-o", filepath.Join(dir, "all.txt")}, `extension ".txt" (allowed: .yaml, .yml, .csv, .json`},
		{[]string{"-o", filepath.Join(dir, "all.csv"), "--format", "json"}, "--format json contradicts"},
	} {
		if code, stderr := export(c.args...); code != exitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("export %s: exit %d, %s; want exit 2 and %q", strings.Join(c.args, " "), code, stderr, c.want)
		}
	}
	// An explicit --format goes to a file of any other name.
	if code, stderr := export("-o", filepath.Join(dir, "trials.out"), "--format", "csv"); code != exitOK {
		t.Errorf("export --format csv -o trials.out: exit %d %s", code, stderr)
	}
}

func TestStudiesCompareValidateJSON(t *testing.T) {
	dir := t.TempDir()
	storage := quickSweep(t, dir, "qa")
	quickSweep(t, dir, "qb")
	code, stdout, stderr := hpsearch(t, context.Background(), append([]string{"studies", "--json"}, storage...)...)
	if code != exitOK {
		t.Fatalf("studies --json: exit %d\n%s", code, stderr)
	}
	var studies studiesDoc
	if err := json.Unmarshal([]byte(stdout), &studies); err != nil {
		t.Fatalf("studies --json: %v\n%s", err, stdout)
	}
	if len(studies.Studies) != 2 || studies.Studies[0].Study != "qa" || studies.Studies[0].Done != 12 || studies.Studies[0].Best == nil {
		t.Errorf("studies --json: %+v", studies)
	}

	code, stdout, stderr = hpsearch(t, context.Background(), append([]string{"compare", "qa", "qb", "--json"}, storage...)...)
	if code != exitOK {
		t.Fatalf("compare --json: exit %d\n%s", code, stderr)
	}
	var cmp struct {
		A, B struct {
			Study      string
			Trials     int
			Best       *struct{ Number int }
			LastRanges map[string][]any `json:"last_ranges"`
		}
		Moved map[string]string
	}
	if err := json.Unmarshal([]byte(stdout), &cmp); err != nil {
		t.Fatalf("compare --json: %v\n%s", err, stdout)
	}
	if cmp.A.Study != "qa" || cmp.B.Study != "qb" || cmp.A.Best == nil || len(cmp.A.LastRanges["learning_rate"]) != 2 || cmp.Moved["learning_rate"] == "" {
		t.Errorf("compare --json:\n%s", stdout)
	}

	code, stdout, stderr = hpsearch(t, context.Background(), "validate", filepath.Join("..", "..", "configs", "iris-mlp.yaml"), "--json")
	if code != exitOK {
		t.Fatalf("validate --json: exit %d\n%s", code, stderr)
	}
	var v struct {
		Objective string
		Data      struct {
			TrainRows int `json:"train_rows"`
		}
		Space []struct{ Name, Distribution string }
		Plan  struct {
			Strategy       string
			Trials, Rounds int
		}
	}
	if err := json.Unmarshal([]byte(stdout), &v); err != nil {
		t.Fatalf("validate --json: %v\n%s", err, stdout)
	}
	if v.Objective != "trainer" || v.Data.TrainRows != 105 || len(v.Space) == 0 || v.Space[0].Name != "learning_rate" || v.Plan.Trials != 48 || v.Plan.Rounds != 3 {
		t.Errorf("validate --json:\n%s", stdout)
	}
}

func TestValidateFunctionModelHasNoEmptyLoss(t *testing.T) {
	code, stdout, stderr := hpsearch(t, context.Background(), "validate", filepath.Join("..", "..", "configs", "plateau.yaml"))
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if strings.Contains(stdout, "loss \n") || strings.Contains(stdout, "loss ,") {
		t.Errorf("validate prints an empty loss:\n%s", stdout)
	}
}
