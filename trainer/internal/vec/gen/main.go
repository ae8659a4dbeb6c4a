// Command gen writes the vector kernels of package vec (vec_amd64.s and
// its Go declarations) with avo. It is its own module, so that building
// hpsearch needs nothing from it; run it with go generate in package vec.
package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
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

// dotRows: out[k] = w·(row k of a), rows of len(w), four rows at a time so
// that four independent chains of FMAs are in flight.
func dotRows(s isa) {
	TEXT("dotRows"+s.name, NOSPLIT, "func(out, w, a []float64)")
	Doc(fmt.Sprintf("dotRows%s sets out[k] to w·(row k of a) for every k; a holds len(out) rows of len(w).", s.name))
	var d dotRegs
	d.outp = Load(Param("out").Base(), GP64())
	d.n = Load(Param("out").Len(), GP64())
	d.wp = Load(Param("w").Base(), GP64())
	d.m = Load(Param("w").Len(), GP64())
	d.r0 = Load(Param("a").Base(), GP64())
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

	Label("done" + s.name)
	VZEROUPPER()
	RET()
}

// dotRegs are dotRows' registers: its arguments, the row stride in bytes,
// the columns covered by whole vectors, the column index and the four
// rows' pointers.
type dotRegs struct {
	outp, n, wp, m, r0 reg.Register
	stride, mv, j      reg.Register
	r1, r2, r3         reg.Register
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
	Label("rows8" + s.name)
	CMPQ(n, U8(8))
	JB(LabelRef("rows4" + s.name))
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
	Label("vec8" + s.name)
	CMPQ(j, mv)
	JAE(LabelRef("vec8done" + s.name))
	wv := s.vec()
	VMOVUPD(elem(wp, j), wv)
	for i, r := range rows {
		VFMADD231PD(elem(r, j), wv, acc[i])
	}
	for i, r := range rows {
		VFMADD231PD(elem(r, k), wv, acc[4+i])
	}
	ADDQ(U8(s.lanes), j)
	ADDQ(U8(s.lanes), k)
	JMP(LabelRef("vec8" + s.name))
	Label("vec8done" + s.name)
	if s.lanes == 8 {
		// Without a scalar tail the eight rows' sums are added as eight
		// hsums would add them, but across registers (transposeSum), which
		// takes 14 shuffles for eight rows where hsum takes 24, on the port
		// that also runs FMAs.
		CMPQ(mv, m)
		JNE(LabelRef("hsum8" + s.name))
		VMOVUPD(transposeSum(acc), Mem{Base: outp})
		JMP(LabelRef("next8" + s.name))
		Label("hsum8" + s.name)
	}
	sums := make([]reg.VecVirtual, 8)
	for i := range acc {
		sums[i] = s.hsum(acc[i])
	}
	Label("tail8" + s.name)
	CMPQ(j, m)
	JAE(LabelRef("tail8done" + s.name))
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
	JMP(LabelRef("tail8" + s.name))
	Label("tail8done" + s.name)
	for i := range sums {
		VMOVSD(sums[i], Mem{Base: outp, Disp: 8 * i})
	}
	if s.lanes == 8 {
		Label("next8" + s.name)
	}
	ADDQ(U8(64), outp)
	// Row 8 is row 3 + 5 rows.
	LEAQ(Mem{Base: r3, Index: stride, Scale: 4}, r0)
	ADDQ(stride, r0)
	SUBQ(U8(8), n)
	JMP(LabelRef("rows8" + s.name))
}

// dotRows4 is dotRows' loop over four rows at a time, while four are left.
func dotRows4(s isa, d dotRegs) {
	outp, n, wp, m, r0, stride, mv, j := d.outp, d.n, d.wp, d.m, d.r0, d.stride, d.mv, d.j
	r1, r2, r3 := d.r1, d.r2, d.r3
	Label("rows4" + s.name)
	CMPQ(n, U8(4))
	JB(LabelRef("rows1" + s.name))
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
	Label("vec4" + s.name)
	CMPQ(j, mv)
	JAE(LabelRef("vec4done" + s.name))
	wv := s.vec()
	VMOVUPD(elem(wp, j), wv)
	for i, r := range rows {
		VFMADD231PD(elem(r, j), wv, acc[i])
	}
	ADDQ(U8(s.lanes), j)
	JMP(LabelRef("vec4" + s.name))
	Label("vec4done" + s.name)
	sums := make([]reg.VecVirtual, 4)
	for i := range acc {
		sums[i] = s.hsum(acc[i])
	}
	Label("tail4" + s.name)
	CMPQ(j, m)
	JAE(LabelRef("tail4done" + s.name))
	ws := XMM()
	VMOVSD(elem(wp, j), ws)
	for i, r := range rows {
		VFMADD231SD(elem(r, j), ws, sums[i])
	}
	INCQ(j)
	JMP(LabelRef("tail4" + s.name))
	Label("tail4done" + s.name)
	for i := range sums {
		VMOVSD(sums[i], Mem{Base: outp, Disp: 8 * i})
	}
	ADDQ(U8(32), outp)
	LEAQ(Mem{Base: r3, Index: stride, Scale: 1}, r0)
	SUBQ(U8(4), n)
	JMP(LabelRef("rows4" + s.name))
}

