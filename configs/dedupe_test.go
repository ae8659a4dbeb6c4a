package configs

import (
	"strings"
	"testing"
)

// A problem found more than once (an alias repeats its node; two equal
// values on one line) is printed once: nine equal lines bury the others.
func TestSameProblemOnce(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"alias list", "model: {kind: function, function: plateau}\nparameters:\n  learning_rate: {choice: &l [&b [1], *b, *b]}\n  momentum: {choice: *l}\n",
			"c.yaml:3: parameters.learning_rate: choice must be a single value, got a list\n" +
				"c.yaml:3: parameters.momentum: choice must be a single value, got a list"},
		{"two empty devices", "trainer:\n  command: [sh, train.sh, '{args}']\n  devices: ['', '']\nparameters:\n  lr: {uniform: [0, 1]}\n",
			"c.yaml:3: trainer.devices: holds an empty device id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse(t, tt.src)
			if got := strings.Join(problems(t, err), "\n"); got != tt.want {
				t.Errorf("problems:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}
