package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// COLUMNS=80 (a tmux pane, an 80-column terminal): every line of the
// quickstart's and iris-mlp's tables fits; --wide, or a pipe without
// COLUMNS, gets every column.
func TestTablesFitTheTerminal(t *testing.T) {
	for _, name := range []string{"quickstart", "iris-mlp"} {
		t.Run(name, func(t *testing.T) {
			out := t.TempDir()
			args := append([]string{"run", filepath.Join("..", "..", "configs", name+".yaml"), "--set", "output.dir=" + out}, exampleOverrides[name]...)
			t.Setenv("COLUMNS", "80")
			_, stdout, stderr := hpsearch(t, context.Background(), args...)
			if !strings.Contains(stdout, "(--wide also shows: seconds") {
				t.Errorf("at 80 columns no line names the columns left out:\n%s\n%s", stdout, stderr)
			}
			for _, line := range strings.Split(stdout, "\n") {
				if n := utf8.RuneCountInString(line); n > 80 {
					t.Errorf("a line of %d columns at COLUMNS=80:\n%s", n, line)
				}
			}
			db := "--storage=sqlite://" + filepath.Join(out, "hpsearch.db")
			study := strings.TrimSuffix(filepath.Base(name), ".yaml")
			for _, tc := range []struct {
				name    string
				columns string
				args    []string
			}{
				{"--wide", "80", []string{"show", study, db, "--wide"}},
				{"a pipe", "", []string{"show", study, db}},
			} {
				t.Setenv("COLUMNS", tc.columns)
				code, shown, errOut := hpsearch(t, context.Background(), tc.args...)
				if code != exitOK {
					t.Fatalf("%s: exit %d\n%s", tc.name, code, errOut)
				}
				if !strings.Contains(shown, " seconds ") || strings.Contains(shown, "--wide also shows") {
					t.Errorf("%s: the table is not whole:\n%s", tc.name, shown)
				}
			}
		})
	}
}

// eval's table fits the terminal like run's and show's; --wide, or a pipe
// without COLUMNS, gets every column.
func TestEvalFitsTheTerminal(t *testing.T) {
	config := filepath.Join("..", "..", "configs", "iris-mlp.yaml")
	args := []string{"eval", config, "--set", "output.dir=" + t.TempDir()}
	t.Setenv("COLUMNS", "80")
	code, stdout, stderr := hpsearch(t, context.Background(), args...)
	if code != exitOK || !strings.Contains(stdout, "--wide also shows") {
		t.Fatalf("exit %d; at 80 columns no line names the columns left out:\n%s\n%s", code, stdout, stderr)
	}
	for _, line := range strings.Split(stdout, "\n") {
		if n := utf8.RuneCountInString(line); n > 80 {
			t.Errorf("a line of %d columns at COLUMNS=80:\n%s", n, line)
		}
	}
	for _, tc := range []struct {
		name    string
		columns string
		args    []string
	}{
		{"--wide", "80", append(args[:len(args):len(args)], "--wide")},
		{"a pipe", "", args},
	} {
		t.Setenv("COLUMNS", tc.columns)
		code, whole, errOut := hpsearch(t, context.Background(), tc.args...)
		if code != exitOK {
			t.Fatalf("%s: exit %d\n%s", tc.name, code, errOut)
		}
		if strings.Contains(whole, "--wide also shows") || !strings.Contains(whole, " seconds ") {
			t.Errorf("%s: the table is not whole:\n%s", tc.name, whole)
		}
	}
}
