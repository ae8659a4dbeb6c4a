package trainer

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
)

// SyntheticOptions describe a generated data set. The zero value of every
// field but Kind is valid and means the default given in its comment.
type SyntheticOptions struct {
	// Kind is one of:
	//   linear      y = x·w + b + noise, x ~ N(0,1), w and b ~ N(0,1) from Seed
	//   polynomial  y = b + Σ_j Σ_{k=1..Degree} c_jk·x_j^k + noise, x ~ U(-1,1), b, c ~ N(0,1)
	//   sine        y = sin(2π·x_0) + 0.1·Σ_{j≥1} sin(2π·x_j) + noise, x ~ U(0,1)
	//   moons       two interleaving half-circles in 2 features, classes "0" and "1"
	//   blobs       Gaussian clusters around centres drawn from U(-10,10), classes "0".."K-1"
	Kind string
	// Samples is the number of rows; 0 means 1000.
	Samples int
	// Features is the number of columns; 0 means 1 for linear, polynomial
	// and sine, and 2 for moons and blobs. Moons has exactly 2.
	Features int
	// Noise is the standard deviation of Gaussian noise: added to the
	// target for the regression kinds, to both coordinates for moons (0
	// means points exactly on the half-circles), and the spread of each
	// cluster for blobs, where 0 means 1 because a cluster without spread
	// is a single repeated point.
	Noise float64
	// Degree is the polynomial kind's highest power; 0 means 3.
	Degree int
	// Classes is the number of clusters for blobs; 0 means 3. Moons always
	// has 2 (0 or 2 accepted).
	Classes int
	// Seed makes the data reproducible: the same options give the same
	// rows, a different seed gives different ones.
	Seed uint64
}

// SyntheticKinds lists the kinds Synthetic accepts, for error messages and
// config validation.
var SyntheticKinds = []string{"linear", "polynomial", "sine", "moons", "blobs"}

// syntheticStream separates the generator's stream from others seeded with
// the same number (trial initial weights, splits).
const syntheticStream = 0x5eed_da7a_0001

// maxSyntheticCells bounds Samples×Features (1 GiB of float64) so that a
// typo in a config is an error, not an out-of-memory crash.
const maxSyntheticCells = 1 << 27

// Synthetic generates a data set. Features are named x0, x1, …; the target
// is "y" for regression kinds and "class" for moons and blobs, whose rows
// alternate between classes so that the classes are balanced in any prefix.
func Synthetic(opt SyntheticOptions) (*Dataset, error) {
	opt, err := withSyntheticDefaults(opt)
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(opt.Seed, syntheticStream))
	d := newSyntheticDataset(opt.Samples, opt.Features)
	switch opt.Kind {
	case "linear":
		fillLinear(d, opt.Noise, rng)
	case "polynomial":
		fillPolynomial(d, opt.Degree, opt.Noise, rng)
	case "sine":
		fillSine(d, opt.Noise, rng)
	case "moons":
		fillMoons(d, opt.Noise, rng)
	case "blobs":
		fillBlobs(d, opt.Classes, opt.Noise, rng)
	}
	return d, nil
}

// withSyntheticDefaults checks the options and fills in the defaults.
func withSyntheticDefaults(opt SyntheticOptions) (SyntheticOptions, error) {
	bad := func(format string, args ...any) (SyntheticOptions, error) {
		return opt, fmt.Errorf("synthetic data (kind %q): "+format, append([]any{opt.Kind}, args...)...)
	}
	classifier := opt.Kind == "moons" || opt.Kind == "blobs"
	switch {
	case !slices.Contains(SyntheticKinds, opt.Kind):
		return opt, fmt.Errorf("synthetic data: unknown kind %q (allowed: %s)", opt.Kind, strings.Join(SyntheticKinds, ", "))
	case opt.Samples < 0:
		return bad("samples %d is negative (allowed: 0 for 1000, or a positive count)", opt.Samples)
	case opt.Features < 0:
		return bad("features %d is negative (allowed: 0 for the default, or a positive count)", opt.Features)
	case math.IsNaN(opt.Noise) || math.IsInf(opt.Noise, 0) || opt.Noise < 0:
		return bad("noise %v is not allowed (allowed: a finite standard deviation ≥ 0)", opt.Noise)
	case opt.Degree < 0 || (opt.Degree != 0 && opt.Kind != "polynomial"):
		return bad("degree %d is not allowed (allowed: ≥ 0, and only for kind polynomial)", opt.Degree)
	case opt.Classes != 0 && !classifier:
		return bad("classes %d is not allowed (allowed: only for kinds moons and blobs)", opt.Classes)
	case opt.Kind == "moons" && opt.Classes != 0 && opt.Classes != 2:
		return bad("classes %d is not allowed (moons has exactly 2)", opt.Classes)
	case opt.Kind == "moons" && opt.Features != 0 && opt.Features != 2:
		return bad("features %d is not allowed (moons has exactly 2)", opt.Features)
	case opt.Classes < 0 || opt.Classes == 1:
		return bad("classes %d is not allowed (allowed: 0 for 3, or at least 2)", opt.Classes)
	}
	if opt.Samples == 0 {
		opt.Samples = 1000
	}
	if opt.Features == 0 {
		opt.Features = 1
		if classifier {
			opt.Features = 2
		}
	}
	if opt.Kind == "polynomial" && opt.Degree == 0 {
		opt.Degree = 3
	}
	if opt.Kind == "moons" {
		opt.Classes = 2
	}
	if opt.Kind == "blobs" {
		if opt.Classes == 0 {
			opt.Classes = 3
		}
		if opt.Noise == 0 {
			opt.Noise = 1
		}
	}
	if opt.Samples > maxSyntheticCells/opt.Features {
		return bad("samples × features = %d × %d is more than the %d cells allowed", opt.Samples, opt.Features, maxSyntheticCells)
	}
	if classifier && opt.Samples < opt.Classes {
		return bad("samples %d is fewer than the %d classes", opt.Samples, opt.Classes)
	}
	return opt, nil
}

