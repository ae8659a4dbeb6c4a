package configs

import (
	"strings"
	"testing"
)

func TestMisspeltEnvironmentVariableIsAProblem(t *testing.T) {
	src := "data: {synthetic: {kind: linear}}\n"
	t.Setenv("HPSEARCH_TRAINER_MAX_ITERATION", "5")
	t.Setenv("HPSEARCH_NONSENSE", "1")
	t.Setenv("HPSEARCH_SEARCH_PARALLELISM", "2") // a key: fine
	_, err := parse(t, src)
	got := strings.Join(problems(t, err), "\n")
	for _, want := range []string{
		`c.yaml: env HPSEARCH_TRAINER_MAX_ITERATION: not a config key, did you mean "HPSEARCH_TRAINER_MAX_ITERATIONS"?`,
		"c.yaml: env HPSEARCH_NONSENSE: not a config key (an HPSEARCH_ variable sets the config key it spells",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("want %q among the problems:\n%s", want, got)
		}
	}
	if strings.Contains(got, "env HPSEARCH_SEARCH_PARALLELISM") {
		t.Errorf("a real key was reported:\n%s", got)
	}
}

func TestHpsearchsOtherVariablesAreNotConfigKeys(t *testing.T) {
	for _, name := range append(otherEnv, otherEnvPrefix+"LEARNING_RATE") {
		t.Setenv(name, "1")
	}
	if _, err := parse(t, "data: {synthetic: {kind: linear}}\n"); err != nil {
		t.Fatalf("hpsearch's own variables were taken for misspelt keys: %v", err)
	}
}
