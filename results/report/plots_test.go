package report

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hpsearch/hpsearch/results"
)

// plotFuncs are the report's plots by name, as a caller outside the
// package calls them.
var plotFuncs = []struct {
	name string
	make func(results.Study, []results.Trial) (*Figure, error)
}{
	{"loss", func(s results.Study, ts []results.Trial) (*Figure, error) { return LossCurves(s, ts, 0) }},
	{"grad", func(s results.Study, ts []results.Trial) (*Figure, error) { return GradNormCurves(s, ts, 3) }},
	{"lr", func(s results.Study, ts []results.Trial) (*Figure, error) {
		return ValueVsLearningRate(s, ts, "learning_rate")
	}},
	{"ranges", RangeNarrowing},
	{"parallel", ParallelCoordinates},
	{"pruned", PrunedCurves},
}

func small() (results.Study, []results.Trial) {
	return synth{trials: 40, rounds: 4, history: 30, pruning: true, seed: 7}.study()
}

// mutate returns a small study changed by f, trial by trial.
func mutate(f func(*results.Study, *results.Trial)) func() (results.Study, []results.Trial) {
	return func() (results.Study, []results.Trial) {
		s, trials := small()
		for i := range trials {
			f(&s, &trials[i])
		}
		return s, trials
	}
}

// TestPlotsOnAnyStudy draws every plot of studies a real sweep can leave
// behind, degenerate ones included: each either draws its data or says
// ErrNoData; none panics or fails otherwise. SVG is checked here (the
// drawing code is the same for PNG, and rasterising is slow under -race);
// TestPNG and the browser test look at pixels.
func TestPlotsOnAnyStudy(t *testing.T) {
	all := []string{"loss", "grad", "lr", "ranges", "parallel", "pruned"}
	cases := []struct {
		name  string
		study func() (results.Study, []results.Trial)
		draws []string // the plots expected; the others must be ErrNoData
	}{
		{"typical", small, all},
		{"empty", func() (results.Study, []results.Trial) { return results.Study{Name: "empty"}, nil }, nil},
		{"one trial", func() (results.Study, []results.Trial) {
			return synth{trials: 1, rounds: 1, history: 10, seed: 1}.study()
		}, []string{"loss", "grad", "lr", "ranges", "parallel"}},
		{"no histories", mutate(func(_ *results.Study, t *results.Trial) { t.History = nil }),
			[]string{"lr", "ranges", "parallel"}},
		{"every value NaN", mutate(func(_ *results.Study, t *results.Trial) {
			t.Value, t.TrainLoss = results.Measurement{}, results.Measurement{}
			for i := range t.History {
				t.History[i] = results.Point{Iteration: t.History[i].Iteration, TrainLoss: math.NaN(), GradNorm: math.NaN(), ValidationLoss: math.Inf(1)}
			}
		}), []string{"lr", "ranges", "parallel"}},
		{"all diverged", mutate(func(_ *results.Study, t *results.Trial) {
			t.Status, t.Value = results.StatusDiverged, results.Measurement{}
		}), []string{"loss", "grad", "lr", "ranges", "parallel"}},
		{"maximize, negative values", mutate(func(s *results.Study, t *results.Trial) {
			s.Goal, s.Metric = results.GoalMaximize, "score"
			t.Value = results.Measured(-t.Value.Float())
		}), all},
		{"zero losses and gradients", mutate(func(_ *results.Study, t *results.Trial) {
			for i := range t.History {
				t.History[i].TrainLoss, t.History[i].GradNorm = 0, 0
			}
		}), all},
		{"no learning rate, no rounds", mutate(func(s *results.Study, t *results.Trial) {
			s.Rounds = nil
			for i := range t.Params {
				if t.Params[i].Name == "learning_rate" {
					t.Params[i].Name = "step"
				}
			}
		}), []string{"loss", "grad", "parallel", "pruned"}},
		{"broken ranges", mutate(func(s *results.Study, _ *results.Trial) {
			for r := range s.Rounds {
				for i := range s.Rounds[r].Ranges {
					if s.Rounds[r].Ranges[i].Choices == nil {
						s.Rounds[r].Ranges[i].Low, s.Rounds[r].Ranges[i].High = math.NaN(), -1
					}
				}
			}
		}), all},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, trials := tc.study()
			for _, pf := range plotFuncs {
				fig, err := pf.make(s, trials)
				if !slices.Contains(tc.draws, pf.name) {
					if !errors.Is(err, ErrNoData) {
						t.Errorf("%s: got %v, want ErrNoData", pf.name, err)
					}
					continue
				}
				if err != nil {
					t.Errorf("%s: %v", pf.name, err)
					continue
				}
				if dataColors(renderSVG(t, fig)) == 0 {
					t.Errorf("%s: axes but no data", pf.name)
				}
				if fig.Title == "" || fig.Caption == "" {
					t.Errorf("%s: no title or caption", pf.name)
				}
			}
		})
	}
}