func newSyntheticDataset(n, m int) *Dataset {
	d := &Dataset{
		X:        make([]float64, n*m),
		Y:        make([]float64, n),
		N:        n,
		M:        m,
		Features: make([]string, m),
		Target:   "y",
	}
	for j := range d.Features {
		d.Features[j] = "x" + strconv.Itoa(j)
	}
	return d
}

// classLabels are "0".."k-1", the labels of the generated classifiers.
func classLabels(k int) []string {
	labels := make([]string, k)
	for i := range labels {
		labels[i] = strconv.Itoa(i)
	}
	return labels
}

func normals(n int, rng *rand.Rand) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	return v
}

// uniform draws from U(lo, hi).
func uniform(lo, hi float64, rng *rand.Rand) float64 { return lo + (hi-lo)*rng.Float64() }

func fillLinear(d *Dataset, noise float64, rng *rand.Rand) {
	w := normals(d.M, rng)
	b := rng.NormFloat64()
	for i := range d.N {
		x := d.Row(i)
		y := b
		for j := range x {
			x[j] = rng.NormFloat64()
			y += w[j] * x[j]
		}
		d.Y[i] = y + noise*rng.NormFloat64()
	}
}

func fillPolynomial(d *Dataset, degree int, noise float64, rng *rand.Rand) {
	c := normals(d.M*degree, rng) // c[j*degree+k-1] multiplies x_j^k
	b := rng.NormFloat64()
	for i := range d.N {
		x := d.Row(i)
		y := b
		for j := range x {
			x[j] = uniform(-1, 1, rng)
			p := 1.0
			for k := range degree {
				p *= x[j]
				y += c[j*degree+k] * p
			}
		}
		d.Y[i] = y + noise*rng.NormFloat64()
	}
}

func fillSine(d *Dataset, noise float64, rng *rand.Rand) {
	for i := range d.N {
		x := d.Row(i)
		y := 0.0
		for j := range x {
			x[j] = rng.Float64()
			s := math.Sin(2 * math.Pi * x[j])
			if j > 0 {
				s *= 0.1 // the other features only perturb the main curve
			}
			y += s
		}
		d.Y[i] = y + noise*rng.NormFloat64()
	}
}

// fillMoons places class 0 on the upper half of the unit circle and class 1
// on the lower half of the unit circle centred at (1, 0.5), as in
// scikit-learn's make_moons, with the angle drawn uniformly.
func fillMoons(d *Dataset, noise float64, rng *rand.Rand) {
	d.Target = "class"
	d.Classes = classLabels(2)
	for i := range d.N {
		t := math.Pi * rng.Float64()
		x := d.Row(i)
		class := i % 2
		if class == 0 {
			x[0], x[1] = math.Cos(t), math.Sin(t)
		} else {
			x[0], x[1] = 1-math.Cos(t), 0.5-math.Sin(t)
		}
		x[0] += noise * rng.NormFloat64()
		x[1] += noise * rng.NormFloat64()
		d.Y[i] = float64(class)
	}
}

func fillBlobs(d *Dataset, k int, spread float64, rng *rand.Rand) {
	d.Target = "class"
	d.Classes = classLabels(k)
	centres := make([]float64, k*d.M)
	for i := range centres {
		centres[i] = uniform(-10, 10, rng)
	}
	for i := range d.N {
		class := i % k
		centre := centres[class*d.M : (class+1)*d.M]
		x := d.Row(i)
		for j := range x {
			x[j] = centre[j] + spread*rng.NormFloat64()
		}
		d.Y[i] = float64(class)
	}
}