// dotRows1 is dotRows' loop over the rows left, one at a time.
func dotRows1(s isa, d dotRegs) {
	outp, n, wp, m, r0, stride, mv, j := d.outp, d.n, d.wp, d.m, d.r0, d.stride, d.mv, d.j
	Label("rows1" + s.name)
	TESTQ(n, n)
	JZ(LabelRef("done" + s.name))
	a1 := s.vec()
	s.zero(a1)
	XORQ(j, j)
	Label("vec1" + s.name)
	CMPQ(j, mv)
	JAE(LabelRef("vec1done" + s.name))
	w1 := s.vec()
	VMOVUPD(elem(wp, j), w1)
	VFMADD231PD(elem(r0, j), w1, a1)
	ADDQ(U8(s.lanes), j)
	JMP(LabelRef("vec1" + s.name))
	Label("vec1done" + s.name)
	sum := s.hsum(a1)
	Label("tail1" + s.name)
	CMPQ(j, m)
	JAE(LabelRef("tail1done" + s.name))
	ws1 := XMM()
	VMOVSD(elem(wp, j), ws1)
	VFMADD231SD(elem(r0, j), ws1, sum)
	INCQ(j)
	JMP(LabelRef("tail1" + s.name))
	Label("tail1done" + s.name)
	VMOVSD(sum, Mem{Base: outp})
	ADDQ(U8(8), outp)
	ADDQ(stride, r0)
	DECQ(n)
	JMP(LabelRef("rows1" + s.name))
}

// addRowsT: g += Σ_k s[k]·(row k of a), rows of len(g). A tile of columns
// is held in registers while every row is added into it, so g is loaded
// and stored once per call, and the tile's registers are independent
// chains of FMAs.
func addRowsT(s isa) {
	TEXT("addRowsT"+s.name, NOSPLIT, "func(g, s, a []float64)")
	Doc(fmt.Sprintf("addRowsT%s adds s[k]·(row k of a) to g for every k; a holds len(s) rows of len(g).", s.name))
	gp := Load(Param("g").Base(), GP64())
	m := Load(Param("g").Len(), GP64())
	sp := Load(Param("s").Base(), GP64())
	n := Load(Param("s").Len(), GP64())
	ap := Load(Param("a").Base(), GP64())
	stride := GP64()
	MOVQ(m, stride)
	SHLQ(U8(3), stride)
	j, t, p, k := GP64(), GP64(), GP64(), GP64()
	XORQ(j, j)

	// columnLoop covers the columns vecs vectors at a time while they fit.
	columnLoop := func(label string, vecs int) {
		width := vecs * s.lanes
		Label(label + s.name)
		LEAQ(Mem{Base: j, Disp: width}, t)
		CMPQ(t, m)
		JA(LabelRef(label + "done" + s.name))
		acc := make([]reg.VecVirtual, vecs)
		for i := range acc {
			acc[i] = s.vec()
			VMOVUPD(Mem{Base: gp, Index: j, Scale: 8, Disp: 8 * s.lanes * i}, acc[i])
		}
		LEAQ(elem(ap, j), p)
		XORQ(k, k)
		Label(label + "rows" + s.name)
		CMPQ(k, n)
		JAE(LabelRef(label + "rowsdone" + s.name))
		sv := s.vec()
		VBROADCASTSD(elem(sp, k), sv)
		for i := range acc {
			VFMADD231PD(Mem{Base: p, Disp: 8 * s.lanes * i}, sv, acc[i])
		}
		ADDQ(stride, p)
		INCQ(k)
		JMP(LabelRef(label + "rows" + s.name))
		Label(label + "rowsdone" + s.name)
		for i := range acc {
			VMOVUPD(acc[i], Mem{Base: gp, Index: j, Scale: 8, Disp: 8 * s.lanes * i})
		}
		MOVQ(t, j)
		JMP(LabelRef(label + s.name))
		Label(label + "done" + s.name)
	}
	columnLoop("tile", s.tile)
	columnLoop("one", 1)

	Label("cols" + s.name)
	CMPQ(j, m)
	JAE(LabelRef("done" + s.name))
	x := XMM()
	VMOVSD(elem(gp, j), x)
	LEAQ(elem(ap, j), p)
	XORQ(k, k)
	Label("colrows" + s.name)
	CMPQ(k, n)
	JAE(LabelRef("colrowsdone" + s.name))
	sx := XMM()
	VMOVSD(elem(sp, k), sx)
	VFMADD231SD(Mem{Base: p}, sx, x)
	ADDQ(stride, p)
	INCQ(k)
	JMP(LabelRef("colrows" + s.name))
	Label("colrowsdone" + s.name)
	VMOVSD(x, elem(gp, j))
	INCQ(j)
	JMP(LabelRef("cols" + s.name))

	Label("done" + s.name)
	VZEROUPPER()
	RET()
}

// prefetch asks for every cache line of a ahead of its use (PREFETCHT0,
// into every level). Batched trials compute each block of rows once per
// trial, from L1, so the hardware sees too few misses to stream the next
// block in; a pass prefetches it while the trials compute the current one.
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
	}
	prefetch()
	Generate()
}
