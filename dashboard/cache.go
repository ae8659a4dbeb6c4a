package dashboard

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/hpsearch/hpsearch/results"
)

// A page polls every few seconds, and a 100,000-trial study takes about
// half a second to read and rank. So each study is read into a snapshot
// that every request of every open page shares, and read again only when
// something changed and no sooner than a few times its own read time:
// a dashboard left open all night costs a small, bounded share of a core
// however many tabs watch, and its memory is the few snapshots it keeps.

// snapshot is one read of a study: its trials without their histories
// (a trial page reads its own), ranked once, and what the pages derive
// from them, computed on first use and kept until the next read.
type snapshot struct {
	study   results.Study
	trials  []results.Trial // by number, History dropped
	byRank  []int32         // indices into trials in results.Rank order
	rankOf  []int32         // each trial's position in byRank
	pruning []results.Trial // with History: what the early-stopping plot draws
	summary results.Summary
	params  []string // parameter names, in the config's order
	running int
	version string
	read    time.Time     // when the store was read
	checked time.Time     // when the store's summary last said nothing changed
	cost    time.Duration // how long the read took

	mu     sync.Mutex
	orders map[string][]int32 // trial indices sorted by a column
	plots  map[string]plotDoc
	series *seriesDoc
	doc    *studyDoc
}

// Limits of a snapshot's derived data.
const (
	maxOrders        = 8    // sorted orders kept per snapshot
	maxPrunedHistory = 1200 // histories kept for the early-stopping plot
)

// newSnapshot builds a snapshot from a full read of a study.
func newSnapshot(st results.Study, trials []results.Trial, cost time.Duration) *snapshot {
	s := &snapshot{study: st, read: time.Now(), cost: cost}
	s.summary = results.Summarize(st, trials)
	ranked := results.Rank(trials, st.Goal)
	// The early-stopping plot draws pruned curves against kept ones; it
	// samples beyond a few hundred of each, so those are all it needs.
	var pruned, kept int
	for _, t := range ranked {
		if len(t.History) == 0 {
			continue
		}
		switch {
		case t.Status == results.StatusPruned && pruned < maxPrunedHistory:
			pruned++
			s.pruning = append(s.pruning, t)
		case t.Status == results.StatusOK && kept < maxPrunedHistory:
			kept++
			s.pruning = append(s.pruning, t)
		}
	}
	if pruned == 0 {
		s.pruning = nil
	}
	for i := range trials {
		trials[i].History = nil
		if trials[i].Status == results.StatusRunning {
			s.running++
		}
	}
	s.trials = trials
	// The rank order is kept as indices: a second copy of 100,000 trials
	// would double the snapshot.
	s.byRank, s.rankOf = make([]int32, len(ranked)), make([]int32, len(trials))
	for r, t := range ranked {
		i, _ := s.index(t.Number)
		s.byRank[r], s.rankOf[i] = int32(i), int32(r)
	}
	s.params = results.ParamNames(trials)
	s.version = fingerprint(s.summary, len(trials), s.running)
	return s
}

// fingerprint changes whenever what a page shows of a study changes: its
// status, its counts or its best. Pages poll it and fetch the rest only
// when it moved.
func fingerprint(sum results.Summary, trials, running int) string {
	best := "none"
	if !math.IsNaN(sum.Best) {
		best = strconv.FormatFloat(sum.Best, 'g', -1, 64)
	}
	return fmt.Sprintf("%s-%d-%d-%d-%d-%d-%s-%d", sum.Study.Status, trials, running, sum.Done, sum.OK, sum.Study.Total, best, len(sum.Study.Rounds))
}

// cache keeps the snapshots of the studies pages look at, at most max of
// them, the least recently used dropped first.
type cache struct {
	store   results.Store
	max     int
	minWait time.Duration // the least time between two reads of a study

	mu      sync.Mutex
	entries map[string]*entry
	clock   int64 // use counter for least-recently-used eviction

	sumMu   sync.Mutex
	sums    []results.Summary
	sumRead time.Time
	sumCost time.Duration
}

// entry serialises reads of one study: concurrent requests wait for the
// one read in flight instead of each starting their own.
type entry struct {
	mu   sync.Mutex
	snap *snapshot
	used int64
}

func newCache(store results.Store, max int, minWait time.Duration) *cache {
	return &cache{store: store, max: max, minWait: minWait, entries: make(map[string]*entry)}
}

