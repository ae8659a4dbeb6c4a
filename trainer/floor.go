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
	if spec.Kind != KindLinear && spec.Kind != KindPolynomial {
		return Floor{}, fmt.Errorf("%w: model %s is not linear in its weights (only linear and polynomial are)", ErrNoFloor, spec.Kind)
	}
	if spec.Loss != LossRSS && spec.Loss != LossMSE {
		return Floor{}, fmt.Errorf("%w: loss %q is not a squared error (rss or mse)", ErrNoFloor, spec.Loss)
	}
	d := p.Train
	if err := checkDataset(d); err != nil {
		return Floor{}, fmt.Errorf("least squares: %w", err)
	}
	if d.NumClasses() > 0 {
		return Floor{}, fmt.Errorf("%w: the data set has classes", ErrNoFloor)
	}
	degree := 1
	if spec.Kind == KindPolynomial {
		if spec.Degree < 1 {
			return Floor{}, fmt.Errorf("least squares: %w", &SettingError{Key: "degree", Value: spec.Degree, Allowed: "1 or more"})
		}
		degree = spec.Degree
	}
	nw := d.M*degree + 1
	if nw > MaxFloorWeights {
		return Floor{}, fmt.Errorf("%w: the model has %d weights (at most %d)", ErrNoFloor, nw, MaxFloorWeights)
	}
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
				return Floor{}, fmt.Errorf("least squares: %w", err)
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
	rw := stack.Slice(0, nw, 0, nw)
	z := stack.Slice(0, nw, nw, cols)
	w := make([]float64, nw)
	var svd mat.SVD
	if !svd.Factorize(rw, mat.SVDThin) {
		return Floor{}, fmt.Errorf("least squares: the SVD of the %d×%d factor did not converge", nw, nw)
	}
	// numpy's lstsq cut-off: singular values below eps·max(rows, cols) of
	// the largest count as 0.
	rank := svd.Rank((math.Nextafter(1, 2) - 1) * float64(max(d.N, nw)))
	if rank > 0 {
		var sol mat.Dense
		svd.SolveTo(&sol, z, rank)
		for k := range w {
			w[k] = sol.At(k, 0)
		}
	}
	f := Floor{Weights: w, TrainLoss: squaredLoss(w, d, degree, spec.Loss == LossMSE), ValidationLoss: math.NaN()}
	if p.Validation != nil && p.Validation.N > 0 {
		f.ValidationLoss = squaredLoss(w, p.Validation, degree, spec.Loss == LossMSE)
	}
	return f, nil
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
