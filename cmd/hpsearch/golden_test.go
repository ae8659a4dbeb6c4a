package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hpsearch/hpsearch/results/postgres/pgtest"
)

// The golden outputs: what users and their scripts see of a fixed set of
// sweeps (every strategy, early stopping, command trials, resume, warm
// start, a study shared through PostgreSQL, and the read commands), kept in
// testdata/golden and compared byte for byte. They pin the results across
// refactorings that must change nothing for users (issue 17): a difference
// in a value, a parameter, an iteration count, a stop reason, a status, a
// range or an order fails the test. Only what legitimately differs from run
// to run is normalised (goldenNormalise): the wall-clock `seconds` of a
// trial and the absolute paths of the test's temporary directories and of
// the checkout. Numbers with a fraction or an exponent are compared to a
// relative goldenFloatTolerance, everything else (integers included) byte
// for byte: the trainer's vector kernels add in another order on AVX-512,
// on AVX2 and in the generic code (trainer/internal/vec), so the same sweep
// prints values that differ in their last bits from one CPU to another.
//
// After a change that is meant to change the outputs, rewrite the files
// with `go test ./cmd/hpsearch -run TestGolden -update` and review their
// diff like code.

var goldenUpdate = flag.Bool("update", false, "TestGolden: rewrite testdata/golden from this run instead of comparing with it")

const goldenDir = "testdata/golden"

// goldenSweep is one sweep of the fixed set, run through the CLI.
type goldenSweep struct {
	name   string   // its golden file: testdata/golden/<name>.golden
	config string   // relative to cmd/hpsearch
	sets   []string // --set key=value, small budgets so the sweep takes milliseconds
	// reads adds show's and export's outputs and eval's retraining of the best.
	reads bool
}

func goldenConfig(name string) string { return filepath.Join("..", "..", "configs", name+".yaml") }

// Small budgets: every sweep takes well under a second, so the golden test
// stays fast, yet each shows what it is for (conditional parameters, a
// diverged rate, pruned trials, a narrowed range).
var goldenSweeps = []goldenSweep{
	{name: "grid", config: goldenConfig("quickstart"), sets: []string{"search.strategy=grid", "search.grid_points=2", "trainer.max_iterations=60"}},
	{name: "random", config: goldenConfig("quickstart"), sets: []string{"search.strategy=random", "search.trials=8", "trainer.max_iterations=60"}},
	{name: "sobol", config: goldenConfig("quickstart"), sets: []string{"search.strategy=sobol", "search.trials=8", "trainer.max_iterations=60"}},
	{name: "powers-of-ten", config: goldenConfig("learning-rates"), sets: []string{"search.trials=16", "trainer.max_iterations=300"}},
	{name: "coarse-to-fine", config: goldenConfig("quickstart"), sets: []string{"search.rounds=2", "search.trials_per_round=8", "trainer.max_iterations=100"}, reads: true},
	{name: "benchmark-branin", config: goldenConfig("benchmark-branin"), sets: []string{"search.trials=20"}},
	{name: "successive-halving", config: goldenConfig("iris-mlp"), sets: goldenEarlyStopping("successive_halving")},
	{name: "hyperband", config: goldenConfig("iris-mlp"), sets: goldenEarlyStopping("hyperband")},
	{name: "median", config: goldenConfig("iris-mlp"), sets: goldenEarlyStopping("median")},
}

func goldenEarlyStopping(kind string) []string {
	return []string{"trainer.max_iterations=270", "search.rounds=2", "search.trials_per_round=9", "search.early_stopping.kind=" + kind}
}

// goldenParallel are the --parallel values every sweep runs at: the
// product promises the same trials at any of them.
var goldenParallel = []string{"1", "2"}

