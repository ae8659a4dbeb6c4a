package configs

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Problem is one thing wrong with a config, located as precisely as
// possible so that the user can go straight to it.
type Problem struct {
	File    string   // the config file as named to Load or Parse
	Line    int      // 1-based line in File; 0 when unknown or when Source is set
	Source  string   // "--set" or "env HPSEARCH_…" when the value came from an override, else ""
	Key     string   // dotted key path, e.g. trainer.learning_rate
	Message string   // what is wrong
	Allowed []string // the accepted keys or values, when there is a short list
}

// Error renders the problem as file:line: key: message (allowed: a, b). An
// overridden value shows its source instead of a line, e.g.
// "c.yaml: --set trainer.optimizer: …".
func (p Problem) Error() string {
	var b strings.Builder
	b.WriteString(p.File)
	switch {
	case p.Source != "":
		fmt.Fprintf(&b, ": %s", p.Source)
		if p.Key != "" {
			fmt.Fprintf(&b, " %s", p.Key)
		}
	case p.Line > 0:
		fmt.Fprintf(&b, ":%d", p.Line)
		if p.Key != "" {
			fmt.Fprintf(&b, ": %s", p.Key)
		}
	case p.Key != "":
		fmt.Fprintf(&b, ": %s", p.Key)
	}
	fmt.Fprintf(&b, ": %s", p.Message)
	if len(p.Allowed) > 0 {
		fmt.Fprintf(&b, " (allowed: %s)", strings.Join(p.Allowed, ", "))
	}
	return b.String()
}

// Warning renders p as a warning: "warning: " and then the form of Error.
func (p Problem) Warning() string {
	return "warning: " + p.Error()
}

// Error is every problem found in one config. Load and Parse report all of
// them at once so that a user fixes a config in one edit, not one per run.
type Error struct {
	Problems []Problem
}

// Error joins the problems, one per line.
func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap lets errors.As find a single Problem.
func (e *Error) Unwrap() []error {
	errs := make([]error, len(e.Problems))
	for i, p := range e.Problems {
		errs[i] = p
	}
	return errs
}

// sortProblems orders problems by line, file problems first, so the report
// reads top to bottom like the file; overrides and unlocated ones keep their
// discovery order at the end. A problem found again (a YAML alias repeats
// its node; two equal values on one line) is kept once: the returned slice
// shares ps's array.
func sortProblems(ps []Problem) []Problem {
	slices.SortStableFunc(ps, func(a, b Problem) int {
		return cmp.Compare(lineOrder(a), lineOrder(b))
	})
	seen := make(map[string]bool, len(ps))
	out := ps[:0]
	for _, p := range ps {
		if text := p.Error(); !seen[text] {
			seen[text] = true
			out = append(out, p)
		}
	}
	return out
}

func lineOrder(p Problem) int {
	if p.Line == 0 {
		return int(^uint(0) >> 1)
	}
	return p.Line
}

// suggest returns ` did you mean "x"?` for the candidate closest to word
// when it is at most two edits away, and "" otherwise.
func suggest(word string, candidates []string) string {
	best, bestDist := "", 3
	for _, c := range candidates {
		if d := editDistance(word, c); d < bestDist {
			best, bestDist = c, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(", did you mean %q?", best)
}

// editDistance is the Levenshtein distance between a and b, in bytes: keys
// and names here are ASCII.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
