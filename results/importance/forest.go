package importance

import (
	"math"
	"math/rand/v2"
	"slices"
)

// forest is the regression problem: dimensions (each with a value per
// trial) and the centred metric y.
type forest struct {
	dims    []*dim
	y       []float64
	depth   int
	samples int // bootstrap sample size
}

// node is a tree node. A leaf has feature -1. A numeric split sends x <
// threshold left; a categorical one sends the categories in mask left.
type node struct {
	feature     int
	threshold   float64
	mask        uint64
	left, right int
	value       float64
}

type tree struct {
	nodes []node
}

// grower holds one tree's buffers, so growing allocates per tree, not per
// node. Samples are numbered by their position in the bootstrap sample;
// each numeric dimension's positions are sorted once per tree and then
// partitioned stably at each split, so no node sorts again (a split
// search is a pass, not a sort).
type grower struct {
	f     *forest
	nodes []node
	ys    []float64   // the target, by position
	xs    [][]float64 // per dimension, its value, by position
	// all holds the positions, each node's contiguous; ord[d] the same
	// positions sorted by dimension d's value (nil for a categorical one).
	all     []int32
	ord     [][]int32
	left    []bool // by position: whether the split being made sends it left
	scratch []int32
	// per category: sum and count of y, and the present categories sorted
	// by mean
	catSum, catN []float64
	cats         []int
	// Features are tried in a fresh random order at each node, so that a
	// tie (common near the leaves, where any feature may separate two
	// samples) goes to a random one, as in scikit-learn, not always to
	// the first parameter.
	rng  *rand.Rand
	perm []int
}

func (f *forest) grow(seed, stream uint64) tree {
	rng := rand.New(rand.NewPCG(seed, 0xfa_0000_0000+stream))
	n, m := len(f.y), f.samples
	g := &grower{f: f, ys: make([]float64, m), xs: make([][]float64, len(f.dims)),
		all: make([]int32, m), ord: make([][]int32, len(f.dims)), left: make([]bool, m), scratch: make([]int32, m),
		catSum: make([]float64, maxCategories), catN: make([]float64, maxCategories), cats: make([]int, 0, maxCategories),
		rng: rng, perm: make([]int, len(f.dims))}
	for i := range g.perm {
		g.perm[i] = i
	}
	for d := range f.dims {
		g.xs[d] = make([]float64, m)
	}
	for p := range m {
		t := rng.IntN(n)
		g.all[p] = int32(p)
		g.ys[p] = f.y[t]
		for d, dm := range f.dims {
			g.xs[d][p] = dm.x[t]
		}
	}
	for d, dm := range f.dims {
		if dm.cat {
			continue
		}
		x := g.xs[d]
		o := slices.Clone(g.all)
		// Ties by position: the order, and so every sum, is the same on
		// every run.
		slices.SortFunc(o, func(a, b int32) int {
			if c := cmpFloat(x[a], x[b]); c != 0 {
				return c
			}
			return int(a - b)
		})
		g.ord[d] = o
	}
	g.split(0, m, 0)
	return tree{nodes: g.nodes}
}

// split grows the node over positions [lo, hi) and returns its index.
func (g *grower) split(lo, hi, depth int) int {
	ys := g.ys
	id := len(g.nodes)
	sum := 0.0
	same := true
	first := ys[g.all[lo]]
	for _, p := range g.all[lo:hi] {
		sum += ys[p]
		if ys[p] != first {
			same = false
		}
	}
	n := float64(hi - lo)
	g.nodes = append(g.nodes, node{feature: -1, value: sum / n})
	if hi-lo < 2 || depth >= g.f.depth || same {
		return id
	}
	// Minimising the children's squared error is maximising
	// sumL²/nL + sumR²/nR; a split must beat the parent's sum²/n.
	best, bestFeature, bestThreshold, bestMask := sum*sum/n*(1+1e-12)+1e-300, -1, 0.0, uint64(0)
	g.rng.Shuffle(len(g.perm), func(a, b int) { g.perm[a], g.perm[b] = g.perm[b], g.perm[a] })
	for _, fi := range g.perm {
		if g.f.dims[fi].cat {
			if s, m, ok := g.bestCategorical(fi, lo, hi, sum); ok && s > best {
				best, bestFeature, bestMask = s, fi, m
			}
			continue
		}
		if s, t, ok := g.bestNumeric(fi, lo, hi, sum); ok && s > best {
			best, bestFeature, bestThreshold = s, fi, t
		}
	}
	if bestFeature < 0 {
		return id
	}
	x, cat := g.xs[bestFeature], g.f.dims[bestFeature].cat
	mid := lo
	for _, p := range g.all[lo:hi] {
		l := x[p] < bestThreshold
		if cat {
			l = bestMask&(1<<uint(x[p])) != 0
		}
		g.left[p] = l
		if l {
			mid++
		}
	}
	g.partition(g.all[lo:hi])
	for _, o := range g.ord {
		if o != nil {
			g.partition(o[lo:hi])
		}
	}
	l := g.split(lo, mid, depth+1)
	r := g.split(mid, hi, depth+1)
	g.nodes[id] = node{feature: bestFeature, threshold: bestThreshold, mask: bestMask, left: l, right: r, value: sum / n}
	return id
}