func TestGolden(t *testing.T) {
	for _, sw := range goldenSweeps {
		t.Run(sw.name, func(t *testing.T) {
			for _, par := range goldenParallel {
				dir := t.TempDir()
				checkGolden(t, sw.name, "--parallel "+par, goldenSweepOutputs(t, context.Background(), dir, sw, par))
			}
		})
	}
	trainprog := goldenTrainprog(t)
	t.Run("command", func(t *testing.T) {
		sw := goldenCommandSweep(trainprog)
		for _, par := range goldenParallel {
			checkGolden(t, sw.name, "--parallel "+par, goldenSweepOutputs(t, context.Background(), t.TempDir(), sw, par))
		}
	})
	t.Run("resume", func(t *testing.T) {
		// Interrupted after a few finished trials, then resumed: the study
		// ends as the uninterrupted one, early stopping decisions included.
		for _, c := range []struct {
			sweep string
			par   string
		}{{"coarse-to-fine", "1"}, {"successive-halving", "2"}} {
			t.Run(c.sweep, func(t *testing.T) { goldenResume(t, goldenSweepNamed(t, c.sweep), c.par) })
		}
	})
	t.Run("warm-start", goldenWarmStart)
	t.Run("shared", func(t *testing.T) { goldenShared(t, trainprog) })
	t.Run("validate", func(t *testing.T) {
		paths, err := filepath.Glob(goldenConfig("*"))
		if err != nil || len(paths) == 0 {
			t.Fatalf("no shipped config found: %v", err)
		}
		for _, path := range paths {
			name := strings.TrimSuffix(filepath.Base(path), ".yaml")
			t.Run(name, func(t *testing.T) {
				// --parallel defaults to the number of CPUs; pinned, so the
				// plan does not depend on the machine.
				var g goldenText
				g.cli(t, context.Background(), "validate --json", "validate", path, "--json", "--set", "search.parallelism=2")
				checkGolden(t, "validate-"+name, "", g.normalise(t))
			})
		}
	})
}

func goldenSweepNamed(t *testing.T, name string) goldenSweep {
	for _, sw := range goldenSweeps {
		if sw.name == name {
			return sw
		}
	}
	t.Fatalf("no golden sweep %q", name)
	return goldenSweep{}
}

// goldenText collects the sections of a golden file: each command's exit
// status and output, each written file.
type goldenText struct {
	b    bytes.Buffer
	dirs []string // absolute temporary paths, replaced by $TMP
}

func (g *goldenText) section(title, body string) {
	fmt.Fprintf(&g.b, "### %s\n%s", title, body)
	if body != "" && !strings.HasSuffix(body, "\n") {
		g.b.WriteString("\n")
	}
}

// cli runs hpsearch in-process and records its exit status and stdout.
func (g *goldenText) cli(t *testing.T, ctx context.Context, title string, args ...string) string {
	t.Helper()
	code, stdout, stderr := goldenRun(ctx, args...)
	if code != 0 {
		t.Logf("hpsearch %s: exit %d\n%s", strings.Join(args, " "), code, stderr)
	}
	g.section(fmt.Sprintf("%s (exit %d)", title, code), goldenNormaliseCSVIf(title, stdout))
	return stdout
}

// file records a file the sweep wrote.
func (g *goldenText) file(t *testing.T, title, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%s: %v", title, err)
	}
	g.section(title, goldenNormaliseCSVIf(title, string(b)))
}

func (g *goldenText) normalise(t *testing.T) string {
	t.Helper()
	return goldenNormalise(t, g.b.String(), g.dirs...)
}

