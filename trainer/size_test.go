package trainer

import (
	"errors"
	"math"
	"os"
	"testing"

	"github.com/hpsearch/hpsearch/internal/regular"
)

// A model over MaxWeights is refused before anything of its size is
// allocated (D2, D7: hidden [100000, 100000] asked for 80 GB, dimension
// 2^63-1 failed every trial with a makeslice panic); a CSV's width is
// known only here, so this is where a wide one meets the bound.
func TestMaxWeights(t *testing.T) {
	const m = 200_000 // a wide CSV (the probe's d30)
	wide := &Dataset{X: make([]float64, 2*m), Y: []float64{0, 1}, N: 2, M: m, Features: make([]string, m)}
	tests := []struct {
		name string
		spec ModelSpec
		d    *Dataset
		key  string
	}{
		{"mlp on a wide CSV", ModelSpec{Kind: KindMLP, Hidden: []int{100}, Activation: "tanh", Loss: LossMSE}, wide, "hidden"},
		{"mlp layers overflowing int", ModelSpec{Kind: KindMLP, Hidden: []int{1 << 32, 1 << 32}, Activation: "tanh", Loss: LossMSE}, wide, "hidden"},
		{"polynomial", ModelSpec{Kind: KindPolynomial, Degree: 100, Loss: LossMSE}, wide, "degree"},
		{"landscape", ModelSpec{Kind: KindFunction, Function: "rastrigin", Dimension: math.MaxInt}, nil, "dimension"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewModel(tt.spec, tt.d)
			var se *SettingError
			if !errors.As(err, &se) || se.Key != tt.key {
				t.Fatalf("NewModel = %v, want a SettingError on %s", err, tt.key)
			}
		})
	}
	if w := Weights(ModelSpec{Kind: KindMLP, Hidden: []int{1 << 40, 1 << 40}}, 1<<40, 0); w != math.MaxInt {
		t.Errorf("Weights saturates at %d, want math.MaxInt", w)
	}
	if w := Weights(ModelSpec{Kind: KindMLP, Hidden: []int{16}}, 3, 2); w != (3+1)*16+(16+1)*2 {
		t.Errorf("mlp 3-16-2 has %d weights, want %d", w, (3+1)*16+(16+1)*2)
	}
}

// D9: data.csv.path /dev/zero was read until memory ran out; a special
// file is refused before a byte is read.
func TestLoadCSVSpecialFile(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	_, err := LoadCSV("/dev/zero", CSVOptions{Target: "y"})
	var nr *regular.NotRegularError
	if !errors.As(err, &nr) {
		t.Fatalf("LoadCSV(/dev/zero) = %v, want a NotRegularError", err)
	}
}
