package dashboard

import (
	"context"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/results/sqlite"
)

// bench100k is a 100,000-trial study (four rounds, 10-point histories,
// some diverged, failed, pruned) in a SQLite store. Storing it takes a
// while (one commit per trial, as a sweep stores them); it is built once
// per benchmark.
func bench100k(b *testing.B) (*sqlite.Store, synth) {
	b.Helper()
	sy := synth{name: "big", trials: 100_000, rounds: 4, history: 10, seed: 100}
	store, err := sqlite.Open(filepath.Join(b.TempDir(), "hpsearch.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	sy.put(b, store)
	return store, sy
}

// firstScreen are the requests a study page makes when it opens: the page,
// its summary, the first page of the ranked trials and the plot data.
var firstScreen = []string{"/study/big", "/api/study/big", "/api/study/big/trials", "/api/study/big/series"}

func fetch(b *testing.B, srv *httptest.Server, path string) int {
	resp, err := http.Get(srv.URL + path)
	if err != nil {
		b.Fatal(err)
	}
	n, _ := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("GET %s: %d", path, resp.StatusCode)
	}
	return int(n)
}

// BenchmarkStudyPage100k measures the dashboard on a 100,000-trial SQLite
// study:
//
//   - store-read: the store's read of the study alone (results.Store.Study),
//     which cold includes;
//   - cold: a server that has read nothing yet opens the study page (the
//     four requests of its first screen; the store read and the ranking
//     are most of it), with the bytes it sends;
//   - poll: what each open page costs the server every few seconds once
//     the study is read (its summary, answered from the snapshot);
//   - sort-param: the table sorted by a parameter (a new order over the
//     100,000 trials);
//   - plot-*: each drawn plot, rendered once per change of the study;
//   - steady: the heap after 20 reads of a study that grows by a trial
//     between reads, against the heap after the first (heap-MB, heap-after-20-MB):
//     a server left open all night keeps one snapshot per study.
func BenchmarkStudyPage100k(b *testing.B) {
	store, _ := bench100k(b)
	quiet := Options{Log: testLoggerB(b)}

	b.Run("store-read", func(b *testing.B) {
		start := cpuTime()
		for b.Loop() {
			if _, _, err := store.Study(context.Background(), "big"); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64((cpuTime()-start).Milliseconds())/float64(b.N), "cpu-ms/op")
	})
	b.Run("cold", func(b *testing.B) {
		var sent int
		start := cpuTime()
		for b.Loop() {
			srv := httptest.NewServer(New(store, quiet))
			sent = 0
			for _, p := range firstScreen {
				sent += fetch(b, srv, p)
			}
			srv.Close()
		}
		b.ReportMetric(float64(sent)/1024, "KB-sent")
		b.ReportMetric(float64((cpuTime()-start).Milliseconds())/float64(b.N), "cpu-ms/op")
	})

	srv := httptest.NewServer(New(store, Options{Log: testLoggerB(b), Poll: time.Hour}))
	defer srv.Close()
	for _, p := range firstScreen {
		fetch(b, srv, p)
	}
	b.Run("poll", func(b *testing.B) {
		for b.Loop() {
			fetch(b, srv, "/api/study/big")
		}
	})
	b.Run("sort-param", func(b *testing.B) {
		s := New(store, Options{Log: testLoggerB(b), Poll: time.Hour})
		snap, err := s.cache.get(context.Background(), "big")
		if err != nil {
			b.Fatal(err)
		}
		q := tableQuery{sort: sortKey{column: "param:learning_rate"}, limit: defaultLimit}
		for b.Loop() {
			snap.orders = nil
			snap.table(q, snap.params)
		}
	})
	for _, kind := range plotKinds {
		b.Run("plot-"+kind, func(b *testing.B) {
			s := New(store, Options{Log: testLoggerB(b), Poll: time.Hour})
			snap, err := s.cache.get(context.Background(), "big")
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				snap.plots = nil
				if d := snap.plot(kind); d.SVG == "" {
					b.Fatalf("%s: %s", kind, d.Missing)
				}
			}
		})
	}
	b.Run("steady", func(b *testing.B) {
		for b.Loop() {
			s := New(store, Options{Log: testLoggerB(b), Poll: time.Nanosecond})
			ctx := context.Background()
			st, trials, err := store.Study(ctx, "big")
			if err != nil {
				b.Fatal(err)
			}
			next := trials[len(trials)-1]
			next.History = nil
			trials = nil // only the server's snapshot is measured
			var first, last float64
			for i := range 21 {
				if i > 0 {
					next.Number = max(st.Total, next.Number+1) // a new trial each time: the study moved
					if err := store.PutTrial(ctx, next); err != nil {
						b.Fatal(err)
					}
				}
				if _, err := s.cache.get(ctx, "big"); err != nil {
					b.Fatal(err)
				}
				if i == 0 || i == 20 {
					heap := heapMB()
					if i == 0 {
						first = heap
					} else {
						last = heap
					}
				}
			}
			b.ReportMetric(first, "heap-MB")
			b.ReportMetric(last, "heap-after-20-MB")
			runtime.KeepAlive(s)
		}
	})
}

// heapMB is the live heap after a collection.
func heapMB() float64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.HeapAlloc) / (1 << 20)
}

func testLoggerB(b *testing.B) *log.Logger { return log.New(io.Discard, "", 0) }

// BenchmarkSnapshot100k is the dashboard's own share of a cold study page
// of 100,000 trials, the store read left out: building the snapshot
// (ranking) and answering the first screen's summary, table and plot data.
func BenchmarkSnapshot100k(b *testing.B) {
	st, trials := synth{name: "big", trials: 100_000, rounds: 4, history: 10, seed: 100}.study()
	s := New(results.NewMemoryStore(), Options{Log: testLoggerB(b)})
	work := make([]results.Trial, len(trials))
	for b.Loop() {
		copy(work, trials)
		snap := newSnapshot(st, work, 0)
		s.studyDoc(snap)
		snap.table(tableQuery{sort: sortKey{column: "rank"}, limit: defaultLimit}, snap.params)
		snap.seriesOf()
	}
}