func goldenRun(ctx context.Context, args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := run(ctx, args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// goldenSweepArgs are the arguments of `run` for sw in dir.
func goldenSweepArgs(sw goldenSweep, dir, storage, par string) []string {
	args := []string{"run", sw.config, "--json", "--storage", storage, "--parallel", par, "--set", "output.dir=" + dir}
	for _, s := range sw.sets {
		args = append(args, "--set", s)
	}
	return args
}

// goldenSweepOutputs runs sw into dir at --parallel par and returns its
// golden text: run --json, best.yaml, trials.csv, show --json (and with
// reads: export in each format and eval --json of the best).
func goldenSweepOutputs(t *testing.T, ctx context.Context, dir string, sw goldenSweep, par string) string {
	t.Helper()
	storage := "sqlite://" + filepath.Join(dir, "hpsearch.db")
	g := goldenText{dirs: []string{dir}}
	g.cli(t, ctx, "run --json", goldenSweepArgs(sw, dir, storage, par)...)
	g.studyOutputs(t, ctx, dir, storage, sw)
	return g.normalise(t)
}

// studyOutputs records what a stored study shows after its run: the files
// the run wrote and the read commands.
func (g *goldenText) studyOutputs(t *testing.T, ctx context.Context, dir, storage string, sw goldenSweep) {
	t.Helper()
	study := goldenStudyName(t, sw.config)
	g.file(t, "best.yaml", filepath.Join(dir, study, "best.yaml"))
	g.file(t, "trials.csv", filepath.Join(dir, study, "trials.csv"))
	g.cli(t, ctx, "show --json", "show", study, "--json", "--storage", storage)
	if !sw.reads {
		return
	}
	g.cli(t, ctx, "export --format json", "export", study, "--format", "json", "--storage", storage)
	g.cli(t, ctx, "export", "export", study, "--storage", storage)
	g.cli(t, ctx, "export --format csv", "export", study, "--format", "csv", "--storage", storage)
	eval := []string{"eval", sw.config, "--params", filepath.Join(dir, study, "best.yaml"), "--storage", storage, "--json",
		"--set", "output.dir=" + dir}
	for _, s := range sw.sets {
		eval = append(eval, "--set", s)
	}
	g.cli(t, ctx, "eval --json --params best.yaml", eval...)
}

// goldenStudyName is the study a config names (the sweeps use its name).
func goldenStudyName(t *testing.T, config string) string {
	t.Helper()
	b, err := os.ReadFile(config)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^name: *([^\s#]+)`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("%s names no study", config)
	}
	return string(m[1])
}

// goldenTrainprog builds examples/trainprog, the program of
// configs/command-example.yaml, once, rather than have `go run` compile it
// in every trial.
func goldenTrainprog(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "trainprog")
	if out, err := exec.Command("go", "build", "-o", bin, "../../examples/trainprog").CombinedOutput(); err != nil {
		t.Fatalf("go build examples/trainprog: %v\n%s", err, out)
	}
	return bin
}

// goldenCommandSweep is configs/command-example.yaml with trainprog built.
func goldenCommandSweep(bin string) goldenSweep {
	// The program's stderr is dropped. A diverged trial's error carries the
	// last lines of stderr, and trainprog writes its line there ("the loss
	// diverged") as hpsearch, having read the infinite loss on stdout,
	// stops it: whether the line is kept depends on which comes first (0
	// to 3 of the 3 diverged trials of this sweep kept it over 10 runs).
	// That is a bug of its own, reported rather than normalised away here.
	// The data path stays relative to the config's directory, as shipped.
	argv := []string{"sh", "-c", `exec "$0" "$@" 2>/dev/null`, bin, "--data=../data/diabetes.csv", "{args}"}
	for i, a := range argv {
		argv[i] = strconv.Quote(a)
	}
	return goldenSweep{name: "command", config: goldenConfig("command-example"),
		sets: []string{"trainer.command=[" + strings.Join(argv, ", ") + "]"}}
}

// goldenResume interrupts sw (the context is cancelled once a few trials
// have finished), resumes it, and compares what the resumed study shows
// with the uninterrupted sweep's golden file.
func goldenResume(t *testing.T, sw goldenSweep, par string) {
	dir := t.TempDir()
	storage := "sqlite://" + filepath.Join(dir, "hpsearch.db")
	args := goldenSweepArgs(sw, dir, storage, par)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const after = 3
	progress := &cancelAfter{n: after, cancel: cancel}
	var out bytes.Buffer
	code := run(ctx, args, &out, progress)
	if code != 130 {
		t.Fatalf("the interrupted run: exit %d, want 130 (interrupted after %d finished trials; did the progress lines change?)\n%s",
			code, after, progress.String())
	}
	if !progress.fired() {
		t.Fatalf("the run stopped before %d trials finished:\n%s", after, progress.String())
	}

	g := goldenText{dirs: []string{dir}}
	g.cli(t, context.Background(), "run --json", append(args, "--resume")...)
	g.studyOutputs(t, context.Background(), dir, storage, goldenSweep{config: sw.config})
	checkGoldenSections(t, sw.name, "after --resume", g.normalise(t))
}

// cancelAfter is the stderr of a run: it cancels the run once the
// progress lines say n trials have finished.
type cancelAfter struct {
	mu     sync.Mutex
	n      int
	cancel context.CancelFunc
	buf    bytes.Buffer
	done   bool
}

var goldenProgress = regexp.MustCompile(`(\d+)/\d+ trials`)

func (c *cancelAfter) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.buf.Write(p)
	for _, m := range goldenProgress.FindAllSubmatch(p, -1) {
		if n, _ := strconv.Atoi(string(m[1])); n >= c.n && !c.done {
			c.done = true
			c.cancel()
		}
	}
	return len(p), nil
}

func (c *cancelAfter) fired() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.done
}