// TestDivergedAndFailedAreMarkedNotDropped checks the learning-rate plot:
// every trial is in a group, and the diverged ones appear as red marks in
// the band beyond the worst edge (the top for a loss, the bottom for a
// metric to maximize), and nowhere else.
func TestDivergedAndFailedAreMarkedNotDropped(t *testing.T) {
	s, trials := small()
	groups, _, _, skipped := lrGroups(trials, "learning_rate")
	counted := skipped
	byName := map[string]int{}
	for _, g := range groups {
		counted += len(g.xys)
		byName[g.name] = len(g.xys)
	}
	if counted != len(trials) {
		t.Errorf("groups hold %d trials, the study %d", counted, len(trials))
	}
	want := map[string]int{}
	for _, tr := range trials {
		want[string(tr.Status)]++
	}
	for _, name := range []string{"ok", "pruned", "diverged", "failed"} {
		if byName[name] != want[name] {
			t.Errorf("%s: %d in the plot, %d in the study", name, byName[name], want[name])
		}
	}
	if want["diverged"] == 0 || want["failed"] == 0 {
		t.Fatalf("the test study needs diverged and failed trials: %v", want)
	}

	// Each diverged trial is one cross in its colour, plus one in the
	// legend; all but the legend's lie in the band beyond the worst edge.
	for _, tc := range []struct {
		goal   results.Goal
		inBand func(y float64) bool // y from the bottom, as a fraction
	}{
		{results.GoalMinimize, func(y float64) bool { return y > 0.8 }},
		{results.GoalMaximize, func(y float64) bool { return y < 0.2 }},
	} {
		s.Goal = tc.goal
		fig, err := ValueVsLearningRate(s, trials, "learning_rate")
		if err != nil {
			t.Fatal(err)
		}
		crosses := pathsIn(renderSVG(t, fig), divergedColor)
		if len(crosses) != 2*(want["diverged"]+1) {
			t.Errorf("%s: %d strokes drawn for %d diverged trials and the legend, want two each", tc.goal, len(crosses), want["diverged"])
		}
		// Heights are measured from the x axis's label up: the legend is
		// under it.
		svg := renderSVG(t, fig)
		axis, ok := textY(svg, "learning_rate (log)")
		if !ok {
			t.Fatalf("%s: no x-axis label in the SVG", tc.goal)
		}
		height := fig.Height.Points() - axis
		inBand := 0
		for _, c := range crosses {
			if tc.inBand((c[1] - axis) / height) {
				inBand++
			}
		}
		if inBand < 2*want["diverged"] {
			t.Errorf("%s: %d of %d diverged trials in the band at the worst edge: %v", tc.goal, inBand, want["diverged"], crosses)
		}
	}
}

func TestTrialCurves(t *testing.T) {
	s, trials := small()
	for _, tr := range trials {
		fig, err := TrialCurves(s, tr)
		switch {
		case len(tr.History) == 0:
			if !errors.Is(err, ErrNoData) {
				t.Errorf("trial %d without history: got %v, want ErrNoData", tr.Number, err)
			}
		case err != nil:
			t.Errorf("trial %d (%s): %v", tr.Number, tr.Status, err)
		case !strings.Contains(fig.Caption, tr.StopReason) || !strings.Contains(fig.Caption, "learning_rate="):
			t.Errorf("trial %d: caption %q lacks its stop reason or parameters", tr.Number, fig.Caption)
		}
	}
}

