package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func bench(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// TestBenchTable runs a small benchmark end to end: the table has a row
// per function, a column per strategy and the Optuna reference columns,
// and judges coarse-to-fine against TPE.
func TestBenchTable(t *testing.T) {
	code, stdout, stderr := bench(t, "-budgets", "100", "-seeds", "3", "-functions", "branin,levy:3", "-strategies", "coarse-to-fine,random")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"over 3 seeds at 100 trials", "coarse-to-fine", "random", "Optuna TPE", "c2f ≤ TPE", "c2f ≤ CMA-ES",
		"branin ", "[-5, 10]×[0, 15]", "levy:3 ", "[-10, 10]^3",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("table lacks %q:\n%s", want, stdout)
		}
	}
	// The shipped reference has branin at 100 trials (TPE 0.0121), so
	// the row is judged; it has no levy:3, so that row is not.
	for _, line := range strings.Split(stdout, "\n") {
		switch {
		case strings.HasPrefix(line, "branin "):
			if !strings.Contains(line, "0.0121") || strings.Count(line, "yes")+strings.Count(line, "no (") != 2 {
				t.Errorf("branin row not judged against TPE: %q", line)
			}
		case strings.HasPrefix(line, "levy:3 "):
			if !strings.HasSuffix(strings.TrimSpace(line), "–") {
				t.Errorf("levy:3 has no reference, its verdict must be –: %q", line)
			}
		}
	}
	// -judge names another strategy for the verdict columns.
	code, stdout, stderr = bench(t, "-budgets", "100", "-seeds", "2", "-functions", "branin", "-strategies", "random,sobol", "-judge", "sobol")
	if code != 0 || !strings.Contains(stdout, "sobol ≤ TPE") || !strings.Contains(stdout, "sobol ≤ CMA-ES") ||
		!strings.Contains(stdout, "sobol at or below Optuna TPE on") {
		t.Errorf("-judge sobol: exit %d, %s\n%s", code, stderr, stdout)
	}
	code, md, _ := bench(t, "-budgets", "20", "-seeds", "2", "-functions", "rosenbrock:2", "-strategies", "sobol", "-markdown", "-reference", "none")
	if code != 0 || !strings.Contains(md, "| function | domain | sobol |") || !strings.Contains(md, "| rosenbrock:2 | [-2, 2]^2 |") {
		t.Errorf("markdown table:\n%s", md)
	}
}

func TestBenchBadFlags(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-functions", "branin:3"}, "branin is 2-dimensional"},
		{[]string{"-functions", "nosuch"}, "unknown benchmark"},
		{[]string{"-functions", "levy:x"}, `dimension "x" is not a number`},
		{[]string{"-budgets", "0"}, `budget "0"`},
		{[]string{"-seeds", "0"}, "at least 1"},
		{[]string{"-strategies", "hyperopt", "-budgets", "10", "-seeds", "1", "-functions", "branin"}, `unknown value "hyperopt"`},
		{[]string{"-reference", "/nonexistent.tsv"}, "reference"},
		{[]string{"-strategies", "random", "-judge", "bayes"}, "-judge bayes is not one of -strategies"},
	}
	for _, tc := range tests {
		code, _, stderr := bench(t, tc.args...)
		if code == 0 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want a failure mentioning %q", tc.args, code, stderr, tc.want)
		}
	}
}

func TestParseReference(t *testing.T) {
	ref, err := parseReference([]byte("function\tbudget\tsampler\tmedian_regret\nbranin\t100\ttpe\t0.0121\n"), "r.tsv")
	if err != nil || ref[refKey{"branin", 100, "tpe"}] != 0.0121 {
		t.Fatalf("ref %v, err %v", ref, err)
	}
	if _, err := parseReference([]byte("branin\t100\ttpe\n"), "r.tsv"); err == nil || !strings.Contains(err.Error(), "r.tsv:1") {
		t.Fatalf("a short line: %v, want an error naming r.tsv:1", err)
	}
	if got := quartilesOf(1, 2, 3, 4, 5); got != [3]float64{2, 3, 4} {
		t.Fatalf("quartiles of 1…5 = %v, want [2 3 4]", got)
	}
}

func quartilesOf(xs ...float64) [3]float64 {
	q1, m, q3 := quartiles(xs)
	return [3]float64{q1, m, q3}
}
