package dashboard

import (
	"bytes"
	"context"
	"errors"
	"math"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/hpsearch/hpsearch/results"
)

// studyRow is one study in the studies list.
type studyRow struct {
	Name      string    `json:"name"`
	Status    string    `json:"status"`
	Strategy  string    `json:"strategy"`
	Metric    string    `json:"metric"`
	Goal      string    `json:"goal"`
	Created   time.Time `json:"created"`
	Done      int       `json:"done"`
	Total     int       `json:"total"`
	OK        int       `json:"ok"`
	Best      *float64  `json:"best"`
	BestTrial *int      `json:"best_trial"`
}

type studiesDoc struct {
	Poll    int        `json:"poll_ms"`
	Studies []studyRow `json:"studies"`
}

func newStudyRow(sum results.Summary) studyRow {
	st := sum.Study
	row := studyRow{Name: st.Name, Status: string(st.Status), Strategy: st.Strategy, Metric: metricName(st),
		Goal: string(st.Goal), Created: st.Created, Done: sum.Done, Total: st.Total, OK: sum.OK, Best: finite(sum.Best)}
	if row.Goal == "" {
		row.Goal = string(results.GoalMinimize)
	}
	if sum.BestTrial >= 0 {
		row.BestTrial = &sum.BestTrial
	}
	return row
}

func (s *Server) apiStudies(w http.ResponseWriter, r *http.Request) {
	sums, err := s.cache.summaries(r.Context())
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	doc := studiesDoc{Poll: int(s.opts.Poll.Milliseconds()), Studies: make([]studyRow, 0, len(sums))}
	// Newest first: the one a person opened the page for.
	for i := len(sums) - 1; i >= 0; i-- {
		doc.Studies = append(doc.Studies, newStudyRow(sums[i]))
	}
	writeJSON(w, http.StatusOK, doc)
}

// studyDoc is a study page's summary: what the page polls.
type studyDoc struct {
	Version  string         `json:"version"`
	Poll     int            `json:"poll_ms"`
	Study    studyRow       `json:"study"`
	Running  int            `json:"running"`
	Trials   int            `json:"trials"`
	Params   []string       `json:"params"`
	Plots    []string       `json:"plots"`
	BestYAML string         `json:"best_yaml,omitempty"`
	Best     *trialRow      `json:"best_trial_row,omitempty"`
	Rounds   []roundDoc     `json:"rounds"`
	Pruning  *pruningDoc    `json:"pruning,omitempty"`
	Statuses map[string]int `json:"statuses"`
	// Floor is the least-squares floor of the metric, when the study has
	// one (a linear or polynomial model under a squared loss).
	Floor     *float64 `json:"floor,omitempty"`
	FloorLine string   `json:"floor_line,omitempty"`
}

type roundDoc struct {
	Round  int               `json:"round"`
	Ranges map[string]string `json:"ranges"`
	Best   *float64          `json:"best"`
	Median *float64          `json:"median"`
}

// pruningDoc is what early stopping saved, as `show` prints it, and where
// it stopped trials.
type pruningDoc struct {
	Pruned     int       `json:"pruned"`
	Iterations int       `json:"iterations_run"`
	Saved      float64   `json:"saved_fraction"`
	Rungs      []rungDoc `json:"rungs"`
}

// rungDoc is one step at which early stopping stopped trials: how many
// finished trials reached it and how many of them it stopped there.
type rungDoc struct {
	Step    int `json:"step"`
	Reached int `json:"reached"`
	Pruned  int `json:"pruned"`
}

// rungs finds the steps where trials were pruned (a pruned trial's last
// iteration), from the stored trials alone.
func rungs(trials []results.Trial) []rungDoc {
	pruned := map[int]int{}
	var runs []int // iterations of every finished trial that measured something
	for _, t := range trials {
		if !measured(t) {
			continue
		}
		runs = append(runs, t.Iterations)
		if t.Status == results.StatusPruned {
			pruned[t.Iterations]++
		}
	}
	slices.Sort(runs)
	out := make([]rungDoc, 0, len(pruned))
	for step, n := range pruned {
		first, _ := slices.BinarySearch(runs, step)
		out = append(out, rungDoc{Step: step, Reached: len(runs) - first, Pruned: n})
	}
	slices.SortFunc(out, func(a, b rungDoc) int { return a.Step - b.Step })
	return out
}

func (s *Server) apiStudy(w http.ResponseWriter, r *http.Request) {
	snap, err := s.snapshot(r)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.studyDoc(snap))
}

// studyDoc is snap's summary document, built once per snapshot: every
// open page polls it.
func (s *Server) studyDoc(snap *snapshot) studyDoc {
	snap.mu.Lock()
	defer snap.mu.Unlock()
	if snap.doc == nil {
		d := s.newStudyDoc(snap)
		snap.doc = &d
	}
	return *snap.doc
}

