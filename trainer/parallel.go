package trainer

import (
	"runtime"
	"sync"
	"sync/atomic"

	"golang.org/x/sync/semaphore"
)

// The process's cores as tokens. A trial that computes holds one (the
// search runner takes it with HoldCore), and a full-batch step borrows the
// free ones for the length of the step, so a lone trial (eval, the last
// trials of a round, --parallel 1) uses every core while a full set of
// trials gets no helpers and no core is oversubscribed.
var (
	cores = semaphore.NewWeighted(int64(runtime.GOMAXPROCS(0)))
	// maxHelpers is the most cores one step borrows: the others.
	maxHelpers = runtime.GOMAXPROCS(0) - 1
)

// HoldCore marks one core busy until release is called; release may be
// called more than once. When every core is held already the caller runs
// anyway (the user asked for more trials than cores) and holds nothing.
func HoldCore() (release func()) {
	if !cores.TryAcquire(1) {
		return func() {}
	}
	var once sync.Once
	return func() { once.Do(func() { cores.Release(1) }) }
}

// helperPool is the goroutines that run borrowed cores' share of a step.
// They are started on first use and live as long as the process, idle on
// a channel receive, so that lending a core costs no allocation per step.
var helperPool struct {
	mu      sync.Mutex
	started int
	jobs    chan *parallelChunks
}

// ensureHelpers starts helper goroutines until there are n.
func ensureHelpers(n int) {
	helperPool.mu.Lock()
	defer helperPool.mu.Unlock()
	if helperPool.jobs == nil {
		helperPool.jobs = make(chan *parallelChunks, max(n, 1))
	}
	for ; helperPool.started < n; helperPool.started++ {
		go func() {
			for p := range helperPool.jobs {
				p.work()
				p.wg.Done()
			}
		}()
	}
}

// parallelChunks runs do(c) for every chunk c of a step on the calling
// goroutine and on whatever cores are free. Which goroutine computes a
// chunk varies; what it computes does not, since each chunk writes only its
// own slot and the caller adds the slots in chunk order.
type parallelChunks struct {
	do   func(c int)
	n    int64
	next atomic.Int64
	wg   sync.WaitGroup
}

// run computes chunks 0..n−1 and returns when all are done.
func (p *parallelChunks) run(n int) {
	p.n = int64(n)
	p.next.Store(0)
	lent := 0
	if want := min(n-1, maxHelpers); want > 0 {
		ensureHelpers(maxHelpers)
		for lent < want && cores.TryAcquire(1) {
			p.wg.Add(1)
			lent++
			helperPool.jobs <- p
		}
	}
	p.work()
	p.wg.Wait()
	if lent > 0 {
		cores.Release(int64(lent))
	}
}

// work takes the next chunk until none is left.
func (p *parallelChunks) work() {
	for {
		c := p.next.Add(1) - 1
		if c >= p.n {
			return
		}
		p.do(int(c))
	}
}