// A trial that kept the weights of an earlier iteration (trainer.monitor
// validation_loss) says which, and marks it on the loss panel.
func TestTrialCurvesMarkTheKeptIteration(t *testing.T) {
	s, trials := small()
	tr := trials[0]
	if len(tr.History) < 3 {
		t.Fatalf("fixture trial has %d history points", len(tr.History))
	}
	tr.Iterations = tr.History[len(tr.History)-1].Iteration
	tr.BestIteration = tr.History[1].Iteration
	fig, err := TrialCurves(s, tr)
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("at iteration %d, whose weights it kept", tr.BestIteration); !strings.Contains(fig.Caption, want) {
		t.Errorf("caption %q lacks %q", fig.Caption, want)
	}
	tr.BestIteration = tr.Iterations // the last: nothing to mark
	if fig, err = TrialCurves(s, tr); err != nil || strings.Contains(fig.Caption, "whose weights it kept") {
		t.Errorf("kept the last iteration: caption %q, %v", fig.Caption, err)
	}
}

// TestPNG rasterises a trial's curves, the default of `hpsearch plot`,
// at a reduced size (rasterising is slow under -race).
func TestPNG(t *testing.T) {
	s, trials := small()
	fig, err := TrialCurves(s, trials[0])
	if err != nil {
		t.Fatal(err)
	}
	fig.Width, fig.Height = fig.Width/2, fig.Height/2
	img := renderPNG(t, fig)
	checkNotBlank(t, "trial", img)
	if w, h := fig.Pixels(); img.Bounds().Dx() != w || img.Bounds().Dy() != h {
		t.Errorf("image %v, Pixels says %d×%d", img.Bounds(), w, h)
	}
	// The gradient threshold of the study's config is drawn, in red, in
	// the lower panel.
	rows := rowsOf(img, divergedColor, 40)
	if len(rows) == 0 || rows[0] < img.Bounds().Dy()/2 {
		t.Errorf("gradient threshold line: red on rows %v", rows)
	}
}

// TestSVGTextIsPortable checks the rewrite that keeps labels where gonum
// put them in a browser without the Liberation fonts.
func TestSVGTextIsPortable(t *testing.T) {
	s, trials := small()
	fig, err := LossCurves(s, trials, 2)
	if err != nil {
		t.Fatal(err)
	}
	svg := renderSVG(t, fig)
	texts := strings.Count(svg, "<text ")
	if texts < 5 {
		t.Fatalf("%d texts in the SVG", texts)
	}
	if n := strings.Count(svg, `textLength="`); n != texts {
		t.Errorf("%d of %d texts have a textLength", n, texts)
	}
	if strings.Contains(svg, "font-family:Liberation Sans;") {
		t.Error("a text names Liberation Sans with no fallback")
	}
	// The title's length is its width in the Liberation metrics: about
	// half an em per character at 12 points.
	m := regexp.MustCompile(`textLength="([0-9.]+)"[^>]*font-size:12px">Loss of the 2 best trials<`).FindStringSubmatch(svg)
	if m == nil {
		t.Fatal("title not found")
	}
	if w, _ := strconv.ParseFloat(m[1], 64); w < 100 || w > 180 {
		t.Errorf("title textLength %v points for 25 characters at 12 points", w)
	}
}

func TestRenderRejectsUnknownFormat(t *testing.T) {
	s, trials := small()
	fig, err := LossCurves(s, trials, 2)
	if err != nil {
		t.Fatal(err)
	}
	if err := fig.Render(&bytes.Buffer{}, "gif"); err == nil || !strings.Contains(err.Error(), "png, svg") {
		t.Errorf("gif: got %v, want an error naming the formats", err)
	}
	var nilFig *Figure
	if err := nilFig.Render(&bytes.Buffer{}, PNG); !errors.Is(err, ErrNoData) {
		t.Errorf("nil figure: got %v", err)
	}
}

