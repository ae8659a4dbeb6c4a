package importance

import (
	"math"
	"math/bits"
	"slices"
)

// grid is one dimension cut by every split a tree makes on it: the
// tree's prediction, and so every marginal, is constant on each cell.
// Numeric cells are (-inf, t0), [t0, t1), …, [t_last, inf); categorical
// cells are the categories.
type grid struct {
	thresholds []float64
	measure    []float64 // each cell's share of the dimension's measure
}

// span is the cells a leaf covers along one dimension: [s, e) for a
// numeric dimension, the mask's bits for a categorical one.
type span struct {
	s, e int
	mask uint64
}

// shares decomposes the tree's prediction over the space into the
// variance of each dimension's and each pair's marginal (Hutter et al.
// 2014, section 3): exact sums over the leaves' boxes.
func (t tree) shares(dims []*dim) treeShares {
	nd := len(dims)
	out := treeShares{single: make([]float64, nd), pairs: make([]float64, nd*(nd-1)/2)}
	dc := newDecomposition(t, dims)

	for l := range dc.nl {
		dc.f0 += dc.ls.value[l] * dc.other(l, -1, -1)
	}
	for l := range dc.nl {
		dv := dc.ls.value[l] - dc.f0
		out.total += dc.other(l, -1, -1) * dv * dv
	}
	if out.total <= 0 {
		return out
	}

	vs := make([]float64, nd)
	for i := range nd {
		vs[i] = dc.variance(i, -1)
		out.single[i] = vs[i] / out.total
	}
	for i := range nd {
		for j := i + 1; j < nd; j++ {
			// The pair's marginal less both main effects: the components
			// of a functional ANOVA are orthogonal, so variances subtract.
			v := dc.variance(i, j) - vs[i] - vs[j]
			out.pairs[pairIndex(i, j, nd)] = math.Max(v, 0) / out.total
		}
	}
	return out
}

// decomposition is one tree's leaves laid over the grids its splits cut,
// kept together because every marginal's variance reads all of it.
type decomposition struct {
	dims   []*dim
	nd, nl int
	ls     leaves
	grids  []grid
	meas   []float64 // each leaf's measure along each dimension, l*nd + d
	spans  []span    // each leaf's cells along each dimension, l*nd + d
	f0     float64   // the mean prediction over the space
	buf    []float64 // variance's table, reused from marginal to marginal
}

func newDecomposition(t tree, dims []*dim) *decomposition {
	nd := len(dims)
	ls := t.leaves(dims)
	nl := len(ls.value)
	dc := &decomposition{dims: dims, nd: nd, nl: nl, ls: ls, grids: t.grids(dims)}
	dc.meas = make([]float64, nl*nd)
	dc.spans = make([]span, nl*nd)
	for l := range nl {
		for d, dm := range dims {
			k := l*nd + d
			if dm.cat {
				dc.meas[k] = dm.maskMeasure(ls.mask[k])
				dc.spans[k] = span{mask: ls.mask[k]}
				continue
			}
			dc.meas[k] = dm.measure(ls.lo[k], ls.hi[k])
			dc.spans[k] = span{s: cell(dc.grids[d].thresholds, ls.lo[k]), e: cell(dc.grids[d].thresholds, ls.hi[k])}
		}
	}
	return dc
}

// grids cuts each numeric dimension at every threshold the tree splits
// it at (a categorical one's cells are its categories), so that the
// prediction is constant on each cell and the marginals are exact sums.
func (t tree) grids(dims []*dim) []grid {
	grids := make([]grid, len(dims))
	for d, dm := range dims {
		if dm.cat {
			grids[d].measure = dm.weights
			continue
		}
		var ts []float64
		for _, n := range t.nodes {
			if n.feature == d {
				ts = append(ts, n.threshold)
			}
		}
		slices.Sort(ts)
		ts = slices.Compact(ts)
		grids[d].thresholds = ts
		m := make([]float64, len(ts)+1)
		for c := range m {
			lo, hi := math.Inf(-1), math.Inf(1)
			if c > 0 {
				lo = ts[c-1]
			}
			if c < len(ts) {
				hi = ts[c]
			}
			m[c] = dm.measure(lo, hi)
		}
		grids[d].measure = m
	}
	return grids
}

// other is the leaf's measure along every dimension but skip1, skip2.
func (dc *decomposition) other(l, skip1, skip2 int) float64 {
	p := 1.0
	for d := range dc.nd {
		if d != skip1 && d != skip2 {
			p *= dc.meas[l*dc.nd+d]
		}
	}
	return p
}

// variance is the variance of the marginal over dimension i, or over the
// pair i, j (j < 0 for a single dimension).
func (dc *decomposition) variance(i, j int) float64 {
	a, w, cols := dc.marginalEdges(i, j)
	gi := dc.grids[i]
	rows := len(gi.measure)
	var gj grid
	if j >= 0 {
		gj = dc.grids[j]
	}
	// One pass: the prefix sums along the rows (a numeric i) in place,
	// along the columns (a numeric j) as a running sum, and the
	// variance of the marginal they give.
	rowSum, colSum := !dc.dims[i].cat, j >= 0 && !dc.dims[j].cat
	s := 0.0
	for r := range rows {
		row := a[r*w : r*w+cols]
		if rowSum && r > 0 {
			prev := a[(r-1)*w : (r-1)*w+cols]
			for c := range row {
				row[c] += prev[c]
			}
		}
		run, mr := 0.0, gi.measure[r]
		for c, v := range row {
			if colSum {
				run += v
				v = run
			}
			m := mr
			if j >= 0 {
				m *= gj.measure[c]
			}
			dv := v - dc.f0
			s += m * dv * dv
		}
	}
	return s
}

// marginalEdges lays each leaf's weighted value on the grid of i (by j)
// as differences at its box's edges rather than on every cell it covers,
// so the work is per leaf, not per leaf and cell; variance's prefix sums
// turn them back into the marginal. a is rows+1 by w = cols+1, reused.
func (dc *decomposition) marginalEdges(i, j int) (a []float64, w, cols int) {
	rows := len(dc.grids[i].measure)
	cols = 1
	if j >= 0 {
		cols = len(dc.grids[j].measure)
	}
	w = cols + 1
	size := (rows + 1) * w
	if cap(dc.buf) < size {
		dc.buf = make([]float64, size)
	}
	a = dc.buf[:size]
	clear(a)
	nd := dc.nd
	for l := range dc.nl {
		v := dc.ls.value[l] * dc.other(l, i, j)
		addCols := func(r int, sign float64) {
			if j < 0 {
				a[r*w] += sign * v
				return
			}
			sp := dc.spans[l*nd+j]
			if dc.dims[j].cat {
				for m := sp.mask; m != 0; m &= m - 1 {
					a[r*w+bits.TrailingZeros64(m)] += sign * v
				}
				return
			}
			a[r*w+sp.s] += sign * v
			a[r*w+sp.e] -= sign * v
		}
		sp := dc.spans[l*nd+i]
		if dc.dims[i].cat {
			for m := sp.mask; m != 0; m &= m - 1 {
				addCols(bits.TrailingZeros64(m), 1)
			}
			continue
		}
		addCols(sp.s, 1)
		addCols(sp.e, -1)
	}
	return a, w, cols
}

// cell is the index of the grid cell starting at x, which is also one
// past the cell ending at x; x is ±inf or a threshold.
func cell(ts []float64, x float64) int {
	switch {
	case math.IsInf(x, -1):
		return 0
	case math.IsInf(x, 1):
		return len(ts) + 1
	}
	k, _ := slices.BinarySearch(ts, x)
	return k + 1
}
