package dashboard

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"image/png"
	"math"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hpsearch/hpsearch/internal/browsertest"
	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/results/postgres"
	"github.com/hpsearch/hpsearch/results/postgres/pgtest"
	"github.com/hpsearch/hpsearch/results/sqlite"
	"github.com/hpsearch/hpsearch/study"
)

// liveConfig is a real sweep (the built-in trainer on synthetic linear
// data) slow enough that a page sees its trial count rise.
const liveConfig = `name: %s
seed: 7
data:
  synthetic: {kind: linear, samples: 20000, features: 20, noise: 0.1}
  validation: 0.2
  standardize: true
model:
  kind: linear
  loss: mse
trainer:
  optimizer: gd
  max_iterations: %d
  gradient_threshold: 1e-12
  init: {mean: 0, std: 0.1}
search:
  strategy: coarse-to-fine
  rounds: 3
  trials_per_round: %d
  metric: validation_loss
parameters:
  learning_rate: {log_uniform: [1e-4, 1]}
  init_std: {log_uniform: [1e-3, 1]}
`

// sweep runs a real study in store until ctx ends or it finishes; the
// returned channel gives its error.
func sweep(t *testing.T, ctx context.Context, store results.Store, name string, iterations, perRound int, sets ...string) <-chan error {
	t.Helper()
	path := filepath.Join(t.TempDir(), name+".yaml")
	if err := os.WriteFile(path, fmt.Appendf(nil, liveConfig, name, iterations, perRound), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := study.Load(path, append([]string{"output.dir=" + t.TempDir()}, sets...), "")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, store, study.RunOptions{Parallel: 2, Shared: study.DefaultShared}) }()
	return done
}

// gatedSweep runs a study through the Go API whose every trial waits for
// a token from gate (all of them at once when gate is closed): the test,
// not the machine's speed, decides how far the sweep got when a page
// looks. Its value is a bowl in log10 of the learning rate.
func gatedSweep(ctx context.Context, store results.Store, name string, gate <-chan struct{}) <-chan error {
	space := []study.Param{study.LogFloat("learning_rate", 1e-4, 1), study.Float("init_std", 0.001, 1)}
	objective := func(ctx context.Context, tr study.Trial) (float64, error) {
		select {
		case <-gate:
		case <-ctx.Done():
			return 0, ctx.Err()
		}
		lr, _ := tr.Float("learning_rate")
		std, _ := tr.Float("init_std")
		return 0.01 + math.Pow(math.Log10(lr)+2, 2) + 0.01*std, nil
	}
	done := make(chan error, 1)
	go func() {
		_, err := study.Optimize(ctx, space, objective, study.Options{Name: name, Strategy: "coarse-to-fine",
			Rounds: 3, TrialsPerRound: 20, Seed: 3, Metric: "validation_loss", Parallel: 2, Store: store})
		done <- err
	}()
	return done
}

