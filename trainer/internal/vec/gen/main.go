// Command gen writes the vector kernels of package vec (vec_amd64.s and
// its Go declarations) with avo. It is its own module, so that building
// hpsearch needs nothing from it; run it with go generate in package vec.
package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	"github.com/mmcloughlin/avo/gotypes"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// isa is one instruction set's vector shape: lanes of float64 per
// register, and how many registers AddRowsT keeps as accumulators.
type isa struct {
	name  string
	lanes int
	tile  int
}

var (
	avx2   = isa{name: "AVX2", lanes: 4, tile: 8}
	avx512 = isa{name: "AVX512", lanes: 8, tile: 8}
)

func (s isa) vec() reg.VecVirtual {
	if s.lanes == 8 {
		return ZMM()
	}
	return YMM()
}

// zero clears v; 512-bit VXORPD needs AVX512DQ, VPXORQ only AVX512F.
func (s isa) zero(v reg.VecVirtual) {
	if s.lanes == 8 {
		VPXORQ(v, v, v)
	} else {
		VXORPD(v, v, v)
	}
}

// hsum adds v's lanes into the low lane of an XMM register, always in the
// same order (halves, then quarters, then the last pair), so a row's dot
// product is the same bits every run.
//
// AVX-512 adds at full width (AVX512F alone, whose EVEX encodings reach
// registers 16 to 31, where the 128-bit VEX forms of the AVX2 path do
// not): the same sums of the same lanes, so the same bits.
func (s isa) hsum(v reg.VecVirtual) reg.VecVirtual {
	if s.lanes == 8 {
		t := ZMM()
		VSHUFF64X2(U8(0x4e), v, v, t) // lanes 4–7 under 0–3
		u := ZMM()
		VADDPD(t, v, u)
		t2 := ZMM()
		VSHUFF64X2(U8(1), u, u, t2) // lanes 2–3 under 0–1
		u2 := ZMM()
		VADDPD(t2, u, u2)
		t3 := ZMM()
		VUNPCKHPD(u2, u2, t3) // lane 1 under 0
		x := XMM()
		VADDSD(t3.AsX(), u2.AsX(), x)
		return x
	}
	y := v
	x := XMM()
	VEXTRACTF128(U8(1), y, x)
	VADDPD(x, y.AsX(), x)
	t := XMM()
	VUNPCKHPD(x, x, t)
	VADDSD(t, x, x)
	return x
}

// transposeSum is hsum of eight 8-lane accumulators at once, one row's
// sum per lane of the result (row k's in lane k): each row's lanes are
// added in hsum's tree, lane i with lane i+4, then those with the pair two
// apart, then the last two, so each row's sum is the bits its own hsum
// gives (addition is commutative in IEEE 754, bit for bit).
func transposeSum(acc []reg.VecVirtual) reg.VecVirtual {
	// halves adds a's lanes i and i+4 into lanes 0–3 and b's into 4–7.
	halves := func(a, b reg.VecVirtual) reg.VecVirtual {
		lo, hi, sum := ZMM(), ZMM(), ZMM()
		VSHUFF64X2(U8(0x44), b, a, lo) // a's and b's low halves
		VSHUFF64X2(U8(0xee), b, a, hi) // their high halves
		VADDPD(hi, lo, sum)
		return sum
	}
	// quarters adds each row's lanes i and i+2 of two halves' results: a
	// row's two sums end side by side, rows of a then rows of b.
	quarters := func(a, b reg.VecVirtual) reg.VecVirtual {
		even, odd, sum := ZMM(), ZMM(), ZMM()
		VSHUFF64X2(U8(0x88), b, a, even)
		VSHUFF64X2(U8(0xdd), b, a, odd)
		VADDPD(odd, even, sum)
		return sum
	}
	// Rows 0, 2, 4, 6 in one register and 1, 3, 5, 7 in the other, so
	// that the last step's interleaving puts row k in lane k.
	evens := quarters(halves(acc[0], acc[2]), halves(acc[4], acc[6]))
	odds := quarters(halves(acc[1], acc[3]), halves(acc[5], acc[7]))
	lo, hi, sum := ZMM(), ZMM(), ZMM()
	VUNPCKLPD(odds, evens, lo)
	VUNPCKHPD(odds, evens, hi)
	VADDPD(hi, lo, sum)
	return sum
}

