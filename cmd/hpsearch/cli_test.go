package main

import (
	"context"
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
