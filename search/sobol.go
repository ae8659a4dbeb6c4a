package search

import (
	"fmt"
	"math/bits"

	"github.com/hpsearch/hpsearch/results"
)

// sobolBits is the resolution of the sequence: points are multiples of
// 2⁻³², far finer than any hyperparameter needs, and 2³² points are more
// than any study asks for.
const sobolBits = 32

// joeKuo holds the direction-number initialisation of Sobol dimensions 2 to
// sobolMaxDims, from S. Joe and F. Y. Kuo, "Constructing Sobol sequences with
// better two-dimensional projections" (2008), file new-joe-kuo-6.21201: per
// dimension the degree s of its primitive polynomial, the polynomial's inner
// coefficients a (as bits), and the initial odd numbers m₁…mₛ. Dimension 1
// is the van der Corput sequence and needs none. These are the numbers SciPy
// and Optuna's QMC sampler use.
var joeKuo = []struct {
	s, a uint32
	m    []uint32
}{
	{1, 0, []uint32{1}},
	{2, 1, []uint32{1, 3}},
	{3, 1, []uint32{1, 3, 1}},
	{3, 2, []uint32{1, 1, 1}},
	{4, 1, []uint32{1, 1, 3, 3}},
	{4, 4, []uint32{1, 3, 5, 13}},
	{5, 2, []uint32{1, 1, 5, 5, 17}},
	{5, 4, []uint32{1, 1, 5, 5, 5}},
	{5, 7, []uint32{1, 1, 7, 11, 19}},
	{5, 11, []uint32{1, 1, 5, 1, 1}},
	{5, 13, []uint32{1, 1, 1, 3, 11}},
	{5, 14, []uint32{1, 3, 5, 5, 31}},
	{6, 1, []uint32{1, 3, 3, 9, 7, 49}},
	{6, 13, []uint32{1, 1, 1, 15, 21, 21}},
	{6, 16, []uint32{1, 3, 1, 13, 27, 49}},
	{6, 19, []uint32{1, 1, 1, 15, 7, 5}},
	{6, 22, []uint32{1, 3, 1, 15, 13, 25}},
	{6, 25, []uint32{1, 1, 5, 5, 19, 61}},
	{7, 1, []uint32{1, 3, 7, 11, 23, 15, 103}},
	{7, 4, []uint32{1, 3, 7, 13, 13, 15, 69}},
	{7, 7, []uint32{1, 1, 3, 13, 7, 35, 63}},
	{7, 8, []uint32{1, 3, 5, 9, 1, 25, 53}},
	{7, 14, []uint32{1, 3, 1, 13, 9, 35, 107}},
	{7, 19, []uint32{1, 3, 1, 5, 27, 61, 31}},
	{7, 21, []uint32{1, 1, 5, 11, 19, 41, 61}},
	{7, 28, []uint32{1, 3, 5, 3, 3, 13, 69}},
	{7, 31, []uint32{1, 1, 7, 13, 1, 19, 1}},
	{7, 32, []uint32{1, 3, 7, 5, 13, 19, 59}},
	{7, 37, []uint32{1, 1, 3, 9, 25, 29, 41}},
	{7, 41, []uint32{1, 3, 5, 13, 23, 1, 55}},
	{7, 42, []uint32{1, 3, 7, 3, 13, 59, 17}},
	{7, 50, []uint32{1, 3, 1, 3, 5, 53, 69}},
	{7, 55, []uint32{1, 1, 5, 5, 23, 33, 13}},
	{7, 56, []uint32{1, 1, 7, 7, 1, 61, 123}},
	{7, 59, []uint32{1, 1, 7, 9, 13, 61, 49}},
	{7, 62, []uint32{1, 3, 3, 5, 3, 55, 33}},
	{8, 14, []uint32{1, 3, 1, 15, 31, 13, 49, 245}},
	{8, 21, []uint32{1, 3, 5, 15, 31, 59, 63, 97}},
	{8, 22, []uint32{1, 3, 1, 11, 11, 11, 77, 249}},
}

// sobolMaxDims is how many dimensions the table above gives.
var sobolMaxDims = len(joeKuo) + 1

// directions computes the direction numbers v₁…v₃₂ of Sobol dimension d
// (0-based) by the recurrence of the primitive polynomial, scaled so that
// bit 31 is the first binary digit.
func directions(d int) [sobolBits]uint32 {
	var v [sobolBits]uint32
	if d == 0 {
		for k := range v {
			v[k] = 1 << (sobolBits - 1 - k)
		}
		return v
	}
	jk := joeKuo[d-1]
	s := int(jk.s)
	for k := 0; k < s && k < sobolBits; k++ {
		v[k] = jk.m[k] << (sobolBits - 1 - k)
	}
	for k := s; k < sobolBits; k++ {
		v[k] = v[k-s] ^ (v[k-s] >> s)
		for j := 1; j < s; j++ {
			if (jk.a>>(s-1-j))&1 == 1 {
				v[k] ^= v[k-j]
			}
		}
	}
	return v
}

