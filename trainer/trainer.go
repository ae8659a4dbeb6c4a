// Package trainer trains one model by gradient descent for one set of
// hyperparameters and reports what happened; it also runs a trial as an
// external training program (Command: the program started in its own
// process group, its JSON metric lines read, its files kept).
//
// The vocabulary follows gonum's optimize package: Settings, the reason a
// run stopped as a value (StopReason), and caller-owned buffers so that the
// hot loop allocates nothing. Unlike gonum, no field of Settings has a
// zero-value default: every value is used as given (0 is 0), and a value
// that cannot be used is refused with an error naming its key. A diverged run is a Result, never an error:
// error means the run could not start (bad settings, shape mismatch).
//
// The package also holds the registry of the hyperparameters a study may
// search (Hyperparams: name, config key, type, default, rule, the
// optimisers and models that use each, a setter onto Settings). It lives
// here because the trainer is what knows which optimiser reads which
// setting and what a value must be; configs, which already imports
// trainer, builds its keys, rules, warnings and reference from it, and
// study's objective sets a trial's values through it.
package trainer

// Dataset is a design matrix and its targets. Datasets are shared read-only
// between concurrent trials: nothing in this package writes to X or Y after
// the set is built, so eight trials over one 100 MB set use 100 MB, not 800.
type Dataset struct {
	X        []float64 // row-major N×M features
	Y        []float64 // N targets; for classification the class index 0..K-1
	N, M     int
	Features []string // M column names
	Target   string
	Classes  []string // class labels by index; nil for regression
}

// Row returns row i of X without copying.
func (d *Dataset) Row(i int) []float64 { return d.X[i*d.M : (i+1)*d.M] }

// NumClasses is the number of classes, 0 for regression.
func (d *Dataset) NumClasses() int { return len(d.Classes) }

// Model computes a loss and its gradient for a weight vector over rows of a
// Dataset. A Model value owns its scratch buffers, so one value must not be
// used by two goroutines at once; make one per trial with NewModel. The data
// itself is never copied.
type Model interface {
	// NumWeights is the length of the weight vector.
	NumWeights() int
	// LossGrad returns the loss of w over the given rows of d (all rows when
	// rows is nil) and, when grad is non-nil, writes the gradient into grad
	// (len NumWeights). It must not modify w or d, and must not allocate.
	LossGrad(w []float64, d *Dataset, rows []int, grad []float64) float64
}
