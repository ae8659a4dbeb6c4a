// Command trainprog is a small training program of the kind hpsearch's
// trainer.command runs: linear regression by mini-batch gradient descent on
// a CSV file (the diabetes data shipped in data/), printing one JSON line
// per epoch on stdout:
//
//	{"step": 3, "train_loss": 0.52, "val_loss": 0.49}
//
// Hyperparameters come as flags (--learning_rate=0.05 --epochs=20
// --batch_size=32 --l2=0), which is what "{args}" in trainer.command
// produces, or from a JSON file (--params=params.json, what
// "{params_file}" names). The seed is --seed, else HPSEARCH_SEED, so each
// trial shuffles its own way and a re-run gives the same numbers. Losses
// are mean squared errors on standardised targets: 1 is as good as
// predicting the mean. A learning rate too large makes them NaN or
// infinite, printed as Python prints them, which hpsearch reads as
// diverged.
package main

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
)

// settings are the program's hyperparameters and inputs.
type settings struct {
	LearningRate float64 `json:"learning_rate"`
	Epochs       int     `json:"epochs"`
	BatchSize    int     `json:"batch_size"`
	L2           float64 `json:"l2"`
	data         string
	target       string
	validation   float64
	seed         uint64
}

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "trainprog:", err)
		os.Exit(2)
	}
}

func run(args []string, stdout io.Writer) error {
	s, err := parseSettings(args)
	if err != nil {
		return err
	}
	x, y, err := loadCSV(s.data, s.target)
	if err != nil {
		return err
	}
	train, val := split(len(y), s.validation)
	standardize(x, y, train)
	return fit(x, y, train, val, s, stdout)
}

func parseSettings(args []string) (settings, error) {
	s := settings{LearningRate: 0.01, Epochs: 20, BatchSize: 32}
	fs := flag.NewFlagSet("trainprog", flag.ContinueOnError)
	fs.Float64Var(&s.LearningRate, "learning_rate", s.LearningRate, "step size")
	fs.IntVar(&s.Epochs, "epochs", s.Epochs, "passes over the training rows")
	fs.IntVar(&s.BatchSize, "batch_size", s.BatchSize, "rows per step")
	fs.Float64Var(&s.L2, "l2", 0, "weight decay")
	fs.StringVar(&s.data, "data", "data/diabetes.csv", "CSV file with a header row")
	fs.StringVar(&s.target, "target", "progression", "the column to predict")
	fs.Float64Var(&s.validation, "validation", 0.2, "fraction of rows held out")
	params := fs.String("params", "", "a JSON file of hyperparameters, read after the flags")
	seed := fs.String("seed", os.Getenv("HPSEARCH_SEED"), "shuffling seed (default $HPSEARCH_SEED, else 1)")
	if err := fs.Parse(args); err != nil {
		return s, err
	}
	if *params != "" {
		b, err := os.ReadFile(*params)
		if err != nil {
			return s, err
		}
		if err := json.Unmarshal(b, &s); err != nil {
			return s, fmt.Errorf("%s: %w", *params, err)
		}
	}
	s.seed = 1
	if *seed != "" {
		v, err := strconv.ParseUint(*seed, 10, 64)
		if err != nil {
			return s, fmt.Errorf("seed %q: %w", *seed, err)
		}
		s.seed = v
	}
	switch {
	case !(s.LearningRate > 0):
		return s, fmt.Errorf("learning_rate must be > 0, got %v", s.LearningRate)
	case s.Epochs < 1 || s.BatchSize < 1:
		return s, fmt.Errorf("epochs and batch_size must be >= 1, got %d and %d", s.Epochs, s.BatchSize)
	case !(s.validation > 0 && s.validation < 1):
		return s, fmt.Errorf("validation must be in (0, 1), got %v", s.validation)
	}
	return s, nil
}