func (s *Server) newStudyDoc(snap *snapshot) studyDoc {
	doc := studyDoc{Version: snap.version, Poll: int(s.opts.Poll.Milliseconds()), Study: newStudyRow(snap.summary),
		Running: snap.running, Trials: len(snap.trials), Params: snap.params, Rounds: []roundDoc{}, Statuses: map[string]int{}}
	for _, t := range snap.trials {
		doc.Statuses[string(t.Status)]++
	}
	for _, k := range plotKinds {
		if k == "learning-rate" && !slices.Contains(snap.params, learningRate) {
			continue
		}
		if k == "pruning" && doc.Statuses[string(results.StatusPruned)] == 0 {
			continue
		}
		if k == "narrowing" && len(snap.study.Rounds) < 2 {
			continue // nothing narrowed yet
		}
		doc.Plots = append(doc.Plots, k)
	}
	if best, ok := results.Best(snap.trials, snap.study.Goal); ok {
		var buf bytes.Buffer
		if err := results.WriteBestYAML(&buf, results.NewBestFile(snap.study, best)); err == nil {
			doc.BestYAML = buf.String()
		}
		row := newTrialRow(snap.study, best, 1)
		doc.Best = &row
	}
	for _, rd := range snap.study.Rounds {
		rr := roundDoc{Round: rd.Round, Ranges: map[string]string{}, Best: finite(rd.Best), Median: finite(rd.Median)}
		for _, rg := range rd.Ranges {
			rr.Ranges[rg.Name] = results.FormatRange(rg)
		}
		doc.Rounds = append(doc.Rounds, rr)
	}
	if n := doc.Statuses[string(results.StatusPruned)]; n > 0 {
		sv := results.PruningSavings(snap.trials)
		saved := 0.0
		if sv.Without > 0 {
			saved = 1 - float64(sv.Ran)/float64(sv.Without)
		}
		doc.Pruning = &pruningDoc{Pruned: n, Iterations: sv.Ran, Saved: saved, Rungs: rungs(snap.trials)}
	}
	if f, ok := snap.study.Floor.Of(snap.study.Metric); ok {
		doc.Floor, doc.FloorLine = finite(f), results.FloorLine(snap.study, snap.trials)
	}
	if doc.Params == nil {
		doc.Params = []string{}
	}
	return doc
}

func (s *Server) apiTrials(w http.ResponseWriter, r *http.Request) {
	snap, err := s.snapshot(r)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	q, err := parseTableQuery(r.URL.Query(), snap.params)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, snap.table(q, snap.params))
}

func (s *Server) apiSeries(w http.ResponseWriter, r *http.Request) {
	snap, err := s.snapshot(r)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, snap.seriesOf())
}

func (s *Server) apiPlot(w http.ResponseWriter, r *http.Request) {
	kind := r.PathValue("kind")
	if !slices.Contains(plotKinds, kind) {
		fail(w, r, http.StatusNotFound, "no plot "+kind+" (there are: learning-rate, parallel, narrowing, pruning)")
		return
	}
	snap, err := s.snapshot(r)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, snap.plot(kind))
}

