package results

import (
	"fmt"
	"io"
	"strings"
)

// maxReasonLen bounds a failure's reason: long enough for any message
// hpsearch writes (the "printed no metric" hint is about 100 characters),
// short enough that a program printing one huge line does not flood the
// terminal. The whole output stays in the trial's stderr file.
const maxReasonLen = 300

// MaxFailuresListed is how many failed trials the list under the ranked
// table names; the rest are counted, and trials.csv has them all.
const MaxFailuresListed = 10

// FailureReason says in one line why a failed trial failed: its error's
// first line (exit status 3, the trainer's error, the "printed no metric"
// hint) and, when the error goes on with the last lines the program wrote
// on stderr, the last non-empty one of them, which is where a traceback
// says what went wrong. "" for a trial that did not fail.
func FailureReason(t Trial) string {
	if t.Status != StatusFailed {
		return ""
	}
	first := firstLine(t.Error)
	if first == "" {
		if t.StopReason != "" {
			return t.StopReason
		}
		return string(StatusFailed)
	}
	reason := first
	// A last line that ends in ":" introduces what is missing (a header
	// over blank stderr lines, a traceback cut short): it explains nothing.
	if last := lastLine(t.Error); last != first && !strings.HasSuffix(last, ":") {
		reason += ": " + last
	}
	return truncate(reason, maxReasonLen)
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return strings.TrimSpace(s)
}

// Failure is one line of the failed-trials list.
type Failure struct {
	Trial  int
	Reason string // FailureReason
	Output string // where the trial's whole output is; "" when nothing keeps it
}

// Failures lists the failed trials in number order (trials are stored so);
// output names the file holding a trial's whole output, "" for none (the
// built-in trainer keeps no output), and may be nil.
func Failures(trials []Trial, output func(Trial) string) []Failure {
	var fs []Failure
	for _, t := range trials {
		if t.Status != StatusFailed {
			continue
		}
		f := Failure{Trial: t.Number, Reason: FailureReason(t)}
		if output != nil {
			f.Output = output(t)
		}
		fs = append(fs, f)
	}
	return fs
}

// WriteFailures writes the failed-trials list that goes under the ranked
// table: each failed trial with its reason and where its whole output is,
// the first MaxFailuresListed of them. It writes nothing when no trial
// failed.
func WriteFailures(w io.Writer, trials []Trial, output func(Trial) string) error {
	fs := Failures(trials, output)
	if len(fs) == 0 {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\nFailed trials (%d):\n", len(fs))
	for i, f := range fs {
		if i == MaxFailuresListed {
			fmt.Fprintf(&b, "  … and %d more (trials.csv has every reason)\n", len(fs)-i)
			break
		}
		fmt.Fprintf(&b, "  trial %d: %s\n", f.Trial, f.Reason)
		if f.Output != "" {
			fmt.Fprintf(&b, "    output: %s\n", f.Output)
		}
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write failed trials: %w", err)
	}
	return nil
}
