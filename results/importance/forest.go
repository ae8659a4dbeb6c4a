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
// node.
// xy is one sample's value of a feature and its target.
type xy struct{ x, y float64 }

type grower struct {
	f     *forest
	nodes []node
	idx   []int // the bootstrap sample, partitioned in place node by node
	order []xy  // a node's samples, (feature, y), sorted by the feature
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
	n := len(f.y)
	g := &grower{f: f, idx: make([]int, f.samples), order: make([]xy, f.samples),
		catSum: make([]float64, maxCategories), catN: make([]float64, maxCategories), cats: make([]int, 0, maxCategories),
		rng: rng, perm: make([]int, len(f.dims))}
	for i := range g.perm {
		g.perm[i] = i
	}
	for i := range g.idx {
		g.idx[i] = rng.IntN(n)
	}
	g.split(0, len(g.idx), 0)
	return tree{nodes: g.nodes}
}

// split grows the node over idx[lo:hi] and returns its index.
func (g *grower) split(lo, hi, depth int) int {
	y := g.f.y
	id := len(g.nodes)
	sum := 0.0
	same := true
	for _, i := range g.idx[lo:hi] {
		sum += y[i]
		if y[i] != y[g.idx[lo]] {
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
		d := g.f.dims[fi]
		if d.cat {
			if s, m, ok := g.bestCategorical(d, lo, hi, sum); ok && s > best {
				best, bestFeature, bestMask = s, fi, m
			}
			continue
		}
		if s, t, ok := g.bestNumeric(d, lo, hi, sum); ok && s > best {
			best, bestFeature, bestThreshold = s, fi, t
		}
	}
	if bestFeature < 0 {
		return id
	}
	d := g.f.dims[bestFeature]
	// Partition idx[lo:hi]: left first.
	mid := lo
	for k := lo; k < hi; k++ {
		i := g.idx[k]
		if goesLeft(d, i, bestThreshold, bestMask) {
			g.idx[k], g.idx[mid] = g.idx[mid], g.idx[k]
			mid++
		}
	}
	l := g.split(lo, mid, depth+1)
	r := g.split(mid, hi, depth+1)
	g.nodes[id] = node{feature: bestFeature, threshold: bestThreshold, mask: bestMask, left: l, right: r, value: sum / n}
	return id
}

func goesLeft(d *dim, i int, threshold float64, mask uint64) bool {
	if d.cat {
		return mask&(1<<uint(d.x[i])) != 0
	}
	return d.x[i] < threshold
}

// bestNumeric finds the best threshold of d over idx[lo:hi], midway
// between two neighbouring distinct values.
func (g *grower) bestNumeric(d *dim, lo, hi int, sum float64) (score, threshold float64, ok bool) {
	y := g.f.y
	o := g.order[:hi-lo]
	for k, i := range g.idx[lo:hi] {
		o[k] = xy{d.x[i], y[i]}
	}
	// The pairs themselves are sorted, not indices into d.x and y: the
	// comparisons then read memory in order.
	slices.SortFunc(o, func(a, b xy) int { return cmpFloat(a.x, b.x) })
	n := float64(hi - lo)
	left := 0.0
	for k := 1; k < len(o); k++ {
		left += o[k-1].y
		a, b := o[k-1].x, o[k].x
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
func (g *grower) bestCategorical(d *dim, lo, hi int, sum float64) (score float64, mask uint64, ok bool) {
	y := g.f.y
	k := len(d.weights)
	clear(g.catSum[:k])
	clear(g.catN[:k])
	for _, i := range g.idx[lo:hi] {
		c := int(d.x[i])
		g.catSum[c] += y[i]
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
