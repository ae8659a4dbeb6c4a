package results

import (
	"encoding/json"
	"fmt"
	"math"
)

// Floor is a study's least-squares floor: for a model linear in its
// weights (linear, polynomial) under rss or mse, the loss at the weights
// least squares solves for in one step, computed once when the study
// starts (trainer.LeastSquares) and stored with it. TrainLoss is a true
// floor: no trial's training loss can be lower. ValidationLoss, the loss
// of the same weights on the validation split, is the mark to compare a
// trial's validation loss against, but not a bound: weights fitted less
// closely to the training rows can do better on the held-out ones.
type Floor struct {
	TrainLoss      float64
	ValidationLoss float64 // NaN without a validation split
}

// Of is the floor of the study's metric, the value a trial's Value is
// compared with: validation_loss (the built-in trainer's default; the
// training loss when there is no validation split, as a trial's value
// then is) or train_loss; ok is false for other metrics (accuracy, a
// command's own) and for a nil floor.
func (f *Floor) Of(metric string) (float64, bool) {
	if f == nil {
		return 0, false
	}
	switch metric {
	case "validation_loss":
		if math.IsNaN(f.ValidationLoss) {
			return f.TrainLoss, true
		}
		return f.ValidationLoss, true
	case "train_loss":
		return f.TrainLoss, true
	}
	return 0, false
}

// Gap is how far trial t's value is above the floor of the study's
// metric; ok is false when there is no floor for it or t has no finite
// value.
func (f *Floor) Gap(metric string, t Trial) (float64, bool) {
	floor, ok := f.Of(metric)
	if !ok || !t.Value.Measured() || math.IsInf(t.Value.Float(), 0) {
		return 0, false
	}
	return t.Value.Float() - floor, true
}

// FloorDoc is the floor in JSON documents and in the stores' column:
// validation_loss is null without a validation split.
type FloorDoc struct {
	TrainLoss      float64  `json:"train_loss"`
	ValidationLoss *float64 `json:"validation_loss"`
}

// Doc is f as a FloorDoc; nil for a nil floor.
func (f *Floor) Doc() *FloorDoc {
	if f == nil {
		return nil
	}
	return &FloorDoc{TrainLoss: f.TrainLoss, ValidationLoss: finite(f.ValidationLoss)}
}

// EncodeFloor is f's stored form: "" for none, else its FloorDoc's JSON.
func EncodeFloor(f *Floor) (string, error) {
	if f == nil {
		return "", nil
	}
	if math.IsNaN(f.TrainLoss) || math.IsInf(f.TrainLoss, 0) {
		return "", fmt.Errorf("floor: train loss %g is not a finite number", f.TrainLoss)
	}
	b, err := json.Marshal(f.Doc())
	if err != nil {
		return "", fmt.Errorf("floor: %w", err)
	}
	return string(b), nil
}

// DecodeFloor reads EncodeFloor's form back.
func DecodeFloor(s string) (*Floor, error) {
	if s == "" {
		return nil, nil
	}
	var d FloorDoc
	if err := json.Unmarshal([]byte(s), &d); err != nil {
		return nil, fmt.Errorf("floor %.60q: %w", s, err)
	}
	f := &Floor{TrainLoss: d.TrainLoss, ValidationLoss: math.NaN()}
	if d.ValidationLoss != nil {
		f.ValidationLoss = *d.ValidationLoss
	}
	return f, nil
}
