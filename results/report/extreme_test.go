package report

import (
	"bytes"
	"errors"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/plot/vg/draw"

	"github.com/hpsearch/hpsearch/results"
)

// parseStudy reads a study from a few lines of text, the form the fuzz
// corpus keeps them in so that a crasher can be read and edited:
//
//	goal maximize
//	config trainer.gradient_threshold 0
//	round 1 learning_rate 1e-4 1 log
//	round 1 optimizer choice gd adam
//	ok 0.25 learning_rate=0.01 best=3 iters=10 0:1,2,3 5:1e-320,0,NaN
//
// A trial line is a status, its value, then parameters (name=value),
// best= and iters=, and history points iteration:train,grad,validation.
// Whatever does not parse is skipped: every input is some study.
func parseStudy(text string) (results.Study, []results.Trial) {
	s := results.Study{Name: "fuzz", Metric: "validation_loss", Goal: results.GoalMinimize}
	var trials []results.Trial
	rounds := map[int]int{} // round number → index in s.Rounds
	for line := range strings.Lines(text) {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		switch f[0] {
		case "goal":
			if len(f) > 1 {
				s.Goal = results.Goal(f[1])
			}
		case "config":
			if len(f) > 2 {
				s.Config += f[1] + ": " + f[2] + "\n"
			}
		case "round":
			if len(f) < 4 {
				continue
			}
			n, err := strconv.Atoi(f[1])
			if err != nil {
				continue
			}
			i, ok := rounds[n]
			if !ok {
				i = len(s.Rounds)
				rounds[n] = i
				s.Rounds = append(s.Rounds, results.Round{Round: n, Best: math.NaN(), Median: math.NaN()})
			}
			rg := results.Range{Name: f[2]}
			if f[3] == "choice" {
				for _, c := range f[4:] {
					rg.Choices = append(rg.Choices, value(c))
				}
			} else if len(f) > 4 {
				rg.Low, rg.High = number(f[3]), number(f[4])
				rg.Log = len(f) > 5 && f[5] == "log"
			}
			s.Rounds[i].Ranges = append(s.Rounds[i].Ranges, rg)
		default:
			t := results.Trial{Study: s.Name, Number: len(trials), Status: results.Status(f[0])}
			if len(f) > 1 {
				t.Value = results.Measured(number(f[1]))
			}
			for _, tok := range f[min(2, len(f)):] {
				if name, v, ok := strings.Cut(tok, "="); ok {
					switch name {
					case "best":
						t.BestIteration, _ = strconv.Atoi(v)
					case "iters":
						t.Iterations, _ = strconv.Atoi(v)
					case "round":
						t.Round, _ = strconv.Atoi(v)
					default:
						t.Params = append(t.Params, results.Param{Name: name, Value: value(v)})
					}
					continue
				}
				it, vals, ok := strings.Cut(tok, ":")
				n, err := strconv.Atoi(it)
				if !ok || err != nil {
					continue
				}
				p := results.Point{Iteration: n, TrainLoss: math.NaN(), GradNorm: math.NaN(), ValidationLoss: math.NaN()}
				for j, v := range strings.Split(vals, ",") {
					switch j {
					case 0:
						p.TrainLoss = number(v)
					case 1:
						p.GradNorm = number(v)
					case 2:
						p.ValidationLoss = number(v)
					}
				}
				t.History = append(t.History, p)
				t.Iterations = max(t.Iterations, n)
			}
			trials = append(trials, t)
		}
	}
	return s, trials
}

// number parses a float, NaN when it is not one.
func number(s string) float64 {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return math.NaN()
	}
	return f
}

// value is a parameter value as a store gives it back: int64, float64 or
// string.
func value(s string) any {
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return i
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return f
	}
	return s
}