func elem(base, index reg.Register) Mem { return Mem{Base: base, Index: index, Scale: 8} }

// dotRows: out[k] = w·(row k of a), rows of len(w), eight rows at a time
// so that eight independent chains of FMAs are in flight.
func dotRows(s isa) {
	TEXT("dotRows"+s.name, NOSPLIT, "func(out, w, a, ahead []float64)")
	Doc(fmt.Sprintf("dotRows%s sets out[k] to w·(row k of a) for every k; a holds len(out) rows of len(w). It asks for ahead's lines, one per inner loop, the rest at the end.", s.name))
	pf := aheadRegs(Param("ahead"), false)
	n := Load(Param("out").Len(), GP64())
	m := Load(Param("w").Len(), GP64())
	dotRowsBody(s, s.name, Load(Param("out").Base(), GP64()), n, Load(Param("w").Base(), GP64()), m, Load(Param("a").Base(), GP64()), pf)
	pf.rest("dotRows" + s.name)
	VZEROUPPER()
	RET()
}

// dotRowsBody is dotRows' code, its labels ending in tag: n rows of m
// columns from a into out, asking for pf's lines on the way.
func dotRowsBody(s isa, tag string, out, n, w, m, a reg.Register, pf ahead) {
	d := dotRegs{tag: tag, pf: pf, outp: out, n: n, wp: w, m: m, r0: a}
	d.stride = GP64()
	MOVQ(d.m, d.stride)
	SHLQ(U8(3), d.stride)
	d.mv = GP64() // columns covered by whole vectors
	MOVQ(d.m, d.mv)
	ANDQ(I32(-s.lanes), d.mv)
	d.j = GP64()
	d.r1, d.r2, d.r3 = GP64(), GP64(), GP64()

	dotRows8(s, d)
	dotRows4(s, d)
	dotRows1(s, d)
	Label("done" + tag)
}

// dotRegs are dotRows' registers: its arguments, the row stride in bytes,
// the columns covered by whole vectors, the column index and the four
// rows' pointers.
type dotRegs struct {
	outp, n, wp, m, r0 reg.Register
	stride, mv, j      reg.Register
	r1, r2, r3         reg.Register
	pf                 ahead
	tag                string // the end of its labels
}

// ahead is the lines a kernel asks for while it computes: the next, and
// the end of the slice (the first line's start rounded down, so that
// every line the slice touches is asked for once).
type ahead struct{ next, end reg.Register }

// aheadRegs sets up the lines of slice parameter p to ask for, or of its
// first half only (half), where a kernel asks for the second half in a
// later part by moving end.
func aheadRegs(p gotypes.Component, half bool) ahead {
	a := ahead{next: Load(p.Base(), GP64()), end: GP64()}
	n := Load(p.Len(), GP64())
	if half {
		SHRQ(U8(1), n)
	}
	LEAQ(Mem{Base: a.next, Index: n, Scale: 8}, a.end)
	ANDQ(I32(-64), a.next)
	return a
}

// one asks for the next line, if any is left (label names the place).
func (a ahead) one(label string) {
	CMPQ(a.next, a.end)
	JAE(LabelRef(label))
	PREFETCHT2(Mem{Base: a.next})
	ADDQ(U8(64), a.next)
	Label(label)
}

// rest asks for the lines left.
func (a ahead) rest(name string) {
	Label(name + "ahead")
	CMPQ(a.next, a.end)
	JAE(LabelRef(name + "aheaddone"))
	PREFETCHT2(Mem{Base: a.next})
	ADDQ(U8(64), a.next)
	JMP(LabelRef(name + "ahead"))
	Label(name + "aheaddone")
}

