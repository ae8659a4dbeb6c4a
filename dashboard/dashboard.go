// Package dashboard is the web UI of `hpsearch serve`: pages over a store
// (SQLite or PostgreSQL) that follow running sweeps live. It reads the
// store as the other read commands do, and writes to it only to ask a
// running trial to stop, when started with a Stopper.
//
// It imports results and results/report; search, trainer and results
// never import it. Its pages, scripts and the charting library are
// embedded in the binary: nothing is fetched from elsewhere.
package dashboard

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hpsearch/hpsearch/results"
)

// Stopper asks a running trial to stop at its next iteration (stop reason
// user), through the store, so the trial's process — here or on another
// machine — sees it. The stores implement it; see results' notes on live
// trials. The error wraps results.ErrNotRunning when the trial is not
// running.
type Stopper interface {
	RequestStop(ctx context.Context, study string, number int) error
}

// Options configure a Server. The zero value is a read-only dashboard
// with the defaults below.
type Options struct {
	// Stopper, when set, puts a Stop button on running trials' pages; nil
	// keeps the dashboard read-only.
	Stopper Stopper
	// Poll is how often pages ask whether something changed (2 s when 0).
	Poll time.Duration
	// MaxStudies is how many studies' snapshots are kept in memory (8 when
	// 0): memory stays bounded however many studies are looked at.
	MaxStudies int
	// Storage names the store in the page footer (a redacted URL).
	Storage string
	// AnyHost accepts requests whatever their Host header. Without it only
	// localhost, 127.0.0.1 and [::1] are served: a page on another site
	// cannot reach a loopback dashboard through DNS rebinding.
	AnyHost bool
	// Log receives one line per failed request (nil: log.Default()).
	Log *log.Logger
}

// Server is the dashboard's HTTP handler.
type Server struct {
	opts  Options
	cache *cache
	mux   *http.ServeMux

	trialMu sync.Mutex
	trials  map[trialKey]*liveTrial // recent trial reads, for live pages

	impMu  sync.Mutex
	imp    map[string]*importanceState
	impSem chan struct{}
}

// New returns a dashboard over store.
func New(store results.Store, opts Options) *Server {
	if opts.Poll <= 0 {
		opts.Poll = 2 * time.Second
	}
	if opts.MaxStudies <= 0 {
		opts.MaxStudies = 8
	}
	if opts.Log == nil {
		opts.Log = log.Default()
	}
	s := &Server{opts: opts, cache: newCache(store, opts.MaxStudies, opts.Poll/2), mux: http.NewServeMux(),
		trials: make(map[trialKey]*liveTrial), imp: make(map[string]*importanceState), impSem: make(chan struct{}, 1)}
	s.routes()
	return s
}

func (s *Server) routes() {
	s.mux.HandleFunc("GET /{$}", s.page("studies"))
	s.mux.HandleFunc("GET /study/{name}", s.studyPage)
	s.mux.HandleFunc("GET /study/{name}/trial/{number}", s.trialPage)
	s.mux.HandleFunc("GET /compare", s.comparePage)
	s.mux.HandleFunc("GET /api/studies", s.apiStudies)
	s.mux.HandleFunc("GET /api/study/{name}", s.apiStudy)
	s.mux.HandleFunc("GET /api/study/{name}/trials", s.apiTrials)
	s.mux.HandleFunc("GET /api/study/{name}/series", s.apiSeries)
	s.mux.HandleFunc("GET /api/study/{name}/plot/{kind}", s.apiPlot)
	s.mux.HandleFunc("GET /api/study/{name}/best.yaml", s.apiBestYAML)
	s.mux.HandleFunc("GET /api/study/{name}/importance", s.apiImportance)
	s.mux.HandleFunc("GET /api/study/{name}/trial/{number}", s.apiTrial)
	s.mux.HandleFunc("POST /api/study/{name}/trial/{number}/stop", s.apiStop)
	s.mux.HandleFunc("GET /api/compare", s.apiCompare)
	s.mux.Handle("GET /assets/", http.StripPrefix("/assets/", assetHandler()))
	s.mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
		fail(w, r, http.StatusNotFound, "no such page: "+r.URL.Path)
	})
}

// ServeHTTP answers one request. Paths that try to climb out of the UI
// (any ".." segment, raw or escaped) are refused before routing, and a
// Host header that is not this machine's, unless AnyHost.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if climbs(r.URL.Path) || climbs(r.URL.RawPath) {
		fail(w, r, http.StatusBadRequest, "bad path: "+r.URL.EscapedPath())
		return
	}
	if !s.opts.AnyHost && !loopbackHost(r.Host) {
		fail(w, r, http.StatusMisdirectedRequest, fmt.Sprintf("host %q: this dashboard answers only localhost (start it with a non-loopback --addr to serve other hosts)", r.Host))
		return
	}
	h := w.Header()
	// Nothing on a page may come from elsewhere, nor the page be framed.
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; connect-src 'self'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	s.mux.ServeHTTP(w, r)
}

// climbs reports whether a URL path has a ".." segment, also escaped.
func climbs(p string) bool {
	for _, seg := range strings.Split(strings.ReplaceAll(p, "\\", "/"), "/") {
		seg = strings.ToLower(seg)
		if seg == ".." || seg == "%2e%2e" || seg == ".%2e" || seg == "%2e." {
			return true
		}
		if strings.Contains(seg, "%2f") || strings.Contains(seg, "%5c") {
			if strings.Contains(seg, "..") || strings.Contains(seg, "%2e") {
				return true
			}
		}
	}
	return false
}

// loopbackHost reports whether a Host header names this machine.
func loopbackHost(host string) bool {
	h, _, err := net.SplitHostPort(host)
	if err != nil {
		h = host
	}
	h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// errorDoc is every API error's body.
type errorDoc struct {
	Error string `json:"error"`
}

// fail answers an error: JSON under /api/, a short page elsewhere.
func fail(w http.ResponseWriter, r *http.Request, code int, msg string) {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		writeJSON(w, code, errorDoc{Error: msg})
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	_ = pages.ExecuteTemplate(w, "error.html", errorPage{Code: code, Status: http.StatusText(code), Message: msg})
}

// failErr answers err: 404 for a study or trial that is not there, 400 for
// a bad request parameter, 500 (logged) otherwise.
func (s *Server) failErr(w http.ResponseWriter, r *http.Request, err error) {
	var bq *badQuery
	switch {
	case errors.As(err, &bq):
		fail(w, r, http.StatusBadRequest, bq.msg)
	case errors.Is(err, results.ErrNotFound):
		fail(w, r, http.StatusNotFound, err.Error())
	case errors.Is(err, context.Canceled):
		// The page went away; nobody reads an answer.
	default:
		s.opts.Log.Printf("serve %s: %v", r.URL.Path, err)
		fail(w, r, http.StatusInternalServerError, err.Error())
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		code, b = http.StatusInternalServerError, fmt.Appendf(nil, `{"error":%q}`, err.Error())
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_, _ = w.Write(b)
}

// trialNumber reads the {number} path segment.
func trialNumber(r *http.Request) (int, error) {
	s := r.PathValue("number")
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, badf("trial %q: want a trial number (0, 1, 2, …)", s)
	}
	return n, nil
}

// snapshot reads the {name} study (from the cache).
func (s *Server) snapshot(r *http.Request) (*snapshot, error) {
	name := r.PathValue("name")
	if name == "" || len(name) > 200 {
		return nil, badf("study %q: want a study name", name)
	}
	return s.cache.get(r.Context(), name)
}