// wait is how long a snapshot that cost cost to read is kept before the
// store is asked again: a few times its cost, so that reading takes at
// most a fifth of a core while a page watches.
func (c *cache) wait(cost time.Duration) time.Duration {
	return max(c.minWait, 5*cost)
}

// summaries lists every study, aggregated by the store, read again at most
// once per wait.
func (c *cache) summaries(ctx context.Context) ([]results.Summary, error) {
	c.sumMu.Lock()
	defer c.sumMu.Unlock()
	if c.sums != nil && time.Since(c.sumRead) < c.wait(c.sumCost) {
		return c.sums, nil
	}
	start := time.Now()
	sums, err := results.Summaries(ctx, c.store)
	if err != nil {
		return nil, err
	}
	if sums == nil {
		sums = []results.Summary{}
	}
	c.sums, c.sumRead, c.sumCost = sums, time.Now(), time.Since(start)
	return sums, nil
}

// get returns a snapshot of study name no older than the cache's wait
// allows. A study whose summary has not changed is not read again: a
// study that ended never, a running one after ten waits.
func (c *cache) get(ctx context.Context, name string) (*snapshot, error) {
	e := c.entry(name)
	e.mu.Lock()
	defer e.mu.Unlock()
	if s := e.snap; s != nil {
		wait := c.wait(s.cost)
		if time.Since(s.read) < wait || time.Since(s.checked) < wait {
			return s, nil
		}
		// The store's aggregate summary (counts, best, status) is far
		// cheaper than a read. A running study is read again all the same
		// now and then: a trial that started changes no count.
		fresh := s.study.Status != results.StudyRunning || time.Since(s.read) < 10*wait
		if fresh && c.unchanged(ctx, s) {
			s.checked = time.Now()
			return s, nil
		}
	}
	start := time.Now()
	st, trials, err := c.store.Study(ctx, name)
	if err != nil {
		c.drop(name, e)
		return nil, err
	}
	e.snap = newSnapshot(st, trials, time.Since(start))
	c.evict()
	return e.snap, nil
}

// unchanged reports whether the store's summary of s's study still matches
// s: the same status, counts and best.
func (c *cache) unchanged(ctx context.Context, s *snapshot) bool {
	sums, err := c.summaries(ctx)
	if err != nil {
		return false
	}
	for _, sum := range sums {
		if sum.Study.Name == s.study.Name {
			return sum.Study.Status == s.study.Status && sum.Done == s.summary.Done &&
				sum.OK == s.summary.OK && sum.BestTrial == s.summary.BestTrial &&
				len(sum.Study.Rounds) == len(s.study.Rounds)
		}
	}
	return false
}

// entry returns name's entry, creating it.
func (c *cache) entry(name string) *entry {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.clock++
	e, ok := c.entries[name]
	if !ok {
		e = &entry{}
		c.entries[name] = e
	}
	e.used = c.clock
	return e
}

// evict drops the least recently used entries beyond the cache's size.
// Called after a study was read, so a name that is not a study never
// pushes a real one out.
func (c *cache) evict() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.entries) > c.max {
		oldest, at := "", int64(math.MaxInt64)
		for n, x := range c.entries {
			if x.used < at {
				oldest, at = n, x.used
			}
		}
		delete(c.entries, oldest)
	}
}

// drop forgets e if it is still name's entry: a study that could not be
// read (deleted, or never there) keeps no memory.
func (c *cache) drop(name string, e *entry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries[name] == e {
		delete(c.entries, name)
	}
}

// cached is how many studies the cache holds (for tests of its bound).
func (c *cache) cached() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

// order returns the indices of s.trials sorted by key (a column name; see
// sortKey), computed once per snapshot and key.
func (s *snapshot) order(key sortKey) []int32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if o, ok := s.orders[key.String()]; ok {
		return o
	}
	o := key.sort(s)
	if s.orders == nil || len(s.orders) >= maxOrders {
		s.orders = make(map[string][]int32)
	}
	s.orders[key.String()] = o
	return o
}

// index maps a trial number to its index in s.trials (ordered by
// number, and usually numbered from 0 without gaps).
func (s *snapshot) index(number int) (int, bool) {
	if number >= 0 && number < len(s.trials) && s.trials[number].Number == number {
		return number, true
	}
	return slices.BinarySearchFunc(s.trials, number, func(t results.Trial, n int) int { return t.Number - n })
}