// extremeStudies are the histories a trial can produce that broke the
// report (issue 16): zeros, subnormals, ±Inf and NaN, 300+ decades, one
// point, all equal. Each must draw its loss and gradient curves.
var extremeStudies = []struct{ name, text string }{
	{"target all zero, gradient_threshold 0",
		"config trainer.gradient_threshold 0\nok 0 learning_rate=0.5 0:0.5,1,0.5 100:1e-200,1e-150,1e-200 200:1e-310,1e-320,1e-310 300:0,0,0\n" +
			"ok 0 learning_rate=0.4 0:0.5,1,0.5 300:0,0,0\n"},
	{"command printing val_loss 1e-320", "ok 1e-320 learning_rate=0.1 best=3 iters=4 1:NaN,NaN,0.5 2:NaN,NaN,1e-10 3:NaN,NaN,1e-320 4:NaN,NaN,1e-300\n"},
	{"smallest subnormal", "ok 5e-324 learning_rate=0.1 0:5e-324,5e-324,5e-324 1:1e-323,1e-323,1e-323\n"},
	{"600 decades", "ok 1e-300 learning_rate=0.1 0:1e300,1e300,1e300 1:1,1,1 2:1e-300,1e-300,1e-300\n"},
	{"the whole float64 range", "ok 1 learning_rate=0.1 0:1.7976931348623157e308,1.7976931348623157e308,1.7976931348623157e308 1:5e-324,5e-324,5e-324\n" +
		"diverged NaN learning_rate=1 0:1,1,1 1:+Inf,NaN,-Inf\n"},
	{"both signs at the float64 limits", "goal maximize\nok 1.7e308 learning_rate=0.1 0:-1.7e308,-1.7e308,-1.7e308 1:1.7e308,1.7e308,1.7e308\n" +
		"ok -1.7e308 learning_rate=1e-300 0:1,2,3\n"},
	{"one point", "ok 0.5 learning_rate=0.1 7:0.5,0.1,0.5\n"},
	{"all equal", "ok 0.5 learning_rate=0.1 0:0.5,0.5,0.5 1:0.5,0.5,0.5 2:0.5,0.5,0.5\n"},
	{"all equal, huge", "ok 1e300 learning_rate=1e300 0:1e300,1e300,1e300 1:1e300,1e300,1e300\n"},
	{"negative losses", "ok -3 learning_rate=0.1 0:-1,-2,-3 1:-1e-320,-1e300,0\n"},
	{"huge iteration numbers", "ok 1 learning_rate=0.1 best=9223372036854775806 -9223372036854775808:1,1,1 9223372036854775807:2,2,2\n"},
	{"Inf and NaN between finite values", "ok 2 learning_rate=0.1 0:1,1,1 1:+Inf,NaN,-Inf 2:NaN,+Inf,NaN 3:2,2,2\n"},
	{"pruned at the extremes", "pruned 1e-320 learning_rate=0.1 0:1,1,1e300 1:1,1,1e-320\nok 1.7e308 learning_rate=0.2 0:1,1,1.7e308 1:1,1,5e-324\n"},
	{"ranges at the extremes", "round 1 learning_rate 1e-320 1.7e308 log\nround 1 x -1.7e308 1.7e308\nround 2 learning_rate 5e-324 5e-324 log\nround 2 x 1e300 1e300\n" +
		"round 9223372036854775807 x 0 1\n" +
		"ok 1 round=1 learning_rate=1e-310 x=-1.7e308 0:1,1,1\nok 2 round=2 learning_rate=5e-324 x=1e300 0:1,1,1\n"},
}

// extremeNoData is the plot a study of extremeStudies has no finite
// values for.
var extremeNoData = map[string]string{"command printing val_loss 1e-320": "grad"}

// hangAfter is how long one study's plots may take before the test calls
// it a hang (gonum's tick labelling loops for ever on a range that
// overflows float64).
const hangAfter = 20 * time.Second

// drawAll makes and renders every plot of the report, as the report does,
// and returns the ids of those drawn. A panic, a recovered drawing panic
// or a hang fails the test; ErrNoData and plain errors are returned.
func drawAll(t *testing.T, s results.Study, trials []results.Trial) (drawn map[string]bool, errs map[string]error) {
	t.Helper()
	type result struct {
		drawn map[string]bool
		errs  map[string]error
		panic any
	}
	done := make(chan result, 1)
	go func() {
		r := result{drawn: map[string]bool{}, errs: map[string]error{}}
		defer func() {
			if p := recover(); p != nil {
				r.panic = p
			}
			done <- r
		}()
		for _, c := range newCharts(s, trials, results.Rank(trials, s.Goal)) {
			fig, err := c.make()
			if err == nil {
				err = fig.Render(io.Discard, SVG)
			}
			if err != nil {
				r.errs[c.id] = err
				continue
			}
			r.drawn[c.id] = true
		}
	}()
	select {
	case r := <-done:
		if r.panic != nil {
			t.Fatalf("a plot panicked: %v", r.panic)
		}
		for id, err := range r.errs {
			if pe := (*panicError)(nil); errors.As(err, &pe) {
				t.Errorf("%s: the drawing library panicked: %v", id, err)
			}
		}
		return r.drawn, r.errs
	case <-time.After(hangAfter):
		t.Fatalf("the plots did not finish in %v", hangAfter)
	}
	return nil, nil
}

// TestPlotsDrawExtremeHistories is issue 16's report panic: each history
// is drawn, its loss and gradient curves included, rather than panicking
// (which took the whole report down), hanging or becoming a note.
func TestPlotsDrawExtremeHistories(t *testing.T) {
	for _, tc := range extremeStudies {
		t.Run(tc.name, func(t *testing.T) {
			s, trials := parseStudy(tc.text)
			drawn, errs := drawAll(t, s, trials)
			for _, id := range []string{"loss", "grad", "lr", "parallel"} {
				if !drawn[id] && id != extremeNoData[tc.name] {
					t.Errorf("%s not drawn: %v", id, errs[id])
				}
			}
			for id, err := range errs {
				if !errors.Is(err, ErrNoData) {
					t.Errorf("%s: %v", id, err)
				}
			}
		})
	}
}