func (c *cancelAfter) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.String()
}

// goldenWarmStart runs the coarse-to-fine sweep (it must show its golden
// outputs), then a second study warm-started from it with another seed.
func goldenWarmStart(t *testing.T) {
	dir := t.TempDir()
	storage := "sqlite://" + filepath.Join(dir, "hpsearch.db")
	sw := goldenSweepNamed(t, "coarse-to-fine")
	first := goldenText{dirs: []string{dir}}
	first.cli(t, context.Background(), "run --json", goldenSweepArgs(sw, dir, storage, "2")...)
	checkGoldenSections(t, sw.name, "the study warm-started from", first.normalise(t))

	g := goldenText{dirs: []string{dir}}
	args := append(goldenSweepArgs(sw, dir, storage, "2"), "--study", "warm", "--warm-start", "quickstart", "--set", "seed=77")
	g.cli(t, context.Background(), "run --json --warm-start quickstart --study warm", args...)
	g.file(t, "best.yaml", filepath.Join(dir, "warm", "best.yaml"))
	g.file(t, "trials.csv", filepath.Join(dir, "warm", "trials.csv"))
	g.cli(t, context.Background(), "show warm --json", "show", "warm", "--json", "--storage", storage)
	checkGolden(t, "warm-start", "", g.normalise(t))
}

// goldenShared runs a sweep in one process, then as a study shared
// through PostgreSQL by `run` and one `worker`: both must show the same,
// pruning decisions included. Its trials print a metric line every 30ms
// (trainprog's lines, paced by a shell loop), so the sweep lasts long
// enough for the worker to take part.
func goldenShared(t *testing.T, trainprog string) {
	dir := t.TempDir()
	config := filepath.Join(dir, "shared.yaml")
	repo, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	// trainprog's stderr is dropped, as in goldenCommandSweep.
	text := fmt.Sprintf(`name: shared
seed: 11
trainer:
  command: [sh, -c, '"$0" "$@" 2>/dev/null | while read -r line; do echo "$line"; sleep 0.03; done', %s, %s, --epochs=9, "{args}"]
search:
  strategy: coarse-to-fine
  rounds: 2
  trials_per_round: 4
  metric: val_loss
  early_stopping: {kind: median, max_resource: 9}
parameters:
  learning_rate: {log_uniform: [1e-3, 0.3]}
  batch_size: {choice: [8, 32, 128]}
`, strconv.Quote(trainprog), strconv.Quote("--data="+filepath.Join(repo, "data", "diabetes.csv")))
	if err := os.WriteFile(config, []byte(text), 0o666); err != nil {
		t.Fatal(err)
	}
	sw := goldenSweep{name: "shared", config: config}
	checkGolden(t, sw.name, "in one process", goldenSweepOutputs(t, context.Background(), t.TempDir(), sw, "2"))

	url := pgtest.URL(t)
	out := t.TempDir()
	// The worker is there before the study is stored, and leaves when the
	// run has printed it.
	wctx, stopWorker := context.WithCancel(context.Background())
	defer stopWorker()
	type result struct {
		code           int
		stdout, stderr string
	}
	worked := make(chan result, 1)
	go func() {
		code, stdout, stderr := goldenRun(wctx, "worker", "--storage", url, "--parallel", "1", "--wait")
		worked <- result{code, stdout, stderr}
	}()

	g := goldenText{dirs: []string{out}}
	g.cli(t, context.Background(), "run --json", goldenSweepArgs(sw, out, url, "1")...)
	stopWorker()
	var w result
	select {
	case w = <-worked:
	case <-time.After(30 * time.Second):
		t.Fatal("the worker did not stop when its context was cancelled")
	}
	if w.code != 130 {
		t.Errorf("worker: exit %d, want 130 (stopped by its context)\n%s", w.code, w.stderr)
	}
	m := regexp.MustCompile(`ran (\d+) trials`).FindStringSubmatch(w.stderr)
	if m == nil || m[1] == "0" {
		t.Fatalf("the worker ran no trial of the shared study: the run did all the work\n%s", w.stderr)
	}
	t.Logf("the worker ran %s of the 8 trials", m[1])
	g.studyOutputs(t, context.Background(), out, url, sw)
	checkGoldenSections(t, sw.name, "shared through PostgreSQL", g.normalise(t))
}

