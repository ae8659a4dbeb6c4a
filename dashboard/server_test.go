package dashboard

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"log"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/results/sqlite"
)

// newTestServer serves a memory store holding the given synthetic studies.
func newTestServer(t *testing.T, opts Options, studies ...synth) (*httptest.Server, *results.MemoryStore) {
	t.Helper()
	store := results.NewMemoryStore()
	for _, sy := range studies {
		sy.put(t, store)
	}
	if opts.Poll == 0 {
		opts.Poll = 20 * time.Millisecond
	}
	if opts.Log == nil {
		opts.Log = testLogger(t)
	}
	srv := httptest.NewServer(New(store, opts))
	t.Cleanup(srv.Close)
	return srv, store
}

// get fetches path and returns the status and body.
func get(t *testing.T, srv *httptest.Server, path string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(srv.URL + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return resp.StatusCode, b
}

// getJSON fetches path, wants 200 and decodes the body into v.
func getJSON(t *testing.T, srv *httptest.Server, path string, v any) {
	t.Helper()
	code, b := get(t, srv, path)
	if code != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, code, b)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("GET %s: %v\n%s", path, err, b)
	}
}

func TestStudiesListsEveryStudyNewestFirst(t *testing.T) {
	old := synth{name: "nightly-1", trials: 40, rounds: 2, seed: 1}
	running := synth{name: "nightly-2", trials: 30, rounds: 2, seed: 2, status: results.StudyRunning}
	srv, store := newTestServer(t, Options{}, old, running)
	st, _, _ := store.Study(context.Background(), "nightly-2")
	st.Created = t0.Add(24 * time.Hour)
	if err := store.PutStudy(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	var doc studiesDoc
	getJSON(t, srv, "/api/studies", &doc)
	if len(doc.Studies) != 2 || doc.Studies[0].Name != "nightly-2" || doc.Studies[1].Name != "nightly-1" {
		t.Fatalf("studies = %+v, want nightly-2 then nightly-1", doc.Studies)
	}
	r := doc.Studies[0]
	if r.Status != "running" || r.Done != 29 || r.Total != 30 || r.Best == nil || r.BestTrial == nil || r.Strategy != "coarse-to-fine" {
		t.Errorf("running study row = %+v, want running, 29 of 30 done, a best", r)
	}
	_, trials := running.study()
	best, _ := results.Best(trials, results.GoalMinimize)
	if *r.Best != best.Value.Float() || *r.BestTrial != best.Number {
		t.Errorf("best = %v (trial %d), want %v (trial %d)", *r.Best, *r.BestTrial, best.Value.Float(), best.Number)
	}
	code, page := get(t, srv, "/")
	if code != http.StatusOK || !bytes.Contains(page, []byte(`data-page="studies"`)) {
		t.Errorf("GET / = %d\n%s", code, page)
	}
}

func TestStudyDocument(t *testing.T) {
	sy := synth{name: "s1", trials: 120, rounds: 3, history: 5, seed: 3}
	srv, _ := newTestServer(t, Options{}, sy)
	st, trials := sy.study()
	var doc studyDoc
	getJSON(t, srv, "/api/study/s1", &doc)
	if doc.Trials != 120 || doc.Study.Done != 120 || len(doc.Rounds) != 3 || doc.Version == "" {
		t.Errorf("doc = trials %d done %d rounds %d version %q", doc.Trials, doc.Study.Done, len(doc.Rounds), doc.Version)
	}
	if !slices.Equal(doc.Params, []string{"learning_rate", "init_std", "optimizer"}) {
		t.Errorf("params = %v", doc.Params)
	}
	if !slices.Equal(doc.Plots, []string{"learning-rate", "parallel", "narrowing", "pruning"}) {
		t.Errorf("plots = %v", doc.Plots)
	}
	best, _ := results.Best(trials, st.Goal)
	var want bytes.Buffer
	if err := results.WriteBestYAML(&want, results.NewBestFile(st, best)); err != nil {
		t.Fatal(err)
	}
	if doc.BestYAML != want.String() {
		t.Errorf("best_yaml =\n%s\nwant\n%s", doc.BestYAML, want.String())
	}
	for _, s := range []results.Status{results.StatusOK, results.StatusDiverged, results.StatusFailed, results.StatusPruned} {
		if doc.Statuses[string(s)] == 0 {
			t.Errorf("no %s trial counted: %v", s, doc.Statuses)
		}
	}
	if doc.Pruning == nil || doc.Pruning.Pruned != doc.Statuses["pruned"] || doc.Pruning.Saved <= 0 {
		t.Fatalf("pruning = %+v", doc.Pruning)
	}
	// The synthetic study prunes at step 100 only; every measured trial
	// (ok, diverged, pruned) reached it.
	measuredTrials := doc.Statuses["ok"] + doc.Statuses["diverged"] + doc.Statuses["pruned"]
	if want := []rungDoc{{Step: 100, Reached: measuredTrials, Pruned: doc.Statuses["pruned"]}}; !slices.Equal(doc.Pruning.Rungs, want) {
		t.Errorf("rungs = %+v, want %+v", doc.Pruning.Rungs, want)
	}
	code, page := get(t, srv, "/study/s1")
	if code != http.StatusOK || !bytes.Contains(page, []byte(`data-study="s1"`)) {
		t.Errorf("GET /study/s1 = %d", code)
	}
}

// The copy-as-YAML button's text and the download are best.yaml itself:
// it reads back as the best trial's settings.
func TestBestYAMLIsBestFile(t *testing.T) {
	sy := synth{name: "s1", trials: 50, seed: 4}
	srv, _ := newTestServer(t, Options{}, sy, synth{name: "all-failed", trials: 0})
	st, trials := sy.study()
	code, body := get(t, srv, "/api/study/s1/best.yaml")
	if code != http.StatusOK {
		t.Fatalf("best.yaml: %d %s", code, body)
	}
	b, err := results.ReadBestYAML(bytes.NewReader(body), "best.yaml")
	if err != nil {
		t.Fatal(err)
	}
	best, _ := results.Best(trials, st.Goal)
	if b.Trial != best.Number || b.Value != best.Value.Float() || b.Study != "s1" || len(b.Params) != 3 {
		t.Errorf("best.yaml = %+v, want trial %d value %v", b, best.Number, best.Value.Float())
	}
	var doc studyDoc
	getJSON(t, srv, "/api/study/s1", &doc)
	if doc.BestYAML != string(body) {
		t.Errorf("the page's YAML differs from best.yaml:\n%s\n%s", doc.BestYAML, body)
	}
	if code, _ := get(t, srv, "/api/study/all-failed/best.yaml"); code != http.StatusNotFound {
		t.Errorf("best.yaml of a study with no ok trial: %d, want 404", code)
	}
}

func TestTrialsTableSortsFiltersAndPages(t *testing.T) {
	sy := synth{name: "s1", trials: 300, rounds: 3, seed: 5}
	srv, _ := newTestServer(t, Options{}, sy)
	st, trials := sy.study()
	ranked := results.Rank(trials, st.Goal)

	var doc tableDoc
	getJSON(t, srv, "/api/study/s1/trials", &doc)
	if doc.Total != 300 || len(doc.Rows) != defaultLimit {
		t.Fatalf("default page: total %d rows %d", doc.Total, len(doc.Rows))
	}
	for i, r := range doc.Rows {
		if r.Number != ranked[i].Number {
			t.Fatalf("row %d is trial %d, want %d (rank order)", i, r.Number, ranked[i].Number)
		}
		if r.Rank != i+1 {
			t.Errorf("row %d has rank %d", i, r.Rank)
		}
	}

	// Values ascending and descending, missing values last either way.
	for _, order := range []string{"asc", "desc"} {
		var all tableDoc
		getJSON(t, srv, "/api/study/s1/trials?sort=value&limit=500&order="+order, &all)
		seenMissing := false
		for i := 1; i < len(all.Rows); i++ {
			a, b := all.Rows[i-1].Value, all.Rows[i].Value
			if a == nil {
				seenMissing = true
			}
			if seenMissing && b != nil {
				t.Fatalf("order %s: a value after a missing one at row %d", order, i)
			}
			if a != nil && b != nil && ((order == "asc" && *a > *b) || (order == "desc" && *a < *b)) {
				t.Fatalf("order %s: row %d value %v then %v", order, i, *a, *b)
			}
		}
	}

	// A parameter, and paging through it.
	var p1, p2 tableDoc
	getJSON(t, srv, "/api/study/s1/trials?sort=param:learning_rate&limit=20", &p1)
	getJSON(t, srv, "/api/study/s1/trials?sort=param:learning_rate&limit=20&offset=20", &p2)
	lrs := func(d tableDoc) []float64 {
		var out []float64
		for _, r := range d.Rows {
			out = append(out, paramOf(t, trials, r.Number, "learning_rate"))
		}
		return out
	}
	all := append(lrs(p1), lrs(p2)...)
	if len(all) != 40 || !slices.IsSorted(all) {
		t.Errorf("learning rates of pages 1 and 2 not ascending: %v", all)
	}

	// A status filter: only those, counted.
	var f tableDoc
	getJSON(t, srv, "/api/study/s1/trials?status=failed,diverged&limit=500", &f)
	want := 0
	for _, tr := range trials {
		if tr.Status == results.StatusFailed || tr.Status == results.StatusDiverged {
			want++
		}
	}
	if f.Total != want || len(f.Rows) != want || want == 0 {
		t.Errorf("failed,diverged: total %d rows %d, want %d", f.Total, len(f.Rows), want)
	}
	for _, r := range f.Rows {
		if r.Status != results.StatusFailed && r.Status != results.StatusDiverged {
			t.Errorf("trial %d is %s", r.Number, r.Status)
		}
		if r.Status == results.StatusFailed && r.Error == "" {
			t.Errorf("failed trial %d has no reason", r.Number)
		}
	}
}

func paramOf(t *testing.T, trials []results.Trial, number int, name string) float64 {
	t.Helper()
	for _, tr := range trials {
		if tr.Number == number {
			v, _ := tr.Params.Get(name)
			return v.(float64)
		}
	}
	t.Fatalf("no trial %d", number)
	return 0
}

// Every handler answers bad input with 400 or 404 and a message, never a
// panic, and nothing outside the UI.
func TestBadInput(t *testing.T) {
	srv, _ := newTestServer(t, Options{}, synth{name: "s1", trials: 30, history: 3, seed: 6})
	cases := []struct {
		path string
		code int
	}{
		{"/study/nope", 404},
		{"/study/nope/trial/1", 404},
		{"/study/s1/trial/9999", 404},
		{"/study/s1/trial/-1", 400},
		{"/study/s1/trial/x", 400},
		{"/api/study/nope", 404},
		{"/api/study/nope/trials", 404},
		{"/api/study/nope/series", 404},
		{"/api/study/nope/plot/parallel", 404},
		{"/api/study/nope/best.yaml", 404},
		{"/api/study/nope/trial/0", 404},
		{"/api/study/s1/trial/99999999999999999999", 400},
		{"/api/study/s1/trial/2147483647", 404},
		{"/api/study/s1/trials?sort=bogus", 400},
		{"/api/study/s1/trials?sort=param:nope", 400},
		{"/api/study/s1/trials?order=sideways", 400},
		{"/api/study/s1/trials?status=ok,bogus", 400},
		{"/api/study/s1/trials?offset=-1", 400},
		{"/api/study/s1/trials?offset=abc", 400},
		{"/api/study/s1/trials?limit=0", 400},
		{"/api/study/s1/trials?limit=100000", 400},
		{"/api/study/s1/trials?limit=1e3", 400},
		{"/api/study/s1/plot/bogus", 404},
		{"/api/study/s1/plot/..%2f..%2fetc", 400},
		{"/api/compare?study=s1", 400},
		{"/api/compare?study=s1&study=nope", 404},
		{"/compare", 400},
		{"/compare?study=s1&study=s1&study=s1&study=s1&study=s1&study=s1&study=s1", 400},
		{"/assets/../../../etc/passwd", 400},
		{"/assets/%2e%2e/%2e%2e/etc/passwd", 400},
		{"/assets/..%2f..%2fdashboard.go", 400},
		{"/assets/..%5c..%5cdashboard.go", 400},
		{"/study/..%2f..%2fetc%2fpasswd", 400},
		{"/assets/templates/study.html", 404},
		{"/assets/", 404},
		{"/assets/nope.js", 404},
		{"/nope", 404},
		{"/api/nope", 404},
	}
	for _, c := range cases {
		req, err := http.NewRequest(http.MethodGet, srv.URL+c.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.URL.Opaque = "//" + req.URL.Host + c.path // as typed: no client-side cleaning
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", c.path, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.code {
			t.Errorf("GET %s = %d, want %d\n%s", c.path, resp.StatusCode, c.code, body)
			continue
		}
		if strings.HasPrefix(c.path, "/api/") {
			var e errorDoc
			if err := json.Unmarshal(body, &e); err != nil || e.Error == "" {
				t.Errorf("GET %s: no JSON error: %s", c.path, body)
			}
		} else if !bytes.Contains(body, []byte("<h1>")) {
			t.Errorf("GET %s: no error page: %s", c.path, body)
		}
	}
	// The messages say what is allowed.
	_, body := get(t, srv, "/api/study/s1/trials?sort=bogus")
	if !bytes.Contains(body, []byte("param:learning_rate")) {
		t.Errorf("sort error does not list the columns: %s", body)
	}
	// Writes: only the stop endpoint takes a POST, and this one is read-only.
	for path, code := range map[string]int{"/api/study/s1/trial/0/stop": 403, "/api/study/s1": 405, "/": 405} {
		resp, err := http.Post(srv.URL+path, "application/json", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != code {
			t.Errorf("POST %s = %d, want %d", path, resp.StatusCode, code)
		}
	}
}

func TestOnlyLocalHostsUnlessAnyHost(t *testing.T) {
	for _, anyHost := range []bool{false, true} {
		srv, _ := newTestServer(t, Options{AnyHost: anyHost}, synth{name: "s1", trials: 3})
		for host, local := range map[string]bool{"localhost:8080": true, "127.0.0.1": true, "[::1]:80": true, "evil.example:8080": false, "10.0.0.1": false} {
			req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/studies", nil)
			req.Host = host
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			want := http.StatusOK
			if !local && !anyHost {
				want = http.StatusMisdirectedRequest
			}
			if resp.StatusCode != want {
				t.Errorf("AnyHost %v, Host %s: %d, want %d", anyHost, host, resp.StatusCode, want)
			}
		}
	}
}

// Nothing a page loads comes from elsewhere: no absolute URL in the
// pages, script or style, and a Content-Security-Policy that forbids it.
func TestNoRequestLeavesTheMachine(t *testing.T) {
	srv, _ := newTestServer(t, Options{}, synth{name: "s1", trials: 30, history: 4, seed: 7})
	external := regexp.MustCompile(`(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}`)
	for _, path := range []string{"/", "/study/s1", "/study/s1/trial/0", "/compare?study=s1&study=s1", "/assets/app.js", "/assets/style.css"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("GET %s = %d", path, resp.StatusCode)
		}
		if m := external.Find(body); m != nil {
			t.Errorf("%s refers to %s", path, m)
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
			t.Errorf("%s: Content-Security-Policy %q", path, csp)
		}
	}
	for _, path := range []string{"/assets/vendor/uplot/uPlot.iife.min.js", "/assets/vendor/uplot/uPlot.min.css"} {
		if code, body := get(t, srv, path); code != 200 || len(body) < 1000 {
			t.Errorf("GET %s = %d, %d bytes", path, code, len(body))
		}
	}
}

// The vendored library is the pinned release its README names.
func TestVendoredUPlot(t *testing.T) {
	readme, err := os.ReadFile("web/vendor/uplot/README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(readme, []byte("**1.6.32**")) {
		t.Error("README does not pin a version")
	}
	row := regexp.MustCompile(`\| (\S+) \| ([0-9a-f]{64}) \|`)
	rows := row.FindAllSubmatch(readme, -1)
	if len(rows) != 3 {
		t.Fatalf("README lists %d checksums, want 3", len(rows))
	}
	for _, m := range rows {
		b, err := fs.ReadFile(web, "web/vendor/uplot/"+string(m[1]))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		if hex.EncodeToString(sum[:]) != string(m[2]) {
			t.Errorf("%s: sha256 %x, README says %s", m[1], sum, m[2])
		}
	}
	if lic, err := fs.ReadFile(web, "web/vendor/uplot/LICENSE"); err != nil || !bytes.Contains(lic, []byte("MIT License")) {
		t.Errorf("LICENSE: %v", err)
	}
}

func TestSeries(t *testing.T) {
	sy := synth{name: "big", trials: 6000, rounds: 4, seed: 8}
	srv, _ := newTestServer(t, Options{}, sy)
	st, trials := sy.study()
	var doc seriesDoc
	getJSON(t, srv, "/api/study/big/series", &doc)
	if !slices.IsSorted(doc.Best.X) || len(doc.Best.X) == 0 {
		t.Fatalf("best so far x = %v", doc.Best.X)
	}
	for i := 1; i < len(doc.Best.Y); i++ {
		if doc.Best.Y[i] > doc.Best.Y[i-1] {
			t.Fatalf("best so far rises at %d: %v", i, doc.Best.Y)
		}
	}
	best, _ := results.Best(trials, st.Goal)
	if last := doc.Best.Y[len(doc.Best.Y)-1]; last != best.Value.Float() || doc.Best.X[len(doc.Best.X)-1] != float64(len(trials)-1) {
		t.Errorf("best so far ends at (%v, %v), want (%d, %v)", doc.Best.X[len(doc.Best.X)-1], last, len(trials)-1, best.Value.Float())
	}
	if len(doc.Values.X) > maxValuePoints || !doc.Sampled {
		t.Errorf("%d values sent, sampled %v", len(doc.Values.X), doc.Sampled)
	}
	if len(doc.Slices) != 3 {
		t.Fatalf("slices = %d", len(doc.Slices))
	}
	lr := doc.Slices[0]
	if lr.Param != "learning_rate" || !lr.Log || len(lr.X) > maxSlicePoints || lr.Total <= maxSlicePoints {
		t.Errorf("learning_rate slice: %s log %v, %d of %d points", lr.Param, lr.Log, len(lr.X), lr.Total)
	}
	if !slices.Contains(lr.Y, best.Value.Float()) {
		t.Error("the best trial is not in the sampled slice")
	}
	opt := doc.Slices[2]
	if len(opt.Labels) != 3 || opt.Log {
		t.Errorf("optimizer slice labels %v", opt.Labels)
	}
}

func TestPlots(t *testing.T) {
	srv, _ := newTestServer(t, Options{}, synth{name: "s1", trials: 80, rounds: 3, history: 6, seed: 9}, synth{name: "one-round", trials: 10, rounds: 1, seed: 10})
	for _, kind := range plotKinds {
		var d plotDoc
		getJSON(t, srv, "/api/study/s1/plot/"+kind, &d)
		if !strings.Contains(d.SVG, "<svg") || d.Title == "" || d.Caption == "" || d.Width <= 0 || d.Missing != "" {
			t.Errorf("%s: title %q, %d bytes of svg, missing %q", kind, d.Title, len(d.SVG), d.Missing)
		}
	}
	var d plotDoc
	getJSON(t, srv, "/api/study/one-round/plot/narrowing", &d)
	if d.SVG != "" || !strings.Contains(d.Missing, "one round") {
		t.Errorf("narrowing of a one-round study: %+v", d)
	}
}

func TestTrialDocument(t *testing.T) {
	sy := synth{name: "s1", trials: 20, history: 12, seed: 11, status: results.StudyRunning}
	srv, _ := newTestServer(t, Options{}, sy)
	var d trialDoc
	getJSON(t, srv, "/api/study/s1/trial/0", &d)
	if len(d.Curves.Iteration) != 12 || len(d.Curves.GradNorm) != 12 || d.Running || d.CanStop {
		t.Errorf("trial 0: %d points, running %v, can stop %v", len(d.Curves.Iteration), d.Running, d.CanStop)
	}
	if d.Seed != "9223372036854775808" || !slices.Equal(d.ParamOrder, []string{"learning_rate", "init_std", "optimizer"}) {
		t.Errorf("seed %q (want 2^63 exactly), parameters in order %v", d.Seed, d.ParamOrder)
	}
	if d.Threshold == nil || *d.Threshold != 1e-6 {
		t.Errorf("gradient threshold = %v", d.Threshold)
	}
	getJSON(t, srv, "/api/study/s1/trial/19", &d)
	if !d.Running || d.CanStop || len(d.Curves.Iteration) != 6 {
		t.Errorf("running trial 19: running %v, can stop %v (read-only), %d points", d.Running, d.CanStop, len(d.Curves.Iteration))
	}
	code, page := get(t, srv, "/study/s1/trial/19")
	if code != 200 || !bytes.Contains(page, []byte(`data-trial="19"`)) || !bytes.Contains(page, []byte("read-only")) {
		t.Errorf("trial page = %d", code)
	}
}

// A page polls its study: a trial stored after the page opened shows up
// at the next poll, with a new version.
func TestLiveUpdate(t *testing.T) {
	sy := synth{name: "live", trials: 10, history: 3, seed: 12, status: results.StudyRunning}
	srv, store := newTestServer(t, Options{Poll: 10 * time.Millisecond}, sy)
	var before, after studyDoc
	getJSON(t, srv, "/api/study/live", &before)
	_, trials := sy.study()
	next := trials[0]
	next.Number = 10
	if err := store.PutTrial(context.Background(), next); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		getJSON(t, srv, "/api/study/live", &after)
		if after.Trials == 11 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if after.Trials != 11 || after.Version == before.Version || after.Study.Done != before.Study.Done+1 {
		t.Errorf("after a new trial: %d trials, %d done (was %d), version %q (was %q)", after.Trials, after.Study.Done, before.Study.Done, after.Version, before.Version)
	}
	var sums studiesDoc
	getJSON(t, srv, "/api/studies", &sums)
	if sums.Studies[0].Done != after.Study.Done {
		t.Errorf("studies list says %d done, the study page %d", sums.Studies[0].Done, after.Study.Done)
	}
}

// However many studies pages look at, the server keeps MaxStudies
// snapshots.
func TestCacheIsBounded(t *testing.T) {
	var studies []synth
	for i := range 6 {
		studies = append(studies, synth{name: "s" + string(rune('a'+i)), trials: 20, seed: uint64(i)})
	}
	store := results.NewMemoryStore()
	for _, sy := range studies {
		sy.put(t, store)
	}
	s := New(store, Options{MaxStudies: 2, Log: testLogger(t)})
	srv := httptest.NewServer(s)
	defer srv.Close()
	for _, sy := range studies {
		var d studyDoc
		getJSON(t, srv, "/api/study/"+sy.name, &d)
		if n := s.cache.cached(); n > 2 {
			t.Fatalf("%d snapshots kept, want at most 2", n)
		}
	}
	n := s.cache.cached()
	if code, _ := get(t, srv, "/api/study/nope"); code != http.StatusNotFound {
		t.Errorf("unknown study: %d", code)
	}
	if s.cache.cached() != n {
		t.Errorf("an unknown study is kept in the cache")
	}
}

func TestCompare(t *testing.T) {
	a := synth{name: "monday", trials: 40, rounds: 2, seed: 13}
	b := synth{name: "tuesday", trials: 60, rounds: 2, seed: 14}
	srv, _ := newTestServer(t, Options{}, a, b)
	var doc compareDoc
	getJSON(t, srv, "/api/compare?study=monday&study=tuesday", &doc)
	if len(doc.Studies) != 2 || doc.Studies[0].Name != "monday" || doc.Studies[1].Done != 60 {
		t.Fatalf("compare = %+v", doc.Studies)
	}
	for i, sy := range []synth{a, b} {
		st, trials := sy.study()
		best, _ := results.Best(trials, st.Goal)
		cs := doc.Studies[i]
		if *cs.studyRow.Best != best.Value.Float() || cs.Params["learning_rate"] != results.FormatValue(mustGet(best.Params, "learning_rate")) {
			t.Errorf("%s: best %v params %v", sy.name, *cs.studyRow.Best, cs.Params)
		}
		if cs.Ranges["learning_rate"] == "" || len(cs.Best.X) == 0 {
			t.Errorf("%s: last ranges %v, best so far %d points", sy.name, cs.Ranges, len(cs.Best.X))
		}
	}
	if code, page := get(t, srv, "/compare?study=monday&study=tuesday"); code != 200 || !bytes.Contains(page, []byte(`data-compare="study=monday&amp;study=tuesday"`)) {
		t.Errorf("compare page = %d\n%s", code, page)
	}
}

func mustGet(p results.Params, name string) any {
	v, _ := p.Get(name)
	return v
}

func TestFingerprintFollowsTheStudy(t *testing.T) {
	sum := results.Summary{Study: results.Study{Status: results.StudyRunning, Total: 10}, Done: 3, OK: 2, Best: 0.5}
	base := fingerprint(sum, 4, 1)
	changed := []string{
		fingerprint(sum, 5, 1),
		fingerprint(sum, 4, 2),
		fingerprint(results.Summary{Study: sum.Study, Done: 4, OK: 2, Best: 0.5}, 4, 1),
		fingerprint(results.Summary{Study: sum.Study, Done: 3, OK: 2, Best: 0.25}, 4, 1),
		fingerprint(results.Summary{Study: results.Study{Status: results.StudyInterrupted, Total: 10}, Done: 3, OK: 2, Best: 0.5}, 4, 1),
		fingerprint(results.Summary{Study: sum.Study, Done: 3, OK: 2, Best: math.NaN()}, 4, 1),
	}
	for i, c := range changed {
		if c == base {
			t.Errorf("change %d keeps the fingerprint %q", i, base)
		}
	}
}

func testLogger(t *testing.T) *log.Logger { return log.New(&logWriter{t: t}, "", 0) }

// logWriter sends the server's log lines to the test log.
type logWriter struct{ t *testing.T }

func (l *logWriter) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// A study with a least-squares floor shows it: in the summary, as each
// trial's gap in the table, and in the best-so-far plot.
func TestFloor(t *testing.T) {
	store := results.NewMemoryStore()
	sy := synth{name: "linear", trials: 30, seed: 41}
	st, trials := sy.study()
	st.Floor = &results.Floor{TrainLoss: 0.004, ValidationLoss: 0.005}
	if err := store.PutStudy(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	for _, tr := range trials {
		if err := store.PutTrial(context.Background(), tr); err != nil {
			t.Fatal(err)
		}
	}
	sy.name = "no-floor"
	sy.put(t, store)
	srv := httptest.NewServer(New(store, Options{Log: testLogger(t)}))
	defer srv.Close()

	var doc studyDoc
	getJSON(t, srv, "/api/study/linear", &doc)
	if doc.Floor == nil || *doc.Floor != 0.005 || !strings.Contains(doc.FloorLine, "least-squares floor") {
		t.Errorf("floor %v, line %q", doc.Floor, doc.FloorLine)
	}
	var table tableDoc
	getJSON(t, srv, "/api/study/linear/trials", &table)
	if !slices.Contains(table.Columns, "above_floor") {
		t.Errorf("columns %v lack above_floor", table.Columns)
	}
	r := table.Rows[0]
	if r.AboveFloor == nil || math.Abs(*r.AboveFloor-(*r.Value-0.005)) > 1e-15 {
		t.Errorf("best row: value %v above floor %v", r.Value, r.AboveFloor)
	}
	var sd seriesDoc
	getJSON(t, srv, "/api/study/linear/series", &sd)
	if sd.Floor == nil || *sd.Floor != 0.005 {
		t.Errorf("series floor %v", sd.Floor)
	}
	doc, table = studyDoc{}, tableDoc{}
	getJSON(t, srv, "/api/study/no-floor", &doc)
	getJSON(t, srv, "/api/study/no-floor/trials", &table)
	if doc.Floor != nil || doc.FloorLine != "" || slices.Contains(table.Columns, "above_floor") || table.Rows[0].AboveFloor != nil {
		t.Errorf("a study without a floor shows one: %v %q %v", doc.Floor, doc.FloorLine, table.Columns)
	}
}

// Before a running study records its first round, a parameter's log scale
// comes from its resolved config.
func TestLogParamsFromTheConfig(t *testing.T) {
	st := results.Study{Config: "trainer.max_iterations: 400\n" +
		"parameters.learning_rate: log_uniform [0.0001, 1]\n" +
		"parameters.step: powers_of_ten [-5, 0]\n" +
		"parameters.width: int [8, 512] log\n" +
		"parameters.momentum: uniform [0, 0.99] when optimizer in [momentum, adam]\n" +
		"parameters.optimizer: choice [gd, momentum, adam]\n"}
	got, known := logParams(st)
	want := map[string]bool{"learning_rate": true, "step": true, "width": true}
	if !known {
		t.Error("the config's parameters are not taken as known")
	}
	if len(got) != len(want) {
		t.Fatalf("log parameters %v, want %v", got, want)
	}
	for k := range want {
		if !got[k] {
			t.Errorf("%s is not log: %v", k, got)
		}
	}
}

// countingStore counts the full reads of a real SQLite store.
type countingStore struct {
	*sqlite.Store
	reads atomic.Int32
}

func (c *countingStore) Study(ctx context.Context, name string) (results.Study, []results.Trial, error) {
	c.reads.Add(1)
	return c.Store.Study(ctx, name)
}

// A study is read again only when it moved: pages polling a finished
// study cost the store its cheap summary, not a read of every trial.
func TestReadsAgainOnlyWhenTheStudyMoved(t *testing.T) {
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "hpsearch.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	store := &countingStore{Store: db}
	sy := synth{name: "done", trials: 30, seed: 51}
	st, trials := sy.put(t, db)
	s := New(store, Options{Poll: 2 * time.Millisecond, Log: testLogger(t)})
	ctx := context.Background()
	// pastWait sleeps past the cache's waits, of the study's read and of
	// the summary's, so each get asks the store again.
	pastWait := func(snap *snapshot) {
		s.cache.sumMu.Lock()
		sumWait := s.cache.wait(s.cache.sumCost)
		s.cache.sumMu.Unlock()
		time.Sleep(max(s.cache.wait(snap.cost), sumWait) + time.Millisecond)
	}
	for range 20 {
		snap, err := s.cache.get(ctx, "done")
		if err != nil {
			t.Fatal(err)
		}
		pastWait(snap)
	}
	if n := store.reads.Load(); n != 1 {
		t.Errorf("a finished study that did not change was read %d times, want 1", n)
	}
	// It moves (resumed: a new trial, running again): read again.
	st.Status = results.StudyRunning
	if err := db.PutStudy(ctx, st); err != nil {
		t.Fatal(err)
	}
	next := trials[0]
	next.Number = 30
	if err := db.PutTrial(ctx, next); err != nil {
		t.Fatal(err)
	}
	snap, err := s.cache.get(ctx, "done")
	if err != nil {
		t.Fatal(err)
	}
	pastWait(snap)
	snap, err = s.cache.get(ctx, "done")
	if err != nil {
		t.Fatal(err)
	}
	if n := store.reads.Load(); n != 2 || len(snap.trials) != 31 || snap.study.Status != results.StudyRunning {
		t.Errorf("after the study moved: %d reads, %d trials, %s", n, len(snap.trials), snap.study.Status)
	}
}

// A study that says nothing of its parameters' scales (run from Go, its
// ranges recorded only when it ends) gets a log axis for a parameter whose
// values span three decades, marked as inferred.
func TestLogAxisInferredWithoutRanges(t *testing.T) {
	sy := synth{name: "from-go", trials: 300, seed: 61, status: results.StudyRunning}
	st, trials := sy.study()
	st.Rounds, st.Config = nil, ""
	store := results.NewMemoryStore()
	if err := store.PutStudy(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	for _, tr := range trials {
		if err := store.PutTrial(context.Background(), tr); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(New(store, Options{Log: testLogger(t)}))
	defer srv.Close()
	var doc seriesDoc
	getJSON(t, srv, "/api/study/from-go/series", &doc)
	lr, std := doc.Slices[0], doc.Slices[1]
	if !lr.Log || !lr.Inferred {
		t.Errorf("learning_rate (1e-4 to 1): log %v inferred %v, want both", lr.Log, lr.Inferred)
	}
	if std.Log {
		t.Errorf("init_std (0 to 1) has a log axis")
	}
}

// The drawn plots describe results: a running study's unfinished trials
// are not drawn as trials without a value (diverged or failed).
func TestPlotsLeaveOutUnfinishedTrials(t *testing.T) {
	sy := synth{name: "running", trials: 60, seed: 71, status: results.StudyRunning}
	srv, _ := newTestServer(t, Options{}, sy)
	_, trials := sy.study()
	diverged := 0
	for _, tr := range trials {
		if tr.Status == results.StatusDiverged {
			diverged++
		}
	}
	if trials[len(trials)-1].Status != results.StatusRunning || diverged == 0 {
		t.Fatal("the fixture needs a running trial and diverged ones")
	}
	var d plotDoc
	getJSON(t, srv, "/api/study/running/plot/learning-rate", &d)
	if want := fmt.Sprintf("diverged (%d)", diverged); !strings.Contains(d.SVG, want) {
		t.Errorf("the learning-rate plot does not say %q: %s", want, regexp.MustCompile(`diverged \([0-9]+\)`).FindString(d.SVG))
	}
}