// sobol generates a Sobol sequence by the Gray-code construction (Antonov
// and Saleev): point n+1 is point n with one direction number XORed in,
// the one indexed by the lowest zero bit of n, so each point costs O(d).
//
// It is randomised by a nested uniform (Owen) scramble in the hashed form of
// Burley, "Practical Hash-based Owen Scrambling" (JCGT 2020), one hash seed
// per dimension derived from the seed. Why Owen scrambling rather than the
// cheaper random digital shift (XOR with one random number per dimension):
// both keep the net property that makes Sobol worth having (every 1/2ᵏ
// interval of every coordinate holds exactly one of the first 2ᵏ points;
// the tests check it), and both make each point uniform on the cube, so
// different seeds give independent, unbiased designs. A digital shift,
// though, flips the same bits of every point, so the lattice structure of
// the raw sequence (points on a few diagonal lines in some 2-D projections,
// which an objective aligned with them would notice) survives; the nested
// scramble permutes each bit depending on all the bits above it and
// removes it, and it costs a few multiplications per coordinate. The
// unscrambled sequence also starts at the origin and puts its second point
// exactly at the centre, where Ackley and Rastrigin have their minimum: a
// strategy that benefited from that would be measured as better than it is.
type sobol struct {
	dirs     [][sobolBits]uint32
	x        []uint32 // the current point, unscrambled
	scramble []uint32 // per-dimension hash seeds; nil for the raw sequence
	n        uint64   // index of the next point
}

// newSobol returns the first dims coordinates of a Sobol sequence scrambled
// by seed, or the raw sequence when scrambled is false (for tests).
func newSobol(dims int, seed uint64, scrambled bool) (*sobol, error) {
	if dims < 1 || dims > sobolMaxDims {
		return nil, fmt.Errorf("sobol sequence: %d dimensions, the direction numbers cover 1 to %d", dims, sobolMaxDims)
	}
	s := &sobol{dirs: make([][sobolBits]uint32, dims), x: make([]uint32, dims)}
	for d := range dims {
		s.dirs[d] = directions(d)
	}
	if scrambled {
		s.scramble = make([]uint32, dims)
		for d := range s.scramble {
			s.scramble[d] = uint32(TrialSeed(seed, d) >> 32)
		}
	}
	return s, nil
}

// next writes the next point, in [0, 1)^dims, to p.
func (s *sobol) next(p []float64) {
	if s.n > 0 {
		c := bits.TrailingZeros64(^(s.n - 1)) // lowest zero bit of n−1
		for d := range s.x {
			s.x[d] ^= s.dirs[d][c]
		}
	}
	s.n++
	for d, x := range s.x {
		if s.scramble != nil {
			x = owenScramble(x, s.scramble[d])
		}
		p[d] = float64(x) / (1 << sobolBits)
	}
}

// owenScramble is Burley's hashed nested uniform scramble: reversing the
// bits turns the Laine–Karras hash (whose output bit i depends only on
// input bits 0…i) into a permutation in which each binary digit of x is
// flipped depending only on the digits before it, which is what Owen's
// scramble is.
func owenScramble(x, seed uint32) uint32 {
	x = bits.Reverse32(x)
	x += seed
	x ^= x * 0x6c50b47c
	x ^= x * 0xb82f1e52
	x ^= x * 0xc7afe638
	x ^= x * 0x8d22f6e6
	return bits.Reverse32(x)
}

// quasiRandom is the `sobol` strategy: every trial is the next point of one
// scrambled Sobol sequence over the configured ranges, proposed at once.
// It is random search with the luck taken out: the points fill the space
// evenly (no clusters, no large holes), which lowers the spread of results
// across seeds by a constant factor without changing what is searched.
type quasiRandom struct {
	plan  Plan
	total int
	oneShot
}

func (s *quasiRandom) Name() string            { return "sobol" }
func (s *quasiRandom) Total() int              { return s.total }
func (s *quasiRandom) Rounds() []results.Round { return s.rounds }

func (s *quasiRandom) Ask() ([]Proposal, error) {
	if s.asked {
		return nil, nil
	}
	s.asked = true
	dims := s.plan.Space.Dims
	seq := newUnitSampler(len(dims), s.plan.Seed, 0)
	ranges := s.plan.Space.InitialRanges()
	u := make([]float64, len(dims))
	batch := make([]Proposal, s.total)
	for i := range batch {
		seq.next(u)
		batch[i] = Proposal{Number: i, Params: sampleAt(dims, ranges, u)}
	}
	return batch, nil
}

func (s *quasiRandom) Tell(trials []results.Trial) {
	s.rounds = []results.Round{record(0, s.plan.Space.InitialRanges(), trials, s.plan.Goal)}
}
