package trainer

import (
	"bufio"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func TestLoadCSVRealData(t *testing.T) {
	tests := []struct {
		name     string
		path     string
		opt      CSVOptions
		n, m     int
		features []string
		classes  []string
		firstX   []float64
		firstY   float64
	}{
		{
			name: "iris", path: "../data/iris.csv",
			opt: CSVOptions{Target: "species", Classification: true},
			n:   150, m: 4,
			features: []string{"sepal_length", "sepal_width", "petal_length", "petal_width"},
			classes:  []string{"setosa", "versicolor", "virginica"},
			firstX:   []float64{5.1, 3.5, 1.4, 0.2}, firstY: 0,
		},
		{
			name: "diabetes", path: "../data/diabetes.csv",
			opt: CSVOptions{Target: "progression"},
			n:   442, m: 10,
			features: []string{"age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"},
			firstX:   []float64{59, 2, 32.1, 101, 157, 93.2, 38, 4, 4.8598, 87}, firstY: 151,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := LoadCSV(tt.path, tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			checkShape(t, d, tt.n, tt.m)
			if !slices.Equal(d.Features, tt.features) {
				t.Errorf("Features = %v, want %v", d.Features, tt.features)
			}
			if !slices.Equal(d.Classes, tt.classes) {
				t.Errorf("Classes = %v, want %v", d.Classes, tt.classes)
			}
			if d.Target != tt.opt.Target {
				t.Errorf("Target = %q, want %q", d.Target, tt.opt.Target)
			}
			if !slices.Equal(d.Row(0), tt.firstX) || d.Y[0] != tt.firstY {
				t.Errorf("first row = %v → %v, want %v → %v", d.Row(0), d.Y[0], tt.firstX, tt.firstY)
			}
			if k := d.NumClasses(); k > 0 {
				counts := classCounts(d)
				for c, n := range counts {
					if n != tt.n/k {
						t.Errorf("class %q has %d rows, want %d", d.Classes[c], n, tt.n/k)
					}
				}
			}
		})
	}
}

func TestParseCSVColumns(t *testing.T) {
	const text = "id, a, b ,c,label\n" +
		"r1, 1, 2, 3, 10\n" +
		"r2, 4, 5, 6, 2\n" +
		"r3, 7, 8, 9, 1\n" +
		"r4, 0, 0, 0, 2\n"
	tests := []struct {
		name     string
		opt      CSVOptions
		features []string
		x        []float64
		y        []float64
		classes  []string
	}{
		{
			name:     "selected features in the given order skip the text column",
			opt:      CSVOptions{Target: "label", Features: []string{"c", "a"}},
			features: []string{"c", "a"},
			x:        []float64{3, 1, 6, 4, 9, 7, 0, 0},
			y:        []float64{10, 2, 1, 2},
		},
		{
			name:     "integer labels are sorted by value, not as text",
			opt:      CSVOptions{Target: "label", Features: []string{"b"}, Classification: true},
			features: []string{"b"},
			x:        []float64{2, 5, 8, 0},
			y:        []float64{2, 1, 0, 1},
			classes:  []string{"1", "2", "10"},
		},
		{
			name:     "the target can be any column",
			opt:      CSVOptions{Target: "a", Features: []string{"label"}},
			features: []string{"label"},
			x:        []float64{10, 2, 1, 2},
			y:        []float64{1, 4, 7, 0},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := ParseCSV(strings.NewReader(text), "x.csv", tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			checkShape(t, d, 4, len(tt.features))
			if !slices.Equal(d.Features, tt.features) || !slices.Equal(d.X, tt.x) ||
				!slices.Equal(d.Y, tt.y) || !slices.Equal(d.Classes, tt.classes) {
				t.Errorf("got features %v X %v Y %v classes %v\nwant features %v X %v Y %v classes %v",
					d.Features, d.X, d.Y, d.Classes, tt.features, tt.x, tt.y, tt.classes)
			}
		})
	}
}

// The class of a row must not depend on where in the file a label first
// appears, or two shuffles of one file would train different models.
func TestParseCSVLabelMappingIgnoresRowOrder(t *testing.T) {
	opt := CSVOptions{Target: "y", Classification: true}
	a, err := ParseCSV(strings.NewReader("x,y\n1,pear\n2,apple\n3,fig\n"), "a.csv", opt)
	if err != nil {
		t.Fatal(err)
	}
	b, err := ParseCSV(strings.NewReader("x,y\n3,fig\n1,pear\n2,apple\n"), "b.csv", opt)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"apple", "fig", "pear"}
	if !slices.Equal(a.Classes, want) || !slices.Equal(b.Classes, want) {
		t.Fatalf("Classes = %v and %v, want %v", a.Classes, b.Classes, want)
	}
	classOf := func(d *Dataset) map[float64]string {
		m := map[float64]string{}
		for i := range d.N {
			m[d.X[i]] = d.Classes[int(d.Y[i])]
		}
		return m
	}
	if ca, cb := classOf(a), classOf(b); fmt.Sprint(ca) != fmt.Sprint(cb) {
		t.Errorf("label of each row differs with row order: %v vs %v", ca, cb)
	}
}

