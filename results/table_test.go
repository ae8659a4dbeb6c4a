package results

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
)

func TestFormatValue(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"nil", nil, "-"},
		{"zero", 0.0, "0"},
		{"one", 1.0, "1"},
		{"four digits", 0.123456, "0.1235"},
		{"boundary 0.01", 0.01, "0.01"},
		{"learning rate 1e-3", 0.001, "1e-03"},
		{"learning rate 2.5e-5", 2.5e-5, "2.5e-05"},
		{"small rounded", 0.00123456, "1.235e-03"},
		{"negative small", -0.0005, "-5e-04"},
		{"hundreds", 123.456, "123.5"},
		{"just below 1e4", 9999.0, "9999"},
		{"rounds up to 1e4", 9999.9, "1e+04"},
		{"large", 12345.678, "1.235e+04"},
		{"NaN", math.NaN(), "NaN"},
		{"+Inf", math.Inf(1), "+Inf"},
		{"-Inf", math.Inf(-1), "-Inf"},
		{"float32", float32(0.5), "0.5"},
		{"int64", int64(1234567), "1234567"},
		{"int", 42, "42"},
		{"string", "relu", "relu"},
		{"status", StatusOK, "ok"},
		{"bool", true, "true"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := FormatValue(tc.in); got != tc.want {
				t.Errorf("FormatValue(%#v) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestFormatRange(t *testing.T) {
	tests := []struct {
		name string
		in   Range
		want string
	}{
		{"linear", Range{Low: 0, High: 0.99}, "[0, 0.99]"},
		{"log ends in e-notation", Range{Low: 1e-5, High: 1, Log: true}, "[1e-05, 1e+00]"},
		{"log zero", Range{Low: 0, High: 0.5, Log: true}, "[0, 5e-01]"},
		{"int choices", Range{Choices: []any{int64(16), int64(32)}}, "{16, 32}"},
		{"string choices", Range{Choices: []any{"relu", "tanh"}}, "{relu, tanh}"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := FormatRange(tc.in); got != tc.want {
				t.Errorf("FormatRange = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestPowerOfTen(t *testing.T) {
	tests := []struct {
		name  string
		in    any
		power int
		ok    bool
	}{
		{"1e-3 exactly", 1e-3, -3, true},
		{"just under 1e-2 is nearest 1e-2", 0.0099, -2, true},
		{"3e-3 is nearest 1e-3", 0.003, -3, true},
		{"1e-6 from arithmetic", 0.1 * 1e-5, -6, true},
		{"one", 1.0, 0, true},
		{"int", int64(100), 2, true},
		{"zero", 0.0, 0, false},
		{"negative", -0.1, 0, false},
		{"NaN", math.NaN(), 0, false},
		{"Inf", math.Inf(1), 0, false},
		{"string", "0.1", 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, ok := PowerOfTen(tc.in)
			if ok != tc.ok || (ok && p != tc.power) {
				t.Errorf("PowerOfTen(%v) = %d, %v; want %d, %v", tc.in, p, ok, tc.power, tc.ok)
			}
		})
	}
}

func TestWriteRanked(t *testing.T) {
	s, trials := fixtureStudy()
	classifier := func() (Study, []Trial) {
		s := Study{Name: "iris", Metric: "validation_loss", Goal: "minimize"}
		a := mkTrial(0, StatusOK, 0.3, 0.5, lr(0.1), act("relu"))
		a.Accuracy = Measured(0.9)
		b := mkTrial(1, StatusOK, 0.2, 0.5, lr(0.01), Param{Name: "hidden", Value: int64(16)})
		b.Accuracy = Measured(0.95)
		c := mkTrial(2, StatusFailed, nan, 0, lr(0.5), act("tanh"))
		c.Error = "timeout"
		return s, []Trial{a, b, c}
	}
	cs, ctrials := classifier()
	maxStudy := s
	maxStudy.Goal = "maximize"
	maxStudy.Metric = ""
	tests := []struct {
		name   string
		study  Study
		trials []Trial
		top    int
		file   string
	}{
		{"all trials", s, trials, 0, "ranked.txt"},
		{"top three", s, trials, 3, "ranked_top3.txt"},
		{"maximize, unnamed metric", maxStudy, trials, 4, "ranked_maximize.txt"},
		{"classifier with accuracy and sparse params", cs, ctrials, -1, "ranked_accuracy.txt"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteRanked(&b, tc.study, tc.trials, tc.top); err != nil {
				t.Fatal(err)
			}
			golden(t, tc.file, b.Bytes())
		})
	}
}

func TestWriteRankedHeaders(t *testing.T) {
	s, trials := fixtureStudy()
	var b bytes.Buffer
	if err := WriteRanked(&b, s, trials, 0); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, h := range []string{"learning_rate", "batch_size", "validation_loss", "train loss", "seconds"} {
		if !strings.Contains(out, h) {
			t.Errorf("header %q missing (upper-cased?):\n%s", h, out)
		}
	}
	if strings.Contains(out, "accuracy") {
		t.Errorf("accuracy column shown although no trial has one:\n%s", out)
	}
}

func TestWriteRounds(t *testing.T) {
	s, _ := fixtureStudy()
	var b bytes.Buffer
	if err := WriteRounds(&b, s.Rounds); err != nil {
		t.Fatal(err)
	}
	golden(t, "rounds.txt", b.Bytes())
}

func TestWriteLearningRates(t *testing.T) {
	_, trials := fixtureStudy()
	nonPositive := []Trial{
		mkTrial(0, StatusOK, 1, 1, lr(0)),
		mkTrial(1, StatusOK, 1, 1, lr(-0.1)),
		mkTrial(2, StatusOK, 1, 1, Param{Name: "learning_rate", Value: "fast"}),
	}
	tests := []struct {
		name   string
		trials []Trial
		param  string
		goal   Goal
		file   string // empty: nothing written
	}{
		{"learning rate", trials, "learning_rate", "minimize", "learning_rates.txt"},
		{"maximize", trials, "learning_rate", "maximize", "learning_rates_maximize.txt"},
		{"absent param writes nothing", trials, "step_size", "minimize", ""},
		{"no positive number writes nothing", nonPositive, "learning_rate", "minimize", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteLearningRatesFor(&b, tc.trials, tc.param, tc.goal); err != nil {
				t.Fatal(err)
			}
			if tc.file == "" {
				if b.Len() != 0 {
					t.Errorf("wrote %q, want nothing", b.String())
				}
				return
			}
			golden(t, tc.file, b.Bytes())
		})
	}
}

func TestWriteSummary(t *testing.T) {
	s, trials := fixtureStudy()
	tests := []struct {
		name   string
		study  Study
		trials []Trial
		want   string
	}{
		{"fixture", s, trials,
			"study quickstart (coarse-to-fine): 8/9 trials done: 5 ok, 1 pruned, 1 diverged, 1 failed, 1 running\n" +
				"best validation_loss 9.81e-03 (trial 6)\n"},
		{"nothing yet", Study{Name: "empty", Total: 10}, nil,
			"study empty: 0/10 trials done\nno successful trial\n"},
		{"total below trials run", Study{Name: "x", Metric: "accuracy", Goal: "maximize"},
			[]Trial{rt(0, StatusOK, 0.5), rt(1, StatusOK, 0.75)},
			"study x: 2/2 trials done: 2 ok\nbest accuracy 0.75 (trial 1)\n"},
		{"stopped for failures", Study{Name: "s", Total: 6, Status: StudyFailed},
			[]Trial{rt(0, StatusFailed, math.NaN()), rt(1, StatusFailed, math.NaN())},
			"study s: 2/6 trials done: 2 failed (stopped: more trials failed than search.max_failed_trials allows)\nno successful trial\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteSummary(&b, tc.study, tc.trials); err != nil {
				t.Fatal(err)
			}
			if b.String() != tc.want {
				t.Errorf("got:\n%s\nwant:\n%s", b.String(), tc.want)
			}
		})
	}
}

// failWriter fails every write, like a closed pipe.
type failWriter struct{}

var errWrite = errors.New("broken pipe")

func (failWriter) Write([]byte) (int, error) { return 0, errWrite }

func TestWritersReportWriteErrors(t *testing.T) {
	s, trials := fixtureStudy()
	tests := []struct {
		name  string
		write func() error
	}{
		{"summary", func() error { return WriteSummary(failWriter{}, s, trials) }},
		{"csv", func() error { return WriteCSV(failWriter{}, trials) }},
		{"json", func() error { return WriteJSON(failWriter{}, NewDocument(s, trials)) }},
		{"best.yaml", func() error { return WriteBestYAML(failWriter{}, BestFile{Params: Params{lr(0.1)}}) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.write(); err == nil {
				t.Error("write to a failing writer returned nil")
			}
		})
	}
}

// ExampleWriteLearningRates shows the lecture's experiment: one gradient
// descent run per power of ten, and which powers diverge.
func ExampleWriteLearningRates() {
	var trials []Trial
	for i, rate := range []float64{1e-4, 1e-3, 1e-2, 1e-1, 1, 10} {
		t := Trial{Number: i, Status: StatusOK, Params: Params{{Name: "learning_rate", Value: rate}}}
		switch {
		case rate >= 1:
			t.Status, t.Value = StatusDiverged, Measurement{}
		default:
			t.Value = Measured(0.5 - 0.1*float64(i))
		}
		trials = append(trials, t)
	}
	if err := WriteLearningRates(os.Stdout, trials, "learning_rate"); err != nil {
		fmt.Println(err)
	}
	// Output:
	// ┌───────────────┬────────┬────┬──────────┬────────┬────────────┬──────────────┐
	// │ learning rate │ trials │ ok │ diverged │ failed │ best value │ median value │
	// ├───────────────┼────────┼────┼──────────┼────────┼────────────┼──────────────┤
	// │          1e-4 │      1 │  1 │        0 │      0 │        0.5 │          0.5 │
	// │          1e-3 │      1 │  1 │        0 │      0 │        0.4 │          0.4 │
	// │          1e-2 │      1 │  1 │        0 │      0 │        0.3 │          0.3 │
	// │          1e-1 │      1 │  1 │        0 │      0 │        0.2 │          0.2 │
	// │           1e0 │      1 │  0 │        1 │      0 │          - │            - │
	// │           1e1 │      1 │  0 │        1 │      0 │          - │            - │
	// └───────────────┴────────┴────┴──────────┴────────┴────────────┴──────────────┘
}