// apiBestYAML answers exactly what best.yaml holds for the study now: the
// same writer run and export use.
func (s *Server) apiBestYAML(w http.ResponseWriter, r *http.Request) {
	snap, err := s.snapshot(r)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	best, ok := results.Best(snap.trials, snap.study.Goal)
	if !ok {
		fail(w, r, http.StatusNotFound, "study "+snap.study.Name+" has no successful trial yet, so no best settings")
		return
	}
	var buf bytes.Buffer
	if err := results.WriteBestYAML(&buf, results.NewBestFile(snap.study, best)); err != nil {
		s.failErr(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/yaml; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(buf.Bytes())
}

// maxCurvePoints bounds a trial's curves sent to a page; the trainer
// thins its history already, this guards any other writer.
const maxCurvePoints = 4000

// trialDoc is a trial page's data.
type trialDoc struct {
	Study      string     `json:"study"`
	Metric     string     `json:"metric"`
	Trial      trialRow   `json:"trial"`
	Running    bool       `json:"running"`
	CanStop    bool       `json:"can_stop"`
	Poll       int        `json:"poll_ms"`
	Seed       string     `json:"seed"`        // a string: JavaScript's numbers cannot hold every uint64
	ParamOrder []string   `json:"param_order"` // the config's order
	Threshold  *float64   `json:"gradient_threshold,omitempty"`
	Curves     curves     `json:"curves"`
	Started    *time.Time `json:"started,omitempty"`
}

// curves are a trial's history as columns, NaN as null.
type curves struct {
	Iteration      []int      `json:"iteration"`
	TrainLoss      []*float64 `json:"train_loss"`
	ValidationLoss []*float64 `json:"validation_loss"`
	GradNorm       []*float64 `json:"grad_norm"`
}

func newCurves(h []results.Point) curves {
	h = stride(h, maxCurvePoints)
	c := curves{Iteration: make([]int, len(h)), TrainLoss: make([]*float64, len(h)),
		ValidationLoss: make([]*float64, len(h)), GradNorm: make([]*float64, len(h))}
	for i, p := range h {
		c.Iteration[i] = p.Iteration
		c.TrainLoss[i], c.ValidationLoss[i], c.GradNorm[i] = finite(p.TrainLoss), finite(p.ValidationLoss), finite(p.GradNorm)
	}
	return c
}

func (s *Server) apiTrial(w http.ResponseWriter, r *http.Request) {
	n, err := trialNumber(r)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	st, t, err := s.trial(r.Context(), r.PathValue("name"), n)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	doc := trialDoc{Study: st.Name, Metric: metricName(st), Trial: newTrialRow(st, t, 0), Running: t.Status == results.StatusRunning,
		Poll: int(s.opts.Poll.Milliseconds()), Seed: strconv.FormatUint(t.Seed, 10), Curves: newCurves(t.History),
		ParamOrder: make([]string, 0, len(t.Params))}
	for _, p := range t.Params {
		doc.ParamOrder = append(doc.ParamOrder, p.Name)
	}
	doc.CanStop = doc.Running && s.opts.Stopper != nil
	if !t.Started.IsZero() {
		doc.Started = &t.Started
	}
	if th := configNumber(st.Config, "gradient_threshold"); !math.IsNaN(th) && th > 0 {
		doc.Threshold = &th
	}
	writeJSON(w, http.StatusOK, doc)
}

// stopDoc answers a stop request.
type stopDoc struct {
	Requested bool   `json:"requested"`
	Message   string `json:"message"`
}

// apiStop asks a running trial to stop. Only with a Stopper; only from
// the dashboard's own page: the request must carry the X-Hpsearch header
// (which a page of another site cannot send without the server's consent)
// and, when the browser gives one, this server's own Origin.
func (s *Server) apiStop(w http.ResponseWriter, r *http.Request) {
	if s.opts.Stopper == nil {
		fail(w, r, http.StatusForbidden, "this dashboard is read-only: start hpsearch serve with --allow-stop to stop trials")
		return
	}
	if r.Header.Get("X-Hpsearch") != "stop" {
		fail(w, r, http.StatusForbidden, "a stop request must come from the dashboard's page (X-Hpsearch: stop)")
		return
	}
	if o := r.Header.Get("Origin"); o != "" && o != "http://"+r.Host && o != "https://"+r.Host {
		fail(w, r, http.StatusForbidden, "a stop request from another site ("+o+") is refused")
		return
	}
	n, err := trialNumber(r)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	name := r.PathValue("name")
	if err := s.opts.Stopper.RequestStop(r.Context(), name, n); err != nil {
		if errors.Is(err, results.ErrNotRunning) {
			fail(w, r, http.StatusConflict, err.Error())
			return
		}
		s.failErr(w, r, err)
		return
	}
	s.forgetTrial(name, n)
	s.opts.Log.Printf("serve: stop requested for trial %d of study %s by %s", n, name, r.RemoteAddr)
	writeJSON(w, http.StatusOK, stopDoc{Requested: true,
		Message: "Stop requested: the trial ends at its next iteration, keeping its value and weights (stop reason user)."})
}

// compareDoc lays studies side by side.
type compareDoc struct {
	Studies []compareStudy `json:"studies"`
	Params  []string       `json:"params"`
}

type compareStudy struct {
	studyRow
	Running int               `json:"running"`
	Params  map[string]string `json:"best_params"`
	Ranges  map[string]string `json:"last_ranges"`
	Best    xyDoc             `json:"best_so_far"`
}

// maxCompare bounds how many studies one comparison reads.
const maxCompare = 6

func (s *Server) apiCompare(w http.ResponseWriter, r *http.Request) {
	doc, err := s.compare(r.Context(), r.URL.Query()["study"])
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, doc)
}

func (s *Server) compare(ctx context.Context, names []string) (compareDoc, error) {
	if len(names) < 2 || len(names) > maxCompare {
		return compareDoc{}, badf("compare: give 2 to %d studies as ?study=A&study=B (got %d)", maxCompare, len(names))
	}
	doc := compareDoc{Params: []string{}}
	for _, name := range names {
		snap, err := s.cache.get(ctx, name)
		if err != nil {
			return compareDoc{}, err
		}
		cs := compareStudy{studyRow: newStudyRow(snap.summary), Running: snap.running,
			Params: map[string]string{}, Ranges: map[string]string{}, Best: snap.seriesOf().Best}
		if best, ok := results.Best(snap.trials, snap.study.Goal); ok {
			for _, p := range best.Params {
				cs.Params[p.Name] = results.FormatValue(p.Value)
			}
		}
		if n := len(snap.study.Rounds); n > 0 {
			for _, rg := range snap.study.Rounds[n-1].Ranges {
				cs.Ranges[rg.Name] = results.FormatRange(rg)
			}
		}
		for _, p := range snap.params {
			if !slices.Contains(doc.Params, p) {
				doc.Params = append(doc.Params, p)
			}
		}
		doc.Studies = append(doc.Studies, cs)
	}
	return doc, nil
}
