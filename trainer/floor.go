package trainer

import (
	"context"
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/lapack64"
	"gonum.org/v1/gonum/mat"
)

// ErrNoFloor is returned (wrapped, with the reason) by LeastSquares for a
// model whose best weights it cannot compute directly.
var ErrNoFloor = errors.New("no least-squares floor")

// MaxFloorWeights bounds the weights LeastSquares solves for: its work
// grows with their square per row.
const MaxFloorWeights = 2000

// floorBlock is how many rows LeastSquares folds into its factorisation
// at a time; its memory is (weights + 1 + floorBlock) × (weights + 1).
const floorBlock = 512

// Floor is the least-squares solution of a model that is linear in its
// weights under a squared loss: the weights with the lowest training loss
// there are, which gradient descent can approach but never beat (the
// lecture's other optimiser, solved in one step).
type Floor struct {
	Weights []float64
	// TrainLoss is the loss (rss or mse, as the model's) on the training
	// split at those weights: a true lower bound on any trial's training
	// loss.
	TrainLoss float64
	// ValidationLoss is the loss on the validation split at the same
	// weights; NaN without one. It is not a bound: weights fitted worse on
	// the training rows may do better on the held-out ones.
	ValidationLoss float64
}

// LeastSquares solves for the weights of spec on p.Train with the lowest
// rss (which are also those of the lowest mse): linear models, and
// polynomial ones, whose powers of the features enter linearly. Other
// kinds and losses, and models of more than MaxFloorWeights weights, are
// ErrNoFloor. The rows are folded a block at a time into the triangular
// factor of a QR factorisation (stable like a QR of the whole matrix, but
// without a copy of the data), whose small triangular system is then
// solved through its SVD, so a rank-deficient design (a constant column,
// a 0/1 feature's equal powers) gets the minimum-norm solution.
func LeastSquares(ctx context.Context, spec ModelSpec, p Problem) (Floor, error) {
	d := p.Train
	degree, err := floorDegree(spec, d)
	if err != nil {
		return Floor{}, err
	}
	nw := d.M*degree + 1
	if nw > MaxFloorWeights {
		return Floor{}, fmt.Errorf("%w: the model has %d weights (at most %d)", ErrNoFloor, nw, MaxFloorWeights)
	}
	stack, err := foldQR(ctx, d, degree, nw)
	if err != nil {
		return Floor{}, err
	}
	w, err := solveFactor(stack, nw, d.N)
	if err != nil {
		return Floor{}, err
	}
	f := Floor{Weights: w, TrainLoss: squaredLoss(w, d, degree, spec.Loss == LossMSE), ValidationLoss: math.NaN()}
	if p.Validation != nil && p.Validation.N > 0 {
		f.ValidationLoss = squaredLoss(w, p.Validation, degree, spec.Loss == LossMSE)
	}
	return f, nil
}

// floorDegree is the polynomial degree of the design (1 for a linear
// model), or why spec on d has no least-squares floor. The checks come
// before any work so a model without a floor costs nothing.
func floorDegree(spec ModelSpec, d *Dataset) (int, error) {
	if spec.Kind != KindLinear && spec.Kind != KindPolynomial {
		return 0, fmt.Errorf("%w: model %s is not linear in its weights (only linear and polynomial are)", ErrNoFloor, spec.Kind)
	}
	if spec.Loss != LossRSS && spec.Loss != LossMSE {
		return 0, fmt.Errorf("%w: loss %q is not a squared error (rss or mse)", ErrNoFloor, spec.Loss)
	}
	if err := checkDataset(d); err != nil {
		return 0, fmt.Errorf("least squares: %w", err)
	}
	if d.NumClasses() > 0 {
		return 0, fmt.Errorf("%w: the data set has classes", ErrNoFloor)
	}
	if spec.Kind != KindPolynomial {
		return 1, nil
	}
	if spec.Degree < 1 {
		return 0, fmt.Errorf("least squares: %w", &SettingError{Key: "degree", Value: spec.Degree, Allowed: "1 or more"})
	}
	return spec.Degree, nil
}

// foldQR returns the triangular factor of [A | y], A being d's design of
// nw columns (each feature's powers up to degree, then a 1), in the first
// nw+1 rows of the matrix. Folding a block of rows at a time keeps the
// memory at a block, not the whole design.
func foldQR(ctx context.Context, d *Dataset, degree, nw int) (*mat.Dense, error) {
	design := func(x, row []float64) {
		for j, xj := range x {
			pow := xj
			for q := range degree {
				row[j*degree+q] = pow
				pow *= xj
			}
		}
		row[nw-1] = 1
	}

	// stack holds the triangular factor of [A | y] so far in its first
	// nw+1 rows; the block's rows go below them. LAPACK's QR works in
	// place, so a fold allocates nothing.
	cols := nw + 1
	stack := mat.NewDense(cols+floorBlock, cols, nil)
	raw := stack.RawMatrix()
	tau := make([]float64, cols)
	work := []float64{0}
	lapack64.Geqrf(raw, tau, work, -1) // the workspace the largest fold needs
	work = make([]float64, int(work[0]))
	filled := 0
	fold := func() {
		rows := cols + filled
		lapack64.Geqrf(blas64.General{Rows: rows, Cols: cols, Stride: raw.Stride, Data: raw.Data[:rows*raw.Stride]}, tau, work, len(work))
		// R is the upper triangle; below it are the reflectors, cleared.
		for i := 1; i < cols; i++ {
			clear(raw.Data[i*raw.Stride : i*raw.Stride+i])
		}
		filled = 0
	}
	for i := range d.N {
		if i%floorBlock == 0 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("least squares: %w", err)
			}
		}
		row := stack.RawRowView(cols + filled)
		design(d.Row(i), row[:nw])
		row[nw] = d.Y[i]
		filled++
		if filled == floorBlock {
			fold()
		}
	}
	if filled > 0 {
		fold()
	}
	return stack, nil
}

// solveFactor solves the folded triangular system R·w = z of nw weights
// (n rows went into it) through the SVD of R rather than by substitution,
// so a rank-deficient design gets the minimum-norm solution instead of
// infinities.
func solveFactor(stack *mat.Dense, nw, n int) ([]float64, error) {
	rw := stack.Slice(0, nw, 0, nw)
	z := stack.Slice(0, nw, nw, nw+1)
	w := make([]float64, nw)
	var svd mat.SVD
	if !svd.Factorize(rw, mat.SVDThin) {
		return nil, fmt.Errorf("least squares: the SVD of the %d×%d factor did not converge", nw, nw)
	}
	// numpy's lstsq cut-off: singular values below eps·max(rows, cols) of
	// the largest count as 0.
	rank := svd.Rank((math.Nextafter(1, 2) - 1) * float64(max(n, nw)))
	if rank > 0 {
		var sol mat.Dense
		svd.SolveTo(&sol, z, rank)
		for k := range w {
			w[k] = sol.At(k, 0)
		}
	}
	return w, nil
}

// squaredLoss is the model's loss at w over every row of d, as LossGrad
// computes it: rss, or rss/n for mse.
func squaredLoss(w []float64, d *Dataset, degree int, mse bool) float64 {
	nw := len(w)
	var rss float64
	for i := range d.N {
		y := w[nw-1]
		for j, xj := range d.Row(i) {
			pow := xj
			for q := range degree {
				y += w[j*degree+q] * pow
				pow *= xj
			}
		}
		r := y - d.Y[i]
		rss += r * r
	}
	if mse && d.N > 0 {
		return rss / float64(d.N)
	}
	return rss
}