// TestTrialCurvesExtreme is `hpsearch plot --trial N` on the same
// histories, as SVG, and the first as PNG (its default) too: rasterising
// is the same drawing, a hundred times slower under -race.
func TestTrialCurvesExtreme(t *testing.T) {
	for i, tc := range extremeStudies {
		t.Run(tc.name, func(t *testing.T) {
			s, trials := parseStudy(tc.text)
			for _, tr := range trials {
				fig, err := TrialCurves(s, tr)
				if err != nil {
					t.Errorf("trial %d: %v", tr.Number, err)
					continue
				}
				for _, format := range []string{PNG, SVG} {
					if format == PNG && (i > 0 || tr.Number > 0 || testing.Short()) {
						continue
					}
					if err := fig.Render(io.Discard, format); err != nil {
						t.Errorf("trial %d as %s: %v", tr.Number, format, err)
					}
				}
			}
		})
	}
}

// TestReportOfExtremeStudy writes the whole report: every plot present,
// none replaced by a note.
func TestReportOfExtremeStudy(t *testing.T) {
	var all strings.Builder
	for _, tc := range extremeStudies {
		all.WriteString(tc.text)
	}
	s, trials := parseStudy(all.String())
	var buf bytes.Buffer
	if err := WriteHTML(&buf, s, trials); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(buf.String(), `data-plot="`); n < 4 {
		t.Errorf("%d plots in the report, want at least loss, grad, lr and parallel", n)
	}
	if strings.Contains(buf.String(), "could not be drawn") {
		t.Errorf("a plot became a note: %s", between(buf.String(), `<p class="note" id="missing-`, "</p>"))
	}
}

func between(s, from, to string) string {
	_, after, ok := strings.Cut(s, from)
	if !ok {
		return ""
	}
	before, _, _ := strings.Cut(after, to)
	return before
}

// TestPanickingPlotBecomesANote checks the last line of defence: a plot
// whose code panics is a sentence in the report, and the report is
// written.
func TestPanickingPlotBecomesANote(t *testing.T) {
	f := render(chart{id: "loss", make: func() (*Figure, error) { panic("index out of range [3] with length 3") }})
	if f.Missing == "" || !strings.Contains(f.Missing, "index out of range") || !strings.Contains(f.Missing, "please report") {
		t.Errorf("got %+v, want a note naming the panic and asking for a report", f)
	}
	f = render(chart{id: "loss", make: func() (*Figure, error) {
		return &Figure{Title: "boom", Width: plotWidth, Height: plotHeight, draw: func(draw.Canvas) { panic("nil map") }}, nil
	}})
	if !strings.Contains(f.Missing, "nil map") {
		t.Errorf("got %+v, want a note naming the panic", f)
	}
}

// FuzzPlotInputs writes the report, and draws the first trial's curves,
// for studies in parseStudy's text form: nothing may panic, hang, or
// leave a plot out for any reason but ErrNoData. (The report turns a
// panicking plot into a note, so the note is what is looked for.)
func FuzzPlotInputs(f *testing.F) {
	for _, tc := range extremeStudies {
		f.Add(tc.text)
	}
	f.Add("")
	f.Add("ok\n")
	f.Add("failed NaN learning_rate=abc\nok 1 learning_rate=-1 0:1,1,1\n")
	f.Add("round 1 optimizer choice gd adam\nround 2 optimizer choice adam\nok 1 round=1 optimizer=gd 0:1,2,3\n")
	f.Fuzz(func(t *testing.T, text string) {
		if len(text) > 1024 {
			return // a study, not a benchmark: long inputs only slow the fuzzer
		}
		s, trials := parseStudy(text)
		within(t, func() {
			var buf bytes.Buffer
			if err := WriteHTML(&buf, s, trials); err != nil {
				t.Error(err)
			}
			if strings.Contains(buf.String(), "could not be drawn") {
				t.Errorf("a plot became a note: %s", between(buf.String(), `<p class="note" id="missing-`, "</p>"))
			}
			for _, tr := range trials[:min(1, len(trials))] {
				fig, err := TrialCurves(s, tr)
				if err == nil {
					err = fig.Render(io.Discard, SVG)
				}
				if err != nil && !errors.Is(err, ErrNoData) {
					t.Errorf("trial %d: %v", tr.Number, err)
				}
			}
		})
	})
}

// within runs f, failing the test if it panics or has not returned after
// hangAfter.
func within(t *testing.T, f func()) {
	t.Helper()
	done := make(chan any, 1)
	go func() {
		defer func() { done <- recover() }()
		f()
	}()
	select {
	case p := <-done:
		if p != nil {
			t.Fatalf("panic: %v", p)
		}
	case <-time.After(hangAfter):
		t.Fatalf("did not finish in %v", hangAfter)
	}
}