func TestBrowserSQLite(t *testing.T) {
	bin := browsertest.Chromium(t)
	store, err := sqlite.Open(filepath.Join(t.TempDir(), "hpsearch.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	browse(t, bin, store)
}

func TestBrowserPostgres(t *testing.T) {
	url := pgtest.URL(t)
	bin := browsertest.Chromium(t)
	store, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	browse(t, bin, store)
}

// browse drives the pages in headless Chromium while a sweep runs: the
// studies page lists the study started during the test and its trial
// count rises, the trials table sorts, a trial page draws its curves, and
// every page's screenshots at phone and laptop width are not blank.
// HPSEARCH_SCREENSHOTS=DIR keeps the screenshots there.
func browse(t *testing.T, bin string, store results.Store) {
	if testing.Short() {
		t.Skip("a real sweep in a real browser: not with -short")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	stopper, ok := store.(Stopper)
	if !ok {
		t.Fatalf("%T cannot carry stop requests", store)
	}
	srv := httptest.NewServer(New(store, Options{Poll: 300 * time.Millisecond, Stopper: stopper, Log: testLogger(t)}))
	defer srv.Close()

	began := time.Now()
	phase := func(what string) { t.Logf("%5.1fs %s", time.Since(began).Seconds(), what) }
	// A finished study to compare with, pruned by early stopping.
	if err := <-sweep(t, ctx, store, "last-night", 100, 9, "search.early_stopping.kind=successive_halving"); err != nil {
		t.Fatalf("last-night: %v", err)
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin), chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900),
		chromedp.Flag("disable-quic", true), chromedp.Flag("hide-scrollbars", true))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	browser, cancelBrowser := chromedp.NewContext(allocCtx)
	defer cancelBrowser()
	run := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(browser, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	phase("last-night swept")
	run("open the studies page", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(`#studies tbody tr[data-name="last-night"]`)))

	// The study started now appears on the open page, and its count rises
	// as its trials finish (the test lets them, a few at a time).
	sweepCtx, stopSweep := context.WithCancel(ctx)
	gate := make(chan struct{})
	release := func(n int) {
		for range n {
			select {
			case gate <- struct{}{}:
			case <-ctx.Done():
				return
			}
		}
	}
	done := gatedSweep(sweepCtx, store, "tonight", gate)
	finished := false
	defer func() {
		stopSweep()
		if !finished {
			<-done // interrupted: the test failed before the sweep ended
		}
	}()
	release(3)
	first := waitNumber(t, browser, `(() => { const r = document.querySelector('#studies tr[data-name="tonight"]'); return r ? +r.dataset.done : -1; })()`,
		func(n float64) bool { return n >= 1 }, "the study started during the test is not listed")
	release(5)
	waitNumber(t, browser, `+(document.querySelector('#studies tr[data-name="tonight"]') || {dataset: {done: -1}}).dataset.done`,
		func(n float64) bool { return n >= first+5 }, fmt.Sprintf("the trial count stays at %v while the sweep runs", first))
	if st := studyStatus(t, store, "tonight"); st != results.StudyRunning {
		t.Errorf("tonight is %s while its trials wait, want running", st)
	}
	release(25) // round 0 done and some of round 1: ranges have narrowed
	phase("tonight listed and rising")
	shots(t, browser, "studies")

	// The study page: the table sorts by value, both ways.
	run("open the study page", chromedp.Navigate(srv.URL+"/study/tonight"),
		chromedp.WaitVisible(chromedp.CSS(`#trials tbody tr[data-number]`)))
	for _, order := range []string{"ascending", "descending"} {
		// Clicked from the page's script, in one step: the table of a
		// running study is redrawn at every poll, which would detach a
		// button found in one protocol call before the next clicks it.
		run("sort by value", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := chromedp.Evaluate[bool](`document.querySelector('#trials th[data-col="value"] button').click() || true`)(ctx, tg)
			return err
		}))
		waitNumber(t, browser, `+!!document.querySelector('#trials th[data-col="value"][aria-sort="`+order+`"]')`,
			func(n float64) bool { return n == 1 }, "the table is not sorted "+order+" after a click on its value header")
		values, err := chromedp.Run(browser, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#trials tbody tr[data-number]')].map(r => r.dataset.value)`))
		if err != nil {
			t.Fatalf("read the values: %v", err)
		}
		checkSorted(t, values, order)
	}
	// Filter by status: without the first row's status, no row of it;
	// with it again, rows. Pick columns: without the train loss, no such
	// column.
	js := func(what, expr string) {
		t.Helper()
		if _, err := chromedp.Run(browser, chromedp.Evaluate[bool](expr+` || true`)); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	status, err := chromedp.Run(browser, chromedp.Evaluate[string](`document.querySelector('#trials tbody tr[data-status]').dataset.status`))
	if err != nil {
		t.Fatal(err)
	}
	box := `document.querySelector('#filters input.status-filter[value="` + status + `"]')`
	js("untick "+status, box+`.click()`)
	waitNumber(t, browser, `!`+box+`.checked && document.querySelectorAll('#trials tbody tr[data-status="`+status+`"]').length === 0 ? 1 : 0`,
		func(n float64) bool { return n == 1 }, status+" rows remain after unticking "+status)
	js("tick "+status+" again", box+`.click()`)
	waitNumber(t, browser, `document.querySelectorAll('#trials tbody tr[data-status="`+status+`"]').length`,
		func(n float64) bool { return n > 0 }, "no "+status+" rows after ticking "+status+" again")
	js("hide train loss", `document.querySelector('#columns .column-list input[value="train_loss"]').click()`)
	waitNumber(t, browser, `document.querySelectorAll('#trials th[data-col="train_loss"]').length`,
		func(n float64) bool { return n == 0 }, "the train loss column is still shown")
	js("show train loss", `document.querySelector('#columns .column-list input[value="train_loss"]').click()`)

	waitNumber(t, browser, `+(document.querySelector('#plot-best .chart') || {dataset: {}}).dataset.points || 0`,
		func(n float64) bool { return n > 0 }, "the best-so-far plot has no points")
	waitNumber(t, browser, `document.querySelectorAll('#drawn figure[data-rendered="yes"]').length`,
		func(n float64) bool { return n >= 2 }, "the drawn plots did not render")
	phase("study page sorted, filtered, plotted")
	shots(t, browser, "study")

	// Early stopping (successive halving) pruned some of last night's
	// trials: its plot, and the steps where it stopped them.
	run("open a pruned study", chromedp.Navigate(srv.URL+"/study/last-night"),
		chromedp.WaitVisible(chromedp.CSS(`#trials tbody tr[data-number]`)))
	waitNumber(t, browser, `document.querySelectorAll('#drawn figure[data-kind="pruning"][data-rendered="yes"]').length`,
		func(n float64) bool { return n == 1 }, "no early-stopping plot")
	waitNumber(t, browser, `document.querySelectorAll('#rungs tbody tr').length`,
		func(n float64) bool { return n >= 1 }, "no early-stopping steps")

	// A finished trial's page draws its curves.
	sums, err := results.Summaries(ctx, store)
	if err != nil {
		t.Fatal(err)
	}
	best := -1
	for _, s := range sums {
		if s.Study.Name == "last-night" {
			best = s.BestTrial
		}
	}
	run("open a trial page", chromedp.Navigate(srv.URL+"/study/last-night/trial/"+strconv.Itoa(best)),
		chromedp.WaitVisible(chromedp.CSS(`#plot-loss .chart canvas`)), chromedp.WaitVisible(chromedp.CSS(`#plot-grad .chart canvas`)))
	waitNumber(t, browser, `+document.querySelector('#plot-loss .chart').dataset.points`, func(n float64) bool { return n > 2 }, "the loss curve is empty")
	shots(t, browser, "trial")

	run("open the comparison", chromedp.Navigate(srv.URL+"/compare?study=last-night&study=tonight"),
		chromedp.WaitVisible(chromedp.CSS(`#plot-compare .chart canvas`)))
	shots(t, browser, "compare")
	phase("trial and comparison pages")
	close(gate) // the rest of tonight's trials run at once
	finished = true
	if err := <-done; err != nil {
		t.Fatalf("tonight: %v", err)
	}

	// The lecture's first stopping criterion: a person watches a running
	// trial's curves and stops it. The trial trains far longer than the
	// test; its page draws the curve as it grows, and Stop ends it with
	// stop reason user, through the store.
	longCtx, stopLong := context.WithCancel(ctx)
	defer stopLong()
	// A learning rate so small that the gradient threshold is hours away.
	long := sweep(t, longCtx, store, "all-night", 2_000_000, 1, "learning_rate=1e-6")
	waitTrial := func(number int, ok func(trialRow) bool, msg string) trialRow {
		t.Helper()
		for deadline := time.Now().Add(90 * time.Second); ; time.Sleep(100 * time.Millisecond) {
			_, trials, err := store.Study(ctx, "all-night")
			if err == nil {
				for _, tr := range trials {
					if tr.Number == number && ok(newTrialRow(results.Study{}, tr, 0)) {
						return newTrialRow(results.Study{}, tr, 0)
					}
				}
			}
			if time.Now().After(deadline) {
				var seen []string
				for _, tr := range trials {
					seen = append(seen, fmt.Sprintf("%d %s %s", tr.Number, tr.Status, tr.StopReason))
				}
				select {
				case err := <-long:
					t.Fatalf("trial %d of all-night: %s; the sweep ended: %v; trials %v", number, msg, err, seen)
				default:
				}
				t.Fatalf("trial %d of all-night: %s (error %v; trials %v)", number, msg, err, seen)
			}
		}
	}
	waitTrial(0, func(r trialRow) bool { return r.Status == results.StatusRunning }, "never ran")
	run("open the running trial", chromedp.Navigate(srv.URL+"/study/all-night/trial/0"),
		chromedp.WaitVisible(chromedp.CSS(`#stop`)))
	// The curve's last iteration, not its number of points: a long curve
	// is thinned as it grows.
	last := waitNumber(t, browser, `+(document.querySelector('#plot-loss .chart').dataset.last || -1)`,
		func(n float64) bool { return n > 0 }, "the running trial's curve is not drawn")
	waitNumber(t, browser, `+(document.querySelector('#plot-loss .chart').dataset.last || -1)`,
		func(n float64) bool { return n > last }, "the running trial's curve does not grow")
	phase("running trial's curve grows")
	shots(t, browser, "trial-running")
	js("press Stop", `(() => { window.confirm = () => true; document.querySelector('#stop').click(); })()`)
	stopped := waitTrial(0, func(r trialRow) bool { return r.Status != results.StatusRunning }, "still running after Stop")
	if stopped.Status != results.StatusOK || stopped.StopReason != "user" || stopped.Value == nil {
		t.Errorf("after Stop: status %s, stop reason %q, value %v; want ok, user and a value", stopped.Status, stopped.StopReason, stopped.Value)
	}
	waitNumber(t, browser, `document.querySelector('#summary').textContent.includes('stopped: user') && document.querySelector('#stop-box').hidden ? 1 : 0`,
		func(n float64) bool { return n == 1 }, "the page does not say the trial stopped (stop reason user)")
	phase("stopped by the button")
	stopLong()
	if err := <-long; err != nil && study.KindOf(err) != study.Interrupted {
		t.Errorf("all-night: %v", err)
	}
}

// studyStatus is a stored study's status.
func studyStatus(t *testing.T, store results.Store, name string) results.StudyStatus {
	t.Helper()
	st, _, err := store.Study(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return st.Status
}

// waitNumber evaluates expr until ok holds for its value, failing with msg
// after a while.
func waitNumber(t *testing.T, browser context.Context, expr string, ok func(float64) bool, msg string) float64 {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		n, err := chromedp.Run(browser, chromedp.Evaluate[float64](expr))
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		if ok(n) {
			return n
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s (last %v)", msg, n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// checkSorted checks the table's values (data-value, "" for none) are in
// order, the missing ones last.
func checkSorted(t *testing.T, values []string, order string) {
	t.Helper()
	if len(values) < 2 {
		t.Fatalf("%d rows to sort", len(values))
	}
	prev, missing := 0.0, false
	for i, v := range values {
		if v == "" {
			missing = true
			continue
		}
		if missing {
			t.Fatalf("%s: a value after a missing one: %v", order, values)
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			t.Fatal(err)
		}
		if i > 0 && ((order == "ascending" && f < prev) || (order == "descending" && f > prev)) {
			t.Fatalf("not %s at row %d: %v", order, i, values)
		}
		prev = f
	}
}

// shots takes the page's full screenshots at 390 and 1280 px wide and
// checks them: not blank, and at phone width nothing widens the page past
// the screen (tables scroll in their own box).
func shots(t *testing.T, browser context.Context, page string) {
	t.Helper()
	for _, width := range []int64{390, 1280} {
		if err := chromedp.Do(browser, chromedp.EmulateViewport(width, 844),
			chromedp.Sleep(700*time.Millisecond)); err != nil { // the charts redraw at the new width
			t.Fatalf("%s at %d px: %v", page, width, err)
		}
		scrollWidth, err := chromedp.Run(browser, chromedp.Evaluate[float64](`document.documentElement.scrollWidth`))
		if err != nil {
			t.Fatalf("%s at %d px: %v", page, width, err)
		}
		buf, err := chromedp.Run(browser, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("%s at %d px: %v", page, width, err)
		}
		if scrollWidth > float64(width)+1 {
			t.Errorf("%s at %d px: the page is %v px wide", page, width, scrollWidth)
		}
		if err := notBlank(buf); err != nil {
			t.Errorf("%s at %d px: %v", page, width, err)
		}
		if dir := os.Getenv("HPSEARCH_SCREENSHOTS"); dir != "" {
			name := filepath.Join(dir, fmt.Sprintf("%s-%s-%d.png", strings.ReplaceAll(t.Name(), "/", "-"), page, width))
			if err := os.WriteFile(name, buf, 0o644); err != nil {
				t.Error(err)
			}
		}
	}
	if err := chromedp.Do(browser, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatal(err)
	}
}

// notBlank says whether a PNG shows a page: many colours, and a good share
// of pixels unlike the background.
func notBlank(b []byte) error {
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return err
	}
	r := img.Bounds()
	bg := img.At(r.Max.X-1, r.Max.Y-1)
	colours := map[[3]uint32]bool{}
	differ, total := 0, 0
	for y := r.Min.Y; y < r.Max.Y; y += 2 {
		for x := r.Min.X; x < r.Max.X; x += 2 {
			c := img.At(x, y)
			cr, cg, cb, _ := c.RGBA()
			colours[[3]uint32{cr >> 10, cg >> 10, cb >> 10}] = true
			if !sameColour(c, bg) {
				differ++
			}
			total++
		}
	}
	if len(colours) < 20 || differ*50 < total {
		return errors.New("blank: " + strconv.Itoa(len(colours)) + " colours, " + strconv.Itoa(100*differ/total) + "% of pixels unlike the background")
	}
	return nil
}

func sameColour(a, b interface{ RGBA() (r, g, b, a uint32) }) bool {
	ar, ag, ab, _ := a.RGBA()
	br, bg, bb, _ := b.RGBA()
	return ar == br && ag == bg && ab == bb
}