// partition moves the positions going left to the front of a, keeping
// each side's order (a sorted range stays sorted on both sides).
func (g *grower) partition(a []int32) {
	w, r := 0, 0
	for _, p := range a {
		if g.left[p] {
			a[w] = p
			w++
		} else {
			g.scratch[r] = p
			r++
		}
	}
	copy(a[w:], g.scratch[:r])
}

// bestNumeric finds the best threshold of dimension d over the node's
// positions [lo, hi), midway between two neighbouring distinct values.
func (g *grower) bestNumeric(d, lo, hi int, sum float64) (score, threshold float64, ok bool) {
	x, ys := g.xs[d], g.ys
	o := g.ord[d][lo:hi]
	n := float64(hi - lo)
	left := 0.0
	for k := 1; k < len(o); k++ {
		left += ys[o[k-1]]
		a, b := x[o[k-1]], x[o[k]]
		if a == b {
			continue
		}
		nl := float64(k)
		right := sum - left
		s := left*left/nl + right*right/(n-nl)
		if !ok || s > score {
			score, threshold, ok = s, a+(b-a)/2, true
		}
	}
	return score, threshold, ok
}

// bestCategorical orders the categories present by their mean and finds
// the best cut of that order (optimal for squared error, as in CART). The
// categories not present go right.
func (g *grower) bestCategorical(d, lo, hi int, sum float64) (score float64, mask uint64, ok bool) {
	x, ys := g.xs[d], g.ys
	k := len(g.f.dims[d].weights)
	clear(g.catSum[:k])
	clear(g.catN[:k])
	for _, p := range g.all[lo:hi] {
		c := int(x[p])
		g.catSum[c] += ys[p]
		g.catN[c]++
	}
	cats := g.cats[:0]
	for c := range k {
		if g.catN[c] > 0 {
			cats = append(cats, c)
		}
	}
	if len(cats) < 2 {
		return 0, 0, false
	}
	slices.SortFunc(cats, func(a, b int) int {
		if c := cmpFloat(g.catSum[a]/g.catN[a], g.catSum[b]/g.catN[b]); c != 0 {
			return c
		}
		return a - b
	})
	n := float64(hi - lo)
	left, nl := 0.0, 0.0
	var m uint64
	for j := 0; j < len(cats)-1; j++ {
		c := cats[j]
		left += g.catSum[c]
		nl += g.catN[c]
		m |= 1 << uint(c)
		right := sum - left
		s := left*left/nl + right*right/(n-nl)
		if !ok || s > score {
			score, mask, ok = s, m, true
		}
	}
	return score, mask, ok
}

// treeShares is one tree's decomposition: its total variance and each
// dimension's and pair's share of it.
type treeShares struct {
	total  float64
	single []float64
	pairs  []float64
}

// leaves is a tree's partition of the space: for leaf l and dimension d,
// the box [lo, hi) (numeric) or the category mask.
type leaves struct {
	value  []float64
	lo, hi []float64 // l*nd + d
	mask   []uint64
}

func (t tree) leaves(dims []*dim) leaves {
	nd := len(dims)
	var ls leaves
	lo := make([]float64, nd)
	hi := make([]float64, nd)
	mask := make([]uint64, nd)
	for d, dm := range dims {
		lo[d], hi[d] = math.Inf(-1), math.Inf(1)
		if dm.cat {
			mask[d] = 1<<uint(len(dm.weights)) - 1
		}
	}
	var walk func(id int)
	walk = func(id int) {
		nd := t.nodes[id]
		if nd.feature < 0 {
			ls.value = append(ls.value, nd.value)
			ls.lo = append(ls.lo, lo...)
			ls.hi = append(ls.hi, hi...)
			ls.mask = append(ls.mask, mask...)
			return
		}
		f := nd.feature
		if dims[f].cat {
			m := mask[f]
			mask[f] = m & nd.mask
			walk(nd.left)
			mask[f] = m &^ nd.mask
			walk(nd.right)
			mask[f] = m
			return
		}
		h := hi[f]
		hi[f] = math.Min(h, nd.threshold)
		walk(nd.left)
		hi[f] = h
		l := lo[f]
		lo[f] = math.Max(l, nd.threshold)
		walk(nd.right)
		lo[f] = l
	}
	walk(0)
	return ls
}