// dotRows8 is dotRows' loop over eight rows at a time, while eight are
// left: a row's dot product is a chain of dependent FMAs, and eight chains
// in flight keep both FMA units busy where four wait on the latency. Each
// row is computed as in dotRows4 (the same FMAs in the same order, then
// hsum), so a row's result does not depend on which loop took it. Rows 4
// to 7 are addressed from rows 0 to 3 with a second column index k = j +
// 4·M, which saves four pointer registers.
func dotRows8(s isa, d dotRegs) {
	outp, n, wp, m, r0, stride, mv, j := d.outp, d.n, d.wp, d.m, d.r0, d.stride, d.mv, d.j
	r1, r2, r3 := d.r1, d.r2, d.r3
	Label("rows8" + d.tag)
	CMPQ(n, U8(8))
	JB(LabelRef("rows4" + d.tag))
	LEAQ(Mem{Base: r0, Index: stride, Scale: 1}, r1)
	LEAQ(Mem{Base: r1, Index: stride, Scale: 1}, r2)
	LEAQ(Mem{Base: r2, Index: stride, Scale: 1}, r3)
	rows := []reg.Register{r0, r1, r2, r3}
	acc := make([]reg.VecVirtual, 8)
	for i := range acc {
		acc[i] = s.vec()
		s.zero(acc[i])
	}
	XORQ(j, j)
	k := GP64()
	MOVQ(m, k)
	SHLQ(U8(2), k)
	Label("vec8" + d.tag)
	CMPQ(j, mv)
	JAE(LabelRef("vec8done" + d.tag))
	wv := s.vec()
	VMOVUPD(elem(wp, j), wv)
	for i, r := range rows {
		VFMADD231PD(elem(r, j), wv, acc[i])
	}
	d.pf.one("pf8" + d.tag)
	for i, r := range rows {
		VFMADD231PD(elem(r, k), wv, acc[4+i])
	}
	ADDQ(U8(s.lanes), j)
	ADDQ(U8(s.lanes), k)
	JMP(LabelRef("vec8" + d.tag))
	Label("vec8done" + d.tag)
	if s.lanes == 8 {
		// Without a scalar tail the eight rows' sums are added as eight
		// hsums would add them, but across registers (transposeSum), which
		// takes 14 shuffles for eight rows where hsum takes 24, on the port
		// that also runs FMAs.
		CMPQ(mv, m)
		JNE(LabelRef("hsum8" + d.tag))
		VMOVUPD(transposeSum(acc), Mem{Base: outp})
		JMP(LabelRef("next8" + d.tag))
		Label("hsum8" + d.tag)
	}
	sums := make([]reg.VecVirtual, 8)
	for i := range acc {
		sums[i] = s.hsum(acc[i])
	}
	Label("tail8" + d.tag)
	CMPQ(j, m)
	JAE(LabelRef("tail8done" + d.tag))
	ws := XMM()
	VMOVSD(elem(wp, j), ws)
	for i, r := range rows {
		VFMADD231SD(elem(r, j), ws, sums[i])
	}
	for i, r := range rows {
		VFMADD231SD(elem(r, k), ws, sums[4+i])
	}
	INCQ(j)
	INCQ(k)
	JMP(LabelRef("tail8" + d.tag))
	Label("tail8done" + d.tag)
	for i := range sums {
		VMOVSD(sums[i], Mem{Base: outp, Disp: 8 * i})
	}
	if s.lanes == 8 {
		Label("next8" + d.tag)
	}
	ADDQ(U8(64), outp)
	// Row 8 is row 3 + 5 rows.
	LEAQ(Mem{Base: r3, Index: stride, Scale: 4}, r0)
	ADDQ(stride, r0)
	SUBQ(U8(8), n)
	JMP(LabelRef("rows8" + d.tag))
}