func TestParseCSVErrors(t *testing.T) {
	reg := CSVOptions{Target: "y"}
	tests := []struct {
		name string
		text string
		opt  CSVOptions
		want string
	}{
		{"empty file", "", reg,
			`data/x.csv: empty file (a header row is required)`},
		{"header only", "a,b,y\n", reg,
			`data/x.csv:1: no data rows after the header`},
		{"target missing", "a,b,c\n1,2,3\n", CSVOptions{Target: "price"},
			`data/x.csv:1: target column "price" not found (columns: a, b, c)`},
		{"no target given", "a,b\n1,2\n", CSVOptions{},
			`data/x.csv:1: no target column given (columns: a, b)`},
		{"target is the only column", "y\n1\n", reg,
			`data/x.csv:1: no feature columns: the target "y" is the only column`},
		{"duplicate header", "a,b,a,y\n1,2,3,4\n", reg,
			`data/x.csv:1: duplicate column name "a" (columns 1 and 3)`},
		{"empty header name", "a,,y\n1,2,3\n", reg,
			`data/x.csv:1: column 2 has an empty name (a header row is required)`},
		{"feature missing", "a,b,y\n1,2,3\n", CSVOptions{Target: "y", Features: []string{"a", "bmi"}},
			`data/x.csv:1: feature column "bmi" not found (columns: a, b, y)`},
		{"feature is target", "a,b,y\n1,2,3\n", CSVOptions{Target: "y", Features: []string{"y"}},
			`data/x.csv:1: column "y" is the target and cannot also be a feature`},
		{"feature twice", "a,b,y\n1,2,3\n", CSVOptions{Target: "y", Features: []string{"a", "a"}},
			`data/x.csv:1: feature column "a" is listed twice`},
		{"short row", "a,b,c,y\n1,2,3,4\n1,2,3,4\n1,2,3,4\n1,2,3\n", reg,
			`data/x.csv:5: row has 3 fields, header has 4`},
		{"long row", "a,y\n1,2\n1,2,3\n", reg,
			`data/x.csv:3: row has 3 fields, header has 2`},
		{"text in a feature", "age,sex,bmi,bp,y\n" + strings.Repeat("1,2,3,4,5\n", 5) + "1,2,abc,4,5\n", reg,
			`data/x.csv:7: column "bmi" (3): "abc" is not a number`},
		{"empty feature cell", "a,b,y\n1,,3\n", reg,
			`data/x.csv:2: column "b" (2): empty cell (missing values are not supported)`},
		{"NaN feature", "a,b,y\n1,NaN,3\n", reg,
			`data/x.csv:2: column "b" (2): "NaN" is not a finite number`},
		{"overflowing feature", "a,b,y\n1,1e999,3\n", reg,
			`data/x.csv:2: column "b" (2): "1e999" is not a finite number`},
		{"text target for regression", "a,y\n1,2\n3,setosa\n", reg,
			`data/x.csv:3: column "y" (2): "setosa" is not a number (set classification for a column of class labels)`},
		{"empty class label", "a,y\n1,cat\n3, \n", CSVOptions{Target: "y", Classification: true},
			`data/x.csv:3: column "y" (2): empty cell (missing values are not supported)`},
		{"single class", "a,y\n1,cat\n3,cat\n", CSVOptions{Target: "y", Classification: true},
			`data/x.csv: target column "y" has 1 distinct label(s); classification needs at least 2`},
		{"stray quote", "a,y\n1,2\n1,2\"x\n", reg,
			`data/x.csv:3:4: bare " in non-quoted-field`},
		{"line counts survive blank lines and quoted newlines", "a,b,y\n\n1,\"multi\nline\",3\n", CSVOptions{Target: "y", Features: []string{"a"}},
			``},
		{"bad cell after a quoted newline", "a,b,y\n1,\"multi\nline\",3\n\n4,5,z\n", CSVOptions{Target: "y", Features: []string{"a"}},
			`data/x.csv:5: column "y" (3): "z" is not a number (set classification for a column of class labels)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := ParseCSV(strings.NewReader(tt.text), "data/x.csv", tt.opt)
			if tt.want == "" {
				if err != nil || d == nil || d.N != 1 {
					t.Fatalf("got %v, %v; want one row and no error", d, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("error\n got %q\nwant %q", err, tt.want)
			}
		})
	}
}

func TestLoadCSVErrorsNameTheFile(t *testing.T) {
	tests := []struct {
		path string
		want string
	}{
		{"testdata/ragged.csv", "testdata/ragged.csv:4: row has 2 fields, header has 3"},
		{"testdata/not-a-number.csv", `testdata/not-a-number.csv:3: column "b" (2): "n/a" is not a number`},
		{"testdata/no-such-file.csv", "testdata/no-such-file.csv"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			_, err := LoadCSV(tt.path, CSVOptions{Target: "y"})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestLoadCSVByteOrderMark(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bom.csv")
	if err := os.WriteFile(path, []byte("\ufeffa,y\n1,2\n3,4\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	d, err := LoadCSV(path, CSVOptions{Target: "y"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(d.Features, []string{"a"}) || !slices.Equal(d.X, []float64{1, 3}) {
		t.Errorf("Features %q X %v, want [a] [1 3]", d.Features, d.X)
	}
}

// preallocate's estimate may be too small; rows beyond it must still load.
func TestLoadCSVRowsLongerThanTheFirst(t *testing.T) {
	var b strings.Builder
	b.WriteString("a,y\n1,2\n")
	for i := range 500 {
		fmt.Fprintf(&b, "%d.000001,%d\n", 1000000+i, i)
	}
	path := filepath.Join(t.TempDir(), "grow.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	d, err := LoadCSV(path, CSVOptions{Target: "y"})
	if err != nil {
		t.Fatal(err)
	}
	checkShape(t, d, 501, 1)
	if d.Y[500] != 499 || d.X[500] != 1000499.000001 {
		t.Errorf("last row = %v → %v", d.X[500], d.Y[500])
	}
}

func TestSyntheticShapesAndDefaults(t *testing.T) {
	tests := []struct {
		opt     SyntheticOptions
		n, m    int
		classes int
	}{
		{SyntheticOptions{Kind: "linear"}, 1000, 1, 0},
		{SyntheticOptions{Kind: "linear", Samples: 50, Features: 8, Noise: 0.1}, 50, 8, 0},
		{SyntheticOptions{Kind: "polynomial", Samples: 20, Features: 3}, 20, 3, 0},
		{SyntheticOptions{Kind: "sine"}, 1000, 1, 0},
		{SyntheticOptions{Kind: "moons", Samples: 11}, 11, 2, 2},
		{SyntheticOptions{Kind: "blobs"}, 1000, 2, 3},
		{SyntheticOptions{Kind: "blobs", Samples: 40, Features: 5, Classes: 4}, 40, 5, 4},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%+v", tt.opt), func(t *testing.T) {
			d, err := Synthetic(tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			checkShape(t, d, tt.n, tt.m)
			if d.NumClasses() != tt.classes {
				t.Errorf("%d classes, want %d", d.NumClasses(), tt.classes)
			}
			if d.Features[tt.m-1] != "x"+strconv.Itoa(tt.m-1) {
				t.Errorf("Features = %v", d.Features)
			}
			for i, y := range d.Y {
				if tt.classes > 0 && (y != math.Trunc(y) || y < 0 || int(y) >= tt.classes) {
					t.Fatalf("Y[%d] = %v is not a class index below %d", i, y, tt.classes)
				}
			}
		})
	}
}

func TestSyntheticDeterminism(t *testing.T) {
	for _, kind := range SyntheticKinds {
		t.Run(kind, func(t *testing.T) {
			opt := SyntheticOptions{Kind: kind, Samples: 100, Noise: 0.1, Seed: 7}
			a, errA := Synthetic(opt)
			b, errB := Synthetic(opt)
			opt.Seed = 8
			c, errC := Synthetic(opt)
			if errA != nil || errB != nil || errC != nil {
				t.Fatal(errA, errB, errC)
			}
			if !slices.Equal(a.X, b.X) || !slices.Equal(a.Y, b.Y) {
				t.Error("same seed gave different data")
			}
			if slices.Equal(a.X, c.X) {
				t.Error("different seeds gave the same features")
			}
		})
	}
}

func TestSyntheticClassBalance(t *testing.T) {
	tests := []struct {
		opt  SyntheticOptions
		want []int
	}{
		{SyntheticOptions{Kind: "moons", Samples: 101, Seed: 1}, []int{51, 50}},
		{SyntheticOptions{Kind: "blobs", Samples: 300, Seed: 1}, []int{100, 100, 100}},
		{SyntheticOptions{Kind: "blobs", Samples: 10, Classes: 4, Seed: 1}, []int{3, 3, 2, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.opt.Kind, func(t *testing.T) {
			d, err := Synthetic(tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			if got := classCounts(d); !slices.Equal(got, tt.want) {
				t.Errorf("class counts %v, want %v", got, tt.want)
			}
		})
	}
}

// Least squares on [X 1] must recover a linear set down to its noise: the
// residual variance is ≈ noise², and 0 for noiseless data.
func TestSyntheticLinearIsLinear(t *testing.T) {
	for _, noise := range []float64{0, 0.1, 0.5} {
		t.Run(fmt.Sprint(noise), func(t *testing.T) {
			d, err := Synthetic(SyntheticOptions{Kind: "linear", Samples: 4000, Features: 5, Noise: noise, Seed: 3})
			if err != nil {
				t.Fatal(err)
			}
			got := leastSquaresResidualVariance(t, d.N, d.M+1, func(i int, row []float64) {
				copy(row, d.Row(i))
				row[d.M] = 1
			}, d.Y)
			checkResidualVariance(t, got, noise)
		})
	}
}

// Noiseless polynomial data is fitted exactly by the powers 1..Degree of
// each feature, and not by a lower degree.
func TestSyntheticPolynomialDegree(t *testing.T) {
	const m, degree = 2, 4
	d, err := Synthetic(SyntheticOptions{Kind: "polynomial", Samples: 500, Features: m, Degree: degree, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	powers := func(upTo int) func(int, []float64) {
		return func(i int, row []float64) {
			row[0] = 1
			for j, x := range d.Row(i) {
				p := 1.0
				for k := range upTo {
					p *= x
					row[1+j*upTo+k] = p
				}
			}
		}
	}
	if v := leastSquaresResidualVariance(t, d.N, 1+m*degree, powers(degree), d.Y); v > 1e-20 {
		t.Errorf("degree-%d fit leaves residual variance %g, want 0", degree, v)
	}
	if v := leastSquaresResidualVariance(t, d.N, 1+m*(degree-1), powers(degree-1), d.Y); v < 1e-6 {
		t.Errorf("degree-%d fit leaves residual variance %g; the data is not of degree %d", degree-1, v, degree)
	}
}

func TestSyntheticNoiselessGeometry(t *testing.T) {
	tests := []struct {
		opt      SyntheticOptions
		residual func(x []float64, y float64) float64 // 0 on the noiseless curve
	}{
		{SyntheticOptions{Kind: "sine", Samples: 200}, func(x []float64, y float64) float64 {
			return y - math.Sin(2*math.Pi*x[0])
		}},
		{SyntheticOptions{Kind: "sine", Samples: 200, Features: 3}, func(x []float64, y float64) float64 {
			return y - math.Sin(2*math.Pi*x[0]) - 0.1*math.Sin(2*math.Pi*x[1]) - 0.1*math.Sin(2*math.Pi*x[2])
		}},
		{SyntheticOptions{Kind: "moons", Samples: 200}, func(x []float64, y float64) float64 {
			if y == 0 { // upper half of the unit circle
				return math.Hypot(x[0], x[1]) - 1 + math.Min(x[1], 0)
			}
			return math.Hypot(x[0]-1, x[1]-0.5) - 1 + math.Max(x[1]-0.5, 0)
		}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%d", tt.opt.Kind, tt.opt.Features), func(t *testing.T) {
			d, err := Synthetic(tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			for i := range d.N {
				if r := tt.residual(d.Row(i), d.Y[i]); math.Abs(r) > 1e-12 {
					t.Fatalf("row %d (%v → %v) is off the curve by %g", i, d.Row(i), d.Y[i], r)
				}
			}
			if tt.opt.Kind == "sine" && (slices.Min(d.X) < 0 || slices.Max(d.X) >= 1) {
				t.Errorf("sine features outside [0, 1): %v..%v", slices.Min(d.X), slices.Max(d.X))
			}
		})
	}
}

// Blobs are clusters: almost every point is nearer its own class's mean
// than any other's, and the spread is the Noise (1 by default).
func TestSyntheticBlobsAreClusters(t *testing.T) {
	for _, noise := range []float64{0, 0.5} {
		t.Run(fmt.Sprint(noise), func(t *testing.T) {
			d, err := Synthetic(SyntheticOptions{Kind: "blobs", Samples: 600, Features: 3, Classes: 3, Noise: noise, Seed: 11})
			if err != nil {
				t.Fatal(err)
			}
			means := classMeans(d)
			correct, spread := 0, 0.0
			for i := range d.N {
				best, bestDist := -1, math.Inf(1)
				for c, mu := range means {
					if dist := sqDist(d.Row(i), mu); dist < bestDist {
						best, bestDist = c, dist
					}
				}
				if best == int(d.Y[i]) {
					correct++
				}
				spread += sqDist(d.Row(i), means[int(d.Y[i])])
			}
			if acc := float64(correct) / float64(d.N); acc < 0.95 {
				t.Errorf("nearest-centre accuracy %.3f, want ≥ 0.95", acc)
			}
			wantStd := noise
			if noise == 0 {
				wantStd = 1
			}
			if std := math.Sqrt(spread / float64(d.N*d.M)); math.Abs(std-wantStd) > 0.1*wantStd {
				t.Errorf("cluster std %.3f, want ≈ %v", std, wantStd)
			}
		})
	}
}

func TestSyntheticErrors(t *testing.T) {
	tests := []struct {
		opt  SyntheticOptions
		want string
	}{
		{SyntheticOptions{Kind: "spiral"}, `unknown kind "spiral" (allowed: linear, polynomial, sine, moons, blobs)`},
		{SyntheticOptions{}, `unknown kind ""`},
		{SyntheticOptions{Kind: "linear", Samples: -1}, "samples -1 is negative"},
		{SyntheticOptions{Kind: "linear", Features: -2}, "features -2 is negative"},
		{SyntheticOptions{Kind: "linear", Noise: -0.1}, "noise -0.1 is not allowed"},
		{SyntheticOptions{Kind: "sine", Noise: math.NaN()}, "noise NaN is not allowed"},
		{SyntheticOptions{Kind: "linear", Degree: 2}, "only for kind polynomial"},
		{SyntheticOptions{Kind: "polynomial", Degree: -1}, "degree -1 is not allowed"},
		{SyntheticOptions{Kind: "linear", Classes: 2}, "only for kinds moons and blobs"},
		{SyntheticOptions{Kind: "moons", Classes: 3}, "moons has exactly 2"},
		{SyntheticOptions{Kind: "moons", Features: 3}, "moons has exactly 2"},
		{SyntheticOptions{Kind: "blobs", Classes: 1}, "classes 1 is not allowed"},
		{SyntheticOptions{Kind: "blobs", Samples: 2, Classes: 5}, "samples 2 is fewer than the 5 classes"},
		{SyntheticOptions{Kind: "linear", Samples: 1 << 40, Features: 10}, "cells allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			d, err := Synthetic(tt.opt)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Synthetic(%+v) = %v, %v; want an error containing %q", tt.opt, d, err, tt.want)
			}
		})
	}
}

func TestSplit(t *testing.T) {
	tests := []struct {
		n          int
		validation float64
		nTrain     int
	}{
		{100, 0.2, 80},
		{10, 0.25, 8}, // round(7.5) = 8
		{3, 0.5, 2},   // round(1.5) = 2
		{2, 0.5, 1},
		{2, 0.01, 1}, // rounds to 2, but validation may not be empty
		{5, 0.99, 1}, // rounds to 0, but training may not be empty
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d×%v", tt.n, tt.validation), func(t *testing.T) {
			d := indexedDataset(tt.n, 3)
			before := cloneDataset(d)
			train, val, err := Split(d, tt.validation, 9)
			if err != nil {
				t.Fatal(err)
			}
			checkShape(t, train, tt.nTrain, 3)
			checkShape(t, val, tt.n-tt.nTrain, 3)
			checkUnchanged(t, d, before)
			seen := make([]int, tt.n)
			for _, part := range []*Dataset{train, val} {
				for i := range part.N {
					r := int(part.Y[i])
					seen[r]++
					if !slices.Equal(part.Row(i), d.Row(r)) {
						t.Fatalf("row for Y=%d is %v, want %v", r, part.Row(i), d.Row(r))
					}
				}
				if !slices.Equal(part.Features, d.Features) || !slices.Equal(part.Classes, d.Classes) {
					t.Errorf("names not kept: %v %v", part.Features, part.Classes)
				}
			}
			for r, k := range seen {
				if k != 1 {
					t.Fatalf("row %d appears %d times across the splits, want once", r, k)
				}
			}
		})
	}
}

func TestSplitIsSeeded(t *testing.T) {
	d := indexedDataset(50, 2)
	a, _, errA := Split(d, 0.3, 1)
	b, _, errB := Split(d, 0.3, 1)
	c, _, errC := Split(d, 0.3, 2)
	if errA != nil || errB != nil || errC != nil {
		t.Fatal(errA, errB, errC)
	}
	if !slices.Equal(a.Y, b.Y) {
		t.Error("same seed gave different splits")
	}
	if slices.Equal(a.Y, c.Y) {
		t.Error("different seeds gave the same split")
	}
	if slices.IsSorted(a.Y) {
		t.Error("training rows are in their original order: not shuffled")
	}
}

func TestSplitNoValidation(t *testing.T) {
	d := indexedDataset(1, 2)
	train, val, err := Split(d, 0, 1)
	if err != nil || train != d || val != nil {
		t.Errorf("Split(d, 0) = %p, %v, %v; want d itself, nil, nil", train, val, err)
	}
}

func TestSplitErrors(t *testing.T) {
	tests := []struct {
		name       string
		d          *Dataset
		validation float64
		want       string
	}{
		{"nil", nil, 0.2, "no data set"},
		{"negative", indexedDataset(10, 1), -0.1, "validation fraction -0.1 is outside [0, 1)"},
		{"one", indexedDataset(10, 1), 1, "validation fraction 1 is outside [0, 1)"},
		{"NaN", indexedDataset(10, 1), math.NaN(), "validation fraction NaN is outside [0, 1)"},
		{"one row", indexedDataset(1, 1), 0.5, "1 row(s) cannot be split"},
		{"no rows", indexedDataset(0, 1), 0.5, "0 row(s) cannot be split"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Split(tt.d, tt.validation, 1)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestStandardizer(t *testing.T) {
	// Column 0 ~ N(5, 2²) in both splits; column 1 is constant in train;
	// column 2 has a different location in validation, which must not be
	// centred by its own mean.
	rng := rand.New(rand.NewPCG(4, 0))
	makeSet := func(n int, shift float64) *Dataset {
		d := &Dataset{X: make([]float64, n*3), Y: make([]float64, n), N: n, M: 3, Features: []string{"a", "b", "c"}}
		for i := range n {
			row := d.Row(i)
			row[0] = 5 + 2*rng.NormFloat64()
			row[1] = 7
			row[2] = 1e6 + shift + rng.NormFloat64()
			d.Y[i] = rng.NormFloat64()
		}
		return d
	}
	train, val := makeSet(400, 0), makeSet(100, 10)
	trainBefore, valBefore := cloneDataset(train), cloneDataset(val)

	s := FitStandardizer(train)
	st, sv := s.Apply(train), s.Apply(val)
	checkUnchanged(t, train, trainBefore)
	checkUnchanged(t, val, valBefore)
	if s.Std[1] != 1 {
		t.Errorf("constant column Std = %v, want 1", s.Std[1])
	}
	for j := range 3 {
		mean, std := columnStats(st, j)
		wantStd := 1.0
		if j == 1 {
			wantStd = 0 // a constant column centres to zeros
		}
		if math.Abs(mean) > 1e-9 || math.Abs(std-wantStd) > 1e-9 {
			t.Errorf("standardised train column %d: mean %g std %g, want 0 and %v", j, mean, std, wantStd)
		}
	}
	for i := range val.N {
		for j, x := range val.Row(i) {
			if want := (x - s.Mean[j]) / s.Std[j]; sv.Row(i)[j] != want {
				t.Fatalf("val[%d][%d] = %v, want %v (train statistics)", i, j, sv.Row(i)[j], want)
			}
		}
	}
	if mean, _ := columnStats(sv, 2); math.Abs(mean-10) > 1 {
		t.Errorf("shifted validation column has mean %v after scaling, want ≈ 10: fitted on the wrong split?", mean)
	}
	if !slices.Equal(st.Y, train.Y) || !slices.Equal(sv.Y, val.Y) {
		t.Error("targets were scaled")
	}
}

func TestStandardizerNil(t *testing.T) {
	d := indexedDataset(3, 2)
	if s := FitStandardizer(nil); s != nil {
		t.Errorf("FitStandardizer(nil) = %v, want nil", s)
	}
	var s *Standardizer
	if got := s.Apply(d); got != d {
		t.Error("a nil Standardizer is not the identity")
	}
	if got := FitStandardizer(d).Apply(nil); got != nil {
		t.Errorf("Apply(nil) = %v, want nil", got)
	}
	empty := &Dataset{M: 2, Features: []string{"a", "b"}}
	if s := FitStandardizer(empty); !slices.Equal(s.Mean, []float64{0, 0}) || !slices.Equal(s.Std, []float64{1, 1}) {
		t.Errorf("empty fit = %+v, want the identity", s)
	}
}

func ExampleParseCSV() {
	text := `area,rooms,kind
	50,2,flat
	120,5,house
	70,3,flat`
	d, err := ParseCSV(strings.NewReader(text), "homes.csv", CSVOptions{Target: "kind", Classification: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(d.N, d.M, d.Features, d.Classes, d.Y)

	_, err = ParseCSV(strings.NewReader(text), "homes.csv", CSVOptions{Target: "price"})
	fmt.Println(err)
	// Output:
	// 3 2 [area rooms] [flat house] [0 1 0]
	// homes.csv:1: target column "price" not found (columns: area, rooms, kind)
}

func BenchmarkLoadCSV(b *testing.B) {
	const rows, cols = 100_000, 10
	path := filepath.Join(b.TempDir(), "big.csv")
	writeBenchCSV(b, path, rows, cols)
	info, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(info.Size())
	b.ReportAllocs()
	for b.Loop() {
		d, err := LoadCSV(path, CSVOptions{Target: "y"})
		if err != nil || d.N != rows {
			b.Fatal(d, err)
		}
	}
}

func writeBenchCSV(b *testing.B, path string, rows, cols int) {
	b.Helper()
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	for j := range cols {
		fmt.Fprintf(w, "x%d,", j)
	}
	fmt.Fprintln(w, "y")
	rng := rand.New(rand.NewPCG(1, 2))
	for range rows {
		for range cols {
			fmt.Fprintf(w, "%.6g,", rng.NormFloat64())
		}
		fmt.Fprintf(w, "%.6g\n", rng.NormFloat64())
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
}

// indexedDataset has Y[i] = i, so tests can tell where each row went.
func indexedDataset(n, m int) *Dataset {
	d := &Dataset{X: make([]float64, n*m), Y: make([]float64, n), N: n, M: m, Target: "i", Classes: []string{"a", "b"}}
	for j := range m {
		d.Features = append(d.Features, "f"+strconv.Itoa(j))
	}
	for i := range n {
		d.Y[i] = float64(i)
		for j := range m {
			d.X[i*m+j] = float64(i*100 + j)
		}
	}
	return d
}

func cloneDataset(d *Dataset) *Dataset {
	c := *d
	c.X, c.Y = slices.Clone(d.X), slices.Clone(d.Y)
	c.Features, c.Classes = slices.Clone(d.Features), slices.Clone(d.Classes)
	return &c
}

func checkUnchanged(t *testing.T, d, before *Dataset) {
	t.Helper()
	if d.N != before.N || d.M != before.M || !slices.Equal(d.X, before.X) || !slices.Equal(d.Y, before.Y) ||
		!slices.Equal(d.Features, before.Features) || !slices.Equal(d.Classes, before.Classes) {
		t.Error("input data set was modified")
	}
}

func checkShape(t *testing.T, d *Dataset, n, m int) {
	t.Helper()
	if d == nil {
		t.Fatalf("nil data set, want %d×%d", n, m)
	}
	if d.N != n || d.M != m || len(d.X) != n*m || len(d.Y) != n || len(d.Features) != m {
		t.Fatalf("shape N=%d M=%d len(X)=%d len(Y)=%d len(Features)=%d, want %d×%d",
			d.N, d.M, len(d.X), len(d.Y), len(d.Features), n, m)
	}
}

func classCounts(d *Dataset) []int {
	counts := make([]int, d.NumClasses())
	for _, y := range d.Y {
		counts[int(y)]++
	}
	return counts
}

func classMeans(d *Dataset) [][]float64 {
	means := make([][]float64, d.NumClasses())
	for c := range means {
		means[c] = make([]float64, d.M)
	}
	counts := classCounts(d)
	for i := range d.N {
		c := int(d.Y[i])
		for j, x := range d.Row(i) {
			means[c][j] += x / float64(counts[c])
		}
	}
	return means
}

func sqDist(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += (a[i] - b[i]) * (a[i] - b[i])
	}
	return s
}

// columnStats is the mean and population standard deviation of column j.
func columnStats(d *Dataset, j int) (mean, std float64) {
	for i := range d.N {
		mean += d.Row(i)[j]
	}
	mean /= float64(d.N)
	for i := range d.N {
		std += (d.Row(i)[j] - mean) * (d.Row(i)[j] - mean)
	}
	return mean, math.Sqrt(std / float64(d.N))
}

// leastSquaresResidualVariance fits y ≈ A·β with A's rows filled by row
// (n×k) and returns the mean squared residual.
func leastSquaresResidualVariance(t *testing.T, n, k int, row func(i int, dst []float64), y []float64) float64 {
	t.Helper()
	a := mat.NewDense(n, k, nil)
	for i := range n {
		row(i, a.RawRowView(i))
	}
	yv := mat.NewVecDense(n, slices.Clone(y))
	var beta, fitted mat.VecDense
	if err := beta.SolveVec(a, yv); err != nil {
		t.Fatalf("least squares: %v", err)
	}
	fitted.MulVec(a, &beta)
	fitted.SubVec(yv, &fitted)
	return mat.Dot(&fitted, &fitted) / float64(n)
}

func checkResidualVariance(t *testing.T, got, noise float64) {
	t.Helper()
	want := noise * noise
	if noise == 0 {
		if got > 1e-20 {
			t.Errorf("noiseless residual variance %g, want 0", got)
		}
		return
	}
	if math.Abs(got-want) > 0.1*want {
		t.Errorf("residual variance %g, want ≈ noise² = %g", got, want)
	}
}
