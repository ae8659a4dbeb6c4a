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
	ls := t.leaves(dims)
	nl := len(ls.value)

	grids := make([]grid, nd)
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

	// Each leaf's measure along each dimension, and its cells.
	meas := make([]float64, nl*nd)
	spans := make([]span, nl*nd)
	for l := range nl {
		for d, dm := range dims {
			k := l*nd + d
			if dm.cat {
				meas[k] = dm.maskMeasure(ls.mask[k])
				spans[k] = span{mask: ls.mask[k]}
				continue
			}
			meas[k] = dm.measure(ls.lo[k], ls.hi[k])
			spans[k] = span{s: cell(grids[d].thresholds, ls.lo[k]), e: cell(grids[d].thresholds, ls.hi[k])}
		}
	}
	// other is the leaf's measure along every dimension but skip1, skip2.
	other := func(l, skip1, skip2 int) float64 {
		p := 1.0
		for d := range nd {
			if d != skip1 && d != skip2 {
				p *= meas[l*nd+d]
			}
		}
		return p
	}

	f0 := 0.0
	for l := range nl {
		f0 += ls.value[l] * other(l, -1, -1)
	}
	for l := range nl {
		dv := ls.value[l] - f0
		out.total += other(l, -1, -1) * dv * dv
	}
	if out.total <= 0 {
		return out
	}

	var buf []float64
	variance := func(i, j int) float64 {
		gi := grids[i]
		rows := len(gi.measure)
		cols := 1
		var gj grid
		if j >= 0 {
			gj = grids[j]
			cols = len(gj.measure)
		}
		w := cols + 1
		size := (rows + 1) * w
		if cap(buf) < size {
			buf = make([]float64, size)
		}
		a := buf[:size]
		clear(a)
		for l := range nl {
			v := ls.value[l] * other(l, i, j)
			addCols := func(r int, sign float64) {
				if j < 0 {
					a[r*w] += sign * v
					return
				}
				sp := spans[l*nd+j]
				if dims[j].cat {
					for m := sp.mask; m != 0; m &= m - 1 {
						a[r*w+bits.TrailingZeros64(m)] += sign * v
					}
					return
				}
				a[r*w+sp.s] += sign * v
				a[r*w+sp.e] -= sign * v
			}
			sp := spans[l*nd+i]
			if dims[i].cat {
				for m := sp.mask; m != 0; m &= m - 1 {
					addCols(bits.TrailingZeros64(m), 1)
				}
				continue
			}
			addCols(sp.s, 1)
			addCols(sp.e, -1)
		}
		// One pass: the prefix sums along the rows (a numeric i) in place,
		// along the columns (a numeric j) as a running sum, and the
		// variance of the marginal they give.
		rowSum, colSum := !dims[i].cat, j >= 0 && !dims[j].cat
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
				dv := v - f0
				s += m * dv * dv
			}
		}
		return s
	}

	vs := make([]float64, nd)
	for i := range nd {
		vs[i] = variance(i, -1)
		out.single[i] = vs[i] / out.total
	}
	for i := range nd {
		for j := i + 1; j < nd; j++ {
			// The pair's marginal less both main effects: the components
			// of a functional ANOVA are orthogonal, so variances subtract.
			v := variance(i, j) - vs[i] - vs[j]
			out.pairs[pairIndex(i, j, nd)] = math.Max(v, 0) / out.total
		}
	}
	return out
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