// dotRows4 is dotRows' loop over four rows at a time, while four are left.
func dotRows4(s isa, d dotRegs) {
	outp, n, wp, m, r0, stride, mv, j := d.outp, d.n, d.wp, d.m, d.r0, d.stride, d.mv, d.j
	r1, r2, r3 := d.r1, d.r2, d.r3
	Label("rows4" + d.tag)
	CMPQ(n, U8(4))
	JB(LabelRef("rows1" + d.tag))
	LEAQ(Mem{Base: r0, Index: stride, Scale: 1}, r1)
	LEAQ(Mem{Base: r1, Index: stride, Scale: 1}, r2)
	LEAQ(Mem{Base: r2, Index: stride, Scale: 1}, r3)
	rows := []reg.Register{r0, r1, r2, r3}
	acc := make([]reg.VecVirtual, 4)
	for i := range acc {
		acc[i] = s.vec()
		s.zero(acc[i])
	}
	XORQ(j, j)
	Label("vec4" + d.tag)
	CMPQ(j, mv)
	JAE(LabelRef("vec4done" + d.tag))
	wv := s.vec()
	VMOVUPD(elem(wp, j), wv)
	for i, r := range rows {
		VFMADD231PD(elem(r, j), wv, acc[i])
	}
	d.pf.one("pf4" + d.tag)
	ADDQ(U8(s.lanes), j)
	JMP(LabelRef("vec4" + d.tag))
	Label("vec4done" + d.tag)
	sums := make([]reg.VecVirtual, 4)
	for i := range acc {
		sums[i] = s.hsum(acc[i])
	}
	Label("tail4" + d.tag)
	CMPQ(j, m)
	JAE(LabelRef("tail4done" + d.tag))
	ws := XMM()
	VMOVSD(elem(wp, j), ws)
	for i, r := range rows {
		VFMADD231SD(elem(r, j), ws, sums[i])
	}
	INCQ(j)
	JMP(LabelRef("tail4" + d.tag))
	Label("tail4done" + d.tag)
	for i := range sums {
		VMOVSD(sums[i], Mem{Base: outp, Disp: 8 * i})
	}
	ADDQ(U8(32), outp)
	LEAQ(Mem{Base: r3, Index: stride, Scale: 1}, r0)
	SUBQ(U8(4), n)
	JMP(LabelRef("rows4" + d.tag))
}

// dotRows1 is dotRows' loop over the rows left, one at a time.
func dotRows1(s isa, d dotRegs) {
	outp, n, wp, m, r0, stride, mv, j := d.outp, d.n, d.wp, d.m, d.r0, d.stride, d.mv, d.j
	Label("rows1" + d.tag)
	TESTQ(n, n)
	JZ(LabelRef("done" + d.tag))
	a1 := s.vec()
	s.zero(a1)
	XORQ(j, j)
	Label("vec1" + d.tag)
	CMPQ(j, mv)
	JAE(LabelRef("vec1done" + d.tag))
	w1 := s.vec()
	VMOVUPD(elem(wp, j), w1)
	VFMADD231PD(elem(r0, j), w1, a1)
	ADDQ(U8(s.lanes), j)
	JMP(LabelRef("vec1" + d.tag))
	Label("vec1done" + d.tag)
	sum := s.hsum(a1)
	Label("tail1" + d.tag)
	CMPQ(j, m)
	JAE(LabelRef("tail1done" + d.tag))
	ws1 := XMM()
	VMOVSD(elem(wp, j), ws1)
	VFMADD231SD(elem(r0, j), ws1, sum)
	INCQ(j)
	JMP(LabelRef("tail1" + d.tag))
	Label("tail1done" + d.tag)
	VMOVSD(sum, Mem{Base: outp})
	ADDQ(U8(8), outp)
	ADDQ(stride, r0)
	DECQ(n)
	JMP(LabelRef("rows1" + d.tag))
}

// addRowsT: g += Σ_k s[k]·(row k of a), rows of len(g). A tile of columns
// is held in registers while every row is added into it, so g is loaded
// and stored once per call, and the tile's registers are independent
// chains of FMAs.
func addRowsT(s isa) {
	TEXT("addRowsT"+s.name, NOSPLIT, "func(g, s, a, ahead []float64)")
	Doc(fmt.Sprintf("addRowsT%s adds s[k]·(row k of a) to g for every k; a holds len(s) rows of len(g). It asks for ahead's lines, one per row of a tile, the rest at the end.", s.name))
	pf := aheadRegs(Param("ahead"), false)
	m := Load(Param("g").Len(), GP64())
	n := Load(Param("s").Len(), GP64())
	addRowsTBody(s, s.name, Load(Param("g").Base(), GP64()), m, Load(Param("s").Base(), GP64()), n, Load(Param("a").Base(), GP64()), pf)
	pf.rest("addRowsT" + s.name)
	VZEROUPPER()
	RET()
}

