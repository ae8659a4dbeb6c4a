package main

import (
	"context"
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