// goldenSeconds is a trial's wall-clock time in a JSON document.
var goldenSeconds = regexp.MustCompile(`("seconds": )-?[0-9][0-9.eE+-]*`)

// goldenNormalise replaces what differs from run to run: the seconds a
// trial took, and the absolute paths of dirs and of the checkout.
func goldenNormalise(t *testing.T, s string, dirs ...string) string {
	t.Helper()
	s = goldenSeconds.ReplaceAllString(s, "${1}<seconds>")
	for _, d := range dirs {
		if real, err := filepath.EvalSymlinks(d); err == nil && real != d {
			s = strings.ReplaceAll(s, real, "$TMP")
		}
		s = strings.ReplaceAll(s, d, "$TMP")
	}
	repo, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(s, repo, "$REPO")
}

// goldenNormaliseCSVIf replaces the seconds column of a CSV output (a
// section whose title says csv) by <seconds>.
func goldenNormaliseCSVIf(title, s string) string {
	if !strings.Contains(title, "csv") || s == "" {
		return s
	}
	rows, err := csv.NewReader(strings.NewReader(s)).ReadAll()
	if err != nil || len(rows) == 0 {
		return s // compared as it is: a CSV that does not parse is a difference too
	}
	col := -1
	for i, h := range rows[0] {
		if h == "seconds" {
			col = i
		}
	}
	if col < 0 {
		return s
	}
	for _, r := range rows[1:] {
		if col < len(r) {
			r[col] = "<seconds>"
		}
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.WriteAll(rows)
	return b.String()
}

// checkGolden compares got with testdata/golden/<name>.golden, or writes
// it there with -update (then a second run of the same case, at another
// --parallel, is compared with what the first wrote).
func checkGolden(t *testing.T, name, how, got string) {
	t.Helper()
	path := filepath.Join(goldenDir, name+".golden")
	if *goldenUpdate && !goldenWritten[path] {
		if err := os.MkdirAll(goldenDir, 0o777); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o666); err != nil {
			t.Fatal(err)
		}
		goldenWritten[path] = true
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (write the golden files with: go test ./cmd/hpsearch -run TestGolden -update)", err)
	}
	if d := goldenDiff(string(want), got); d != "" {
		t.Errorf("%s %s differs from %s:\n%s", name, how, path, d)
	}
}

// goldenWritten are the files -update wrote in this run.
var goldenWritten = map[string]bool{}

// checkGoldenSections compares each section of got with the section of the
// same title in <name>.golden: another route (resume, a shared study) to
// the same study must show the same.
func checkGoldenSections(t *testing.T, name, how, got string) {
	t.Helper()
	path := filepath.Join(goldenDir, name+".golden")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (the golden file of sweep %s; write it with: go test ./cmd/hpsearch -run TestGolden -update)", err, name)
	}
	want := goldenSections(string(b))
	for _, s := range goldenSectionList(got) {
		w, ok := want[s.title]
		if !ok {
			t.Errorf("%s has no section %q", path, s.title)
			continue
		}
		if d := goldenDiff(w, s.body); d != "" {
			t.Errorf("%s %s: %q differs from %s:\n%s", name, how, s.title, path, d)
		}
	}
}

type goldenSection struct{ title, body string }

func goldenSectionList(s string) []goldenSection {
	var out []goldenSection
	for _, line := range strings.SplitAfter(s, "\n") {
		if title, ok := strings.CutPrefix(line, "### "); ok {
			out = append(out, goldenSection{title: strings.TrimSuffix(title, "\n")})
		} else if len(out) > 0 {
			out[len(out)-1].body += line
		}
	}
	return out
}

func goldenSections(s string) map[string]string {
	m := map[string]string{}
	for _, sec := range goldenSectionList(s) {
		m[sec.title] = sec.body
	}
	return m
}

