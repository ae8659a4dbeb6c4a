// Package num reads a recorded parameter value as a number: values come
// from YAML, JSON, the stores and the Go API as float64, int64 or int, and
// the search space, the trainer's settings and the benchmark functions all
// need one float64 of them.
package num

import "fmt"

// Float is v as a float64, or an error naming v's type when v is not a
// number.
func Float(v any) (float64, error) {
	switch t := v.(type) {
	case float64:
		return t, nil
	case int64:
		return float64(t), nil
	case int:
		return float64(t), nil
	}
	return 0, fmt.Errorf("want a number, got %T", v)
}