func TestLogTicks(t *testing.T) {
	cases := []struct {
		name   string
		lo, hi float64
	}{
		{"five decades", 1e-5, 1},
		{"within a decade, no power of ten", 0.21, 0.48},
		{"one power of ten", 0.5, 3},
		{"six hundred decades", 1e-300, 1e300},
		{"tiny", 3e-9, 3.1e-9},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ticks := logTicks(tc.lo, tc.hi)
			labelled := 0
			for _, tk := range ticks {
				if !(tk.Value > 0) {
					t.Fatalf("tick %v on a log axis", tk.Value)
				}
				if tk.Label != "" {
					labelled++
				}
			}
			if labelled < 2 || labelled > 12 {
				t.Errorf("%d labelled ticks, want 2…12: %v", labelled, ticks)
			}
		})
	}
}

func TestSample(t *testing.T) {
	ranked := make([]results.Trial, 1000)
	for i := range ranked {
		ranked[i].Number = i
	}
	got := sample(ranked, 100, 10)
	if len(got) != 100 {
		t.Fatalf("%d sampled, want 100", len(got))
	}
	for i := range 10 {
		if got[i].Number != i {
			t.Errorf("best %d not kept: got trial %d", i, got[i].Number)
		}
	}
	if !slices.IsSortedFunc(got, func(a, b results.Trial) int { return a.Number - b.Number }) {
		t.Error("rank order lost")
	}
	if got[len(got)-1].Number < 900 {
		t.Errorf("the worst tenth is missing: last sampled trial %d", got[len(got)-1].Number)
	}
	if again := sample(ranked, 100, 10); !slices.EqualFunc(got, again, func(a, b results.Trial) bool { return a.Number == b.Number }) {
		t.Error("not deterministic")
	}
	if short := sample(ranked[:50], 100, 10); len(short) != 50 {
		t.Errorf("a study under the limit is cut to %d", len(short))
	}
}

func TestParamAxes(t *testing.T) {
	s := results.Study{Rounds: []results.Round{{Ranges: []results.Range{
		{Name: "lr", Low: 1e-5, High: 1e-1, Log: true},
		{Name: "opt", Choices: []any{"gd", "adam", "momentum"}},
		{Name: "m", Low: 0, High: 1},
	}}}}
	trials := []results.Trial{
		{Params: results.Params{{Name: "lr", Value: 1e-3}, {Name: "opt", Value: "adam"}, {Name: "m", Value: 0.25}}},
		{Params: results.Params{{Name: "lr", Value: 1e-2}, {Name: "opt", Value: "nesterov"}, {Name: "m", Value: 0.5}}},
	}
	axes := paramAxes(s, trials)
	if len(axes) != 3 {
		t.Fatalf("%d axes, want 3", len(axes))
	}
	cases := []struct {
		axis int
		v    any
		want float64
	}{
		{0, 1e-3, 0.5}, // log space: two of four decades
		{0, 1e-5, 0},   // the range's low end, not the lowest trial
		{1, "gd", 0},   // choices in config order, evenly spread
		{1, "adam", 1.0 / 3},
		{1, "nesterov", 1}, // a value outside the config's choices still has a place
		{2, 0.25, 0.25},
	}
	for _, tc := range cases {
		got, ok := axes[tc.axis].pos(tc.v)
		if !ok || math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("%s(%v) = %v, %v; want %v", axes[tc.axis].name, tc.v, got, ok, tc.want)
		}
	}
	if _, ok := axes[0].pos(-1.0); ok {
		t.Error("a negative value has a place on a log axis")
	}
}

func TestConfigNumber(t *testing.T) {
	cfg := "seed: 42\ntrainer.gradient_threshold: 1e-06\ntrainer.patience: 25\nbad: x\n"
	if got := configNumber(cfg, "trainer.gradient_threshold"); got != 1e-6 {
		t.Errorf("threshold %v", got)
	}
	for _, key := range []string{"trainer.min_delta", "bad", "trainer"} {
		if got := configNumber(cfg, key); !math.IsNaN(got) {
			t.Errorf("%s: %v, want NaN", key, got)
		}
	}
}