// addRowsTBody is addRowsT's code, its labels ending in tag: g (m
// columns) += Σ_k sv[k]·(row k of a) over n rows, asking for pf's lines
// on the way.
func addRowsTBody(s isa, tag string, gp, m, sp, n, ap reg.Register, pf ahead) {
	stride := GP64()
	MOVQ(m, stride)
	SHLQ(U8(3), stride)
	j, t, p, k := GP64(), GP64(), GP64(), GP64()
	XORQ(j, j)

	// columnLoop covers the columns vecs vectors at a time while they fit.
	columnLoop := func(label string, vecs int) {
		width := vecs * s.lanes
		Label(label + tag)
		LEAQ(Mem{Base: j, Disp: width}, t)
		CMPQ(t, m)
		JA(LabelRef(label + "done" + tag))
		acc := make([]reg.VecVirtual, vecs)
		for i := range acc {
			acc[i] = s.vec()
			VMOVUPD(Mem{Base: gp, Index: j, Scale: 8, Disp: 8 * s.lanes * i}, acc[i])
		}
		LEAQ(elem(ap, j), p)
		XORQ(k, k)
		Label(label + "rows" + tag)
		CMPQ(k, n)
		JAE(LabelRef(label + "rowsdone" + tag))
		sv := s.vec()
		VBROADCASTSD(elem(sp, k), sv)
		for i := range acc {
			VFMADD231PD(Mem{Base: p, Disp: 8 * s.lanes * i}, sv, acc[i])
		}
		pf.one(label + "pf" + tag)
		ADDQ(stride, p)
		INCQ(k)
		JMP(LabelRef(label + "rows" + tag))
		Label(label + "rowsdone" + tag)
		for i := range acc {
			VMOVUPD(acc[i], Mem{Base: gp, Index: j, Scale: 8, Disp: 8 * s.lanes * i})
		}
		MOVQ(t, j)
		JMP(LabelRef(label + tag))
		Label(label + "done" + tag)
	}
	columnLoop("tile", s.tile)
	columnLoop("one", 1)

	Label("cols" + tag)
	CMPQ(j, m)
	JAE(LabelRef("done" + tag))
	x := XMM()
	VMOVSD(elem(gp, j), x)
	LEAQ(elem(ap, j), p)
	XORQ(k, k)
	Label("colrows" + tag)
	CMPQ(k, n)
	JAE(LabelRef("colrowsdone" + tag))
	sx := XMM()
	VMOVSD(elem(sp, k), sx)
	VFMADD231SD(Mem{Base: p}, sx, x)
	ADDQ(stride, p)
	INCQ(k)
	JMP(LabelRef("colrows" + tag))
	Label("colrowsdone" + tag)
	VMOVSD(x, elem(gp, j))
	INCQ(j)
	JMP(LabelRef("cols" + tag))

	Label("done" + tag)
}

