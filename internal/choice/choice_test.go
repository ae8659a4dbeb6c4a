package choice

import "testing"

func TestHas(t *testing.T) {
	values := []any{"adam", int64(32), 0.5}
	for _, v := range []any{"adam", 32, int64(32), float64(32), 0.5} {
		if !Has(values, v) {
			t.Errorf("Has(%v, %#v) = false, want true", values, v)
		}
	}
	for _, v := range []any{"sgd", 33, 0.25, nil} {
		if Has(values, v) {
			t.Errorf("Has(%v, %#v) = true, want false", values, v)
		}
	}
	if Has(nil, "adam") {
		t.Error("Has(nil, adam) = true")
	}
}
