package gp

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// LOO writes into mean and sd the leave-one-out predictions at the model's
// own data points, in the units of the data: point i's prediction from the
// other n−1 under the same hyperparameters. A GP has them in closed form
// from K⁻¹ (Rasmussen & Williams, 2006, §5.4.2, eq. 5.12):
// μ₋ᵢ = yᵢ − [K⁻¹y]ᵢ/[K⁻¹]ᵢᵢ and σ²₋ᵢ = 1/[K⁻¹]ᵢᵢ (the noise included),
// so measuring how well the model predicts the study costs one inverse,
// not n refits. mean and sd must have Len() elements.
func (m *Model) LOO(mean, sd []float64) error {
	if len(mean) != m.n || len(sd) != m.n {
		return fmt.Errorf("%w: LOO of %d points into %d means and %d deviations", ErrData, m.n, len(mean), len(sd))
	}
	kinv := mat.NewSymDense(m.n, nil)
	if err := m.chol.InverseTo(kinv); err != nil {
		return fmt.Errorf("gp: LOO: %w", err)
	}
	a := m.alpha.RawVector().Data
	for i, y := range m.y {
		d := kinv.At(i, i)
		mean[i] = m.shift + m.scale*(y-a[i]/d)
		sd[i] = m.scale / math.Sqrt(d)
	}
	return nil
}