// loadCSV reads every column but target as a feature.
func loadCSV(path, target string) (x [][]float64, y []float64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(rows) < 3 {
		return nil, nil, fmt.Errorf("%s: too few rows", path)
	}
	t := slices.Index(rows[0], target)
	if t < 0 {
		return nil, nil, fmt.Errorf("%s: no column %q", path, target)
	}
	for i, row := range rows[1:] {
		vals := make([]float64, 0, len(row))
		for _, cell := range row {
			v, err := strconv.ParseFloat(cell, 64)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: row %d: %w", path, i+2, err)
			}
			vals = append(vals, v)
		}
		y = append(y, vals[t])
		x = append(x, slices.Delete(vals, t, t+1))
	}
	return x, y, nil
}

// split holds out a fraction of the rows, drawn with a fixed seed: every
// trial is judged on the same validation rows, whatever its own seed.
func split(n int, frac float64) (train, val []int) {
	idx := rand.New(rand.NewPCG(0, 0)).Perm(n)
	nv := int(math.Round(frac * float64(n)))
	return idx[nv:], idx[:nv]
}

// standardize scales features and target to mean 0, variance 1 with the
// training rows' statistics only.
func standardize(x [][]float64, y []float64, train []int) {
	scale := func(get func(i int) float64, set func(i int, v float64)) {
		var mean, sq float64
		for _, i := range train {
			mean += get(i)
		}
		mean /= float64(len(train))
		for _, i := range train {
			sq += (get(i) - mean) * (get(i) - mean)
		}
		sd := math.Sqrt(sq / float64(len(train)))
		if sd == 0 {
			sd = 1
		}
		for i := range y {
			set(i, (get(i)-mean)/sd)
		}
	}
	for j := range x[0] {
		scale(func(i int) float64 { return x[i][j] }, func(i int, v float64) { x[i][j] = v })
	}
	scale(func(i int) float64 { return y[i] }, func(i int, v float64) { y[i] = v })
}

// fit runs mini-batch gradient descent on the mean squared error and
// prints the losses after every epoch.
func fit(x [][]float64, y []float64, train, val []int, s settings, out io.Writer) error {
	w := make([]float64, len(x[0])+1) // the last weight is the bias
	grad := make([]float64, len(w))
	rng := rand.New(rand.NewPCG(s.seed, 1))
	order := slices.Clone(train)
	for epoch := 1; epoch <= s.Epochs; epoch++ {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for start := 0; start < len(order); start += s.BatchSize {
			batch := order[start:min(start+s.BatchSize, len(order))]
			clear(grad)
			for _, i := range batch {
				r := predict(w, x[i]) - y[i]
				for j, v := range x[i] {
					grad[j] += 2 * r * v
				}
				grad[len(w)-1] += 2 * r
			}
			for j := range w {
				w[j] -= s.LearningRate * (grad[j]/float64(len(batch)) + 2*s.L2*w[j])
			}
		}
		trainLoss, valLoss := mse(w, x, y, train), mse(w, x, y, val)
		if _, err := fmt.Fprintf(out, `{"step": %d, "train_loss": %s, "val_loss": %s}`+"\n", epoch, number(trainLoss), number(valLoss)); err != nil {
			return err
		}
		if math.IsNaN(valLoss) || math.IsInf(valLoss, 0) {
			return errors.New("the loss diverged: lower the learning rate")
		}
	}
	return nil
}

func predict(w, row []float64) float64 {
	p := w[len(w)-1]
	for j, v := range row {
		p += w[j] * v
	}
	return p
}

func mse(w []float64, x [][]float64, y []float64, rows []int) float64 {
	var sum float64
	for _, i := range rows {
		r := predict(w, x[i]) - y[i]
		sum += r * r
	}
	return sum / float64(len(rows))
}

// number writes a float as JSON would, and NaN and ±Inf as Python's json
// module does: JSON has no spelling for them.
func number(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "Infinity"
	case math.IsInf(v, -1):
		return "-Infinity"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}