// linearBlock is one block of the linear model's full-batch step in one
// call: the rows' residuals r = coef·x + b − y (dotRows' code), the loss
// and the bias's gradient added in row order, then the rows added into the
// gradient (addRowsT's code). Each number is the one the three steps
// give apart, added in the same order, so the same bits; one call saves a
// block two kernel calls and the Go loop between them, which cost as much
// as a third of the block's arithmetic.
func linearBlock(s isa) {
	name := "linearBlock" + s.name
	TEXT(name, NOSPLIT, "func(sums, w, a, y, r, ahead []float64, grad bool)")
	Doc(name + " adds one block of the linear model's full-batch step to sums (loss, gradient, bias's gradient): w is the coefficients then the bias, a holds len(y) rows of len(w)−1, r gets the residuals. It asks for ahead's lines, the first half during the residuals, the rest during the gradient.")
	pf := aheadRegs(Param("ahead"), true)
	n := Load(Param("y").Len(), GP64())
	m := Load(Param("w").Len(), GP64())
	DECQ(m)
	dotRowsBody(s, "Dot"+name, Load(Param("r").Base(), GP64()), n, Load(Param("w").Base(), GP64()), m, Load(Param("a").Base(), GP64()), pf)
	pf.rest(name + "first")

	// The residuals, and the loss and bias's gradient added row by row:
	// v = (r + b) − y, loss += v·v (rounded, then added, as Go compiles
	// it for amd64 without FMA, the default GOAMD64=v1), gb += v, as the
	// Go loop did.
	rp := Load(Param("r").Base(), GP64())
	yp := Load(Param("y").Base(), GP64())
	sp := Load(Param("sums").Base(), GP64())
	n = Load(Param("y").Len(), GP64())
	m = Load(Param("w").Len(), GP64())
	wp := Load(Param("w").Base(), GP64())
	b, loss, gb := XMM(), XMM(), XMM()
	VMOVSD(Mem{Base: wp, Index: m, Scale: 8, Disp: -8}, b)
	VMOVSD(Mem{Base: sp}, loss)
	VMOVSD(Mem{Base: sp, Index: m, Scale: 8}, gb) // sums[m+1]: m is len(w) = M+1
	k := GP64()
	XORQ(k, k)
	Label(name + "res")
	CMPQ(k, n)
	JAE(LabelRef(name + "resdone"))
	v, sq := XMM(), XMM()
	VMOVSD(elem(rp, k), v)
	VADDSD(b, v, v)
	VSUBSD(elem(yp, k), v, v)
	VMOVSD(v, elem(rp, k))
	VMULSD(v, v, sq)
	VADDSD(sq, loss, loss)
	VADDSD(v, gb, gb)
	INCQ(k)
	JMP(LabelRef(name + "res"))
	Label(name + "resdone")
	VMOVSD(loss, Mem{Base: sp})
	VMOVSD(gb, Mem{Base: sp, Index: m, Scale: 8})

	// The second half of ahead.
	end := Load(Param("ahead").Len(), GP64())
	base := Load(Param("ahead").Base(), GP64())
	LEAQ(Mem{Base: base, Index: end, Scale: 8}, pf.end)
	grad := Load(Param("grad"), GP8())
	TESTB(grad, grad)
	JZ(LabelRef(name + "nograd"))
	n = Load(Param("y").Len(), GP64())
	m = Load(Param("w").Len(), GP64())
	DECQ(m)
	// The gradient starts at sums[1].
	g := Load(Param("sums").Base(), GP64())
	ADDQ(U8(8), g)
	addRowsTBody(s, "AddT"+name, g, m, Load(Param("r").Base(), GP64()), n, Load(Param("a").Base(), GP64()), pf)
	Label(name + "nograd")
	pf.rest(name + "second")
	VZEROUPPER()
	RET()
}

// prefetch asks for every cache line of a ahead of its use (PREFETCHT2,
// into L2: PREFETCHT0, into L1 as well, was slower). Batched trials
// compute each block of rows once per trial, from L1, so the hardware sees
// too few misses to stream the next block in; a pass prefetches it while
// the trials compute the current one.
func prefetch() {
	TEXT("prefetch", NOSPLIT, "func(a []float64)")
	Doc("prefetch asks for every cache line of a, to be read soon.")
	p := Load(Param("a").Base(), GP64())
	n := Load(Param("a").Len(), GP64())
	TESTQ(n, n)
	JZ(LabelRef("prefetchdone"))
	end := GP64()
	LEAQ(Mem{Base: p, Index: n, Scale: 8, Disp: -8}, end) // the last value
	Label("prefetchline")
	PREFETCHT2(Mem{Base: p})
	ADDQ(U8(64), p)
	CMPQ(p, end)
	JBE(LabelRef("prefetchline"))
	// a need not start on a line: its last value may be on a line the
	// steps of 64 bytes passed over.
	PREFETCHT2(Mem{Base: end})
	Label("prefetchdone")
	RET()
}

func main() {
	ConstraintExpr("amd64,!noasm")
	for _, s := range []isa{avx2, avx512} {
		dotRows(s)
		addRowsT(s)
		linearBlock(s)
	}
	prefetch()
	Generate()
}
