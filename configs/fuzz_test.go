package configs

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// fuzzSeeds are configs from issue 16's probe: extreme numbers, NUL bytes,
// a second YAML document, anchors, deep nesting, sizes at the int64 limit.
var fuzzSeeds = []string{
	"",
	"name: q\ndata: {synthetic: {kind: linear, samples: 100, features: 2}}\nsearch: {strategy: random, trials: 4}\nparameters: {learning_rate: {log_uniform: [1e-4, 1]}}\n",
	"seed: 1e400\n",
	"seed: 99999999999999999999999999\n",
	"search: {trials: 9223372036854775807}\n",
	"search: {trials: 1e18}\n",
	"search: {rounds: 2, trials_per_round: 9223372036854775807}\n",
	"parameters: {learning_rate: {powers_of_ten: [-3, 400]}}\n",
	"parameters: {learning_rate: {powers_of_ten: [-400, 400]}}\n",
	"parameters: {x0: {uniform: [-1.7e308, 1.7e308]}}\n",
	"parameters: {n: {int: [-9223372036854775808, 9223372036854775807]}}\n",
	"parameters: {n: {int: [1, 1e30]}}\n",
	"parameters: {learning_rate: {log_uniform: [1e-320, 1]}}\n",
	"parameters: {opt: {choice: [\"a\\0b\", ok]}}\n",
	"name: \"a\\0b\"\n",
	"seed: 1\n---\noutput: {dir: /tmp/elsewhere}\n",
	"a: &a [1, 2]\nb: *a\n",
	"b: &b {seed: 1}\n<<: *b\n",
	strings.Repeat("[", 200) + strings.Repeat("]", 200),
	"seed: 1\nseed: 2\n",
	"- 1\n- 2\n",
	"learning_rate: .nan\nparameters: {x: {uniform: [.nan, .inf]}}\n",
	"trainer: {env: {KEY: \"\\0\"}, max_iterations: 1e18}\n",
	"\xff\xfe\x00",
}

// FuzzParse: any config text is refused with problems that each name the
// file, or loads; never a panic, and never a hang.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		if len(text) > 8192 {
			return // a config, not a load test: MaxConfigBytes is tested apart
		}
		dir := t.TempDir()
		done := make(chan error, 1)
		go func() {
			_, err := Parse(strings.NewReader(text), "fuzz.yaml", dir, nil)
			done <- err
		}()
		var err error
		select {
		case err = <-done:
		case <-time.After(20 * time.Second):
			t.Fatal("Parse did not return in 20s")
		}
		if err == nil {
			return
		}
		var ce *Error
		if !errors.As(err, &ce) {
			t.Fatalf("not a *configs.Error: %v", err)
		}
		for _, p := range ce.Problems {
			if p.File != "fuzz.yaml" || p.Message == "" {
				t.Errorf("problem without its file or message: %+v", p)
			}
		}
	})
}
