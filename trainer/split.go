package trainer

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// splitStream separates the split's shuffle from other generators seeded
// with the same number.
const splitStream = 0x5eed_da7a_0002

// Split shuffles the rows of d with a generator seeded by seed and puts the
// first round(N·(1−validation)) of them in train and the rest in val. Both
// are fresh contiguous Datasets, so each pass over them reads memory in
// order; d is not modified. validation must be in [0, 1); 0 means no
// validation set: train is d itself (Datasets are read-only) and val is nil.
// Otherwise d needs at least 2 rows, and neither part is ever empty.
func Split(d *Dataset, validation float64, seed uint64) (train, val *Dataset, err error) {
	if d == nil {
		return nil, nil, fmt.Errorf("split: no data set")
	}
	if math.IsNaN(validation) || validation < 0 || validation >= 1 {
		return nil, nil, fmt.Errorf("split: validation fraction %v is outside [0, 1)", validation)
	}
	if validation == 0 {
		return d, nil, nil
	}
	if d.N < 2 {
		return nil, nil, fmt.Errorf("split: %d row(s) cannot be split into non-empty training and validation sets (need at least 2)", d.N)
	}
	nTrain := int(math.Round(float64(d.N) * (1 - validation)))
	nTrain = min(max(nTrain, 1), d.N-1)
	perm := rand.New(rand.NewPCG(seed, splitStream)).Perm(d.N)
	return subset(d, perm[:nTrain]), subset(d, perm[nTrain:]), nil
}

// subset copies the given rows of d, in that order, into a new Dataset.
func subset(d *Dataset, rows []int) *Dataset {
	s := &Dataset{
		X:        make([]float64, len(rows)*d.M),
		Y:        make([]float64, len(rows)),
		N:        len(rows),
		M:        d.M,
		Features: slices.Clone(d.Features),
		Target:   d.Target,
		Classes:  slices.Clone(d.Classes),
	}
	for i, r := range rows {
		copy(s.Row(i), d.Row(r))
		s.Y[i] = d.Y[r]
	}
	return s
}

// Standardizer rescales each feature column to mean 0 and standard
// deviation 1 with statistics fitted on the training split only, so that
// nothing about the validation rows leaks into training. Targets are not
// scaled: losses stay in the units of the data.
type Standardizer struct {
	Mean, Std []float64 // per feature column
}

// FitStandardizer computes each column's mean and (population) standard
// deviation over train. A constant column gets Std 1, so it maps to zeros
// rather than dividing by zero, as do all columns of an empty train. A nil
// train gives a nil Standardizer, which Apply treats as the identity.
func FitStandardizer(train *Dataset) *Standardizer {
	if train == nil {
		return nil
	}
	s := &Standardizer{Mean: make([]float64, train.M), Std: make([]float64, train.M)}
	// Two passes (mean, then squared deviations) rather than sums of squares,
	// which lose all precision for columns with a large mean and small spread.
	for i := range train.N {
		for j, v := range train.Row(i) {
			s.Mean[j] += v
		}
	}
	for j := range s.Mean {
		s.Mean[j] /= float64(max(train.N, 1))
	}
	for i := range train.N {
		for j, v := range train.Row(i) {
			dv := v - s.Mean[j]
			s.Std[j] += dv * dv
		}
	}
	for j, ss := range s.Std {
		s.Std[j] = math.Sqrt(ss / float64(max(train.N, 1)))
		if s.Std[j] <= 1e-12*math.Max(1, math.Abs(s.Mean[j])) {
			s.Std[j] = 1 // constant up to rounding: centring alone is enough
		}
	}
	return s
}

// Apply returns a new Dataset whose features are (x − Mean)/Std. It never
// modifies d; the result shares d's Y and name slices, which are read-only.
// A nil d gives nil, and a nil Standardizer is the identity and returns d
// itself, so callers can skip standardisation by not fitting one.
//
// Apply panics when d has a different number of columns than the data s
// was fitted on: that is a programming error, not bad input.
func (s *Standardizer) Apply(d *Dataset) *Dataset {
	if d == nil || s == nil {
		return d
	}
	if len(s.Mean) != d.M || len(s.Std) != d.M {
		panic(fmt.Sprintf("trainer: Standardizer fitted on %d columns applied to a data set with %d", len(s.Mean), d.M))
	}
	out := *d
	out.X = make([]float64, len(d.X))
	for i := range d.N {
		src, dst := d.Row(i), out.Row(i)
		for j, v := range src {
			dst[j] = (v - s.Mean[j]) / s.Std[j]
		}
	}
	return &out
}