// goldenDiff shows where got first differs from want: the section, a few
// lines of context, then the differing lines of each up to where they
// agree again (at most 12 each); "" when they are equal.
func goldenDiff(want, got string) string {
	if want == got {
		return ""
	}
	a, b := strings.Split(want, "\n"), strings.Split(got, "\n")
	i := 0
	for i < len(a) && i < len(b) && goldenLinesMatch(a[i], b[i]) {
		i++
	}
	if i == len(a) && i == len(b) {
		return ""
	}
	// The common tail bounds the differing block.
	ea, eb := len(a), len(b)
	for ea > i && eb > i && goldenLinesMatch(a[ea-1], b[eb-1]) {
		ea, eb = ea-1, eb-1
	}
	var d strings.Builder
	for j := i - 1; j >= 0; j-- {
		if strings.HasPrefix(a[j], "### ") {
			fmt.Fprintf(&d, "in section %q, line %d:\n", strings.TrimPrefix(a[j], "### "), i+1)
			break
		}
	}
	for j := max(0, i-3); j < i; j++ {
		fmt.Fprintf(&d, "  %s\n", a[j])
	}
	block := func(sign string, lines []string) {
		for j, l := range lines {
			if j == 12 {
				fmt.Fprintf(&d, "%s … %d more lines\n", sign, len(lines)-j)
				break
			}
			fmt.Fprintf(&d, "%s %s\n", sign, l)
		}
	}
	block("-", a[i:ea])
	block("+", b[i:eb])
	if ea < len(a) {
		fmt.Fprintf(&d, "  %s\n", a[ea])
	}
	return d.String()
}

// goldenFloatTolerance is how far, relatively, a printed float may be from
// its golden value. The goldens' sweeps differ by at most 1.5e-15 between
// an AVX-512 Xeon and an AVX2 AMD EPYC; a change a user could see is
// orders of magnitude beyond it.
const goldenFloatTolerance = 1e-12

// goldenFloat is a number printed with a fraction or an exponent.
var goldenFloat = regexp.MustCompile(`-?(?:\d+\.\d+(?:[eE][-+]?\d+)?|\d+[eE][-+]?\d+)`)

// goldenLinesMatch says whether two lines are the same but for the last
// bits of their floats: the same text around them, and each pair within
// goldenFloatTolerance.
func goldenLinesMatch(want, got string) bool {
	if want == got {
		return true
	}
	if goldenFloat.ReplaceAllString(want, "#") != goldenFloat.ReplaceAllString(got, "#") {
		return false
	}
	ws, gs := goldenFloat.FindAllString(want, -1), goldenFloat.FindAllString(got, -1)
	for k := range ws {
		w, err1 := strconv.ParseFloat(ws[k], 64)
		g, err2 := strconv.ParseFloat(gs[k], 64)
		if err1 != nil || err2 != nil || math.Abs(w-g) > goldenFloatTolerance*math.Max(math.Abs(w), math.Abs(g)) {
			return false
		}
	}
	return true
}

// The tolerance passes a CPU's last bits and nothing a user would call a
// change: a value in its tenth digit, an integer, a word.
func TestGoldenDiffToleratesOnlyLastBits(t *testing.T) {
	want := "### run --json\n  \"value\": 24.260442416054794,\n  \"iterations\": 60,\n  \"lr\": 1e-05\n"
	for _, c := range []struct {
		got   string
		match bool
	}{
		{"### run --json\n  \"value\": 24.260442416054797,\n  \"iterations\": 60,\n  \"lr\": 1e-05\n", true},
		{"### run --json\n  \"value\": 24.260442416054794,\n  \"iterations\": 60,\n  \"lr\": 1.0000000000000002e-05\n", true},
		{"### run --json\n  \"value\": 24.26044241,\n  \"iterations\": 60,\n  \"lr\": 1e-05\n", false},
		{"### run --json\n  \"value\": 24.260442416054794,\n  \"iterations\": 61,\n  \"lr\": 1e-05\n", false},
		{"### run --json\n  \"value\": 24.260442416054794,\n  \"iteration\": 60,\n  \"lr\": 1e-05\n", false},
		{"### run --json\n  \"value\": -24.260442416054794,\n  \"iterations\": 60,\n  \"lr\": 1e-05\n", false},
		{"### run --json\n  \"value\": 24.260442416054794,\n  \"iterations\": 60,\n  \"lr\": 1e-05\n  \"extra\": 1\n", false},
	} {
		if d := goldenDiff(want, c.got); (d == "") != c.match {
			t.Errorf("goldenDiff(want, %q) = %q, want a match: %v", c.got, d, c.match)
		}
	}
}
