// Package choice says whether a value is one of a parameter's declared
// values. Values are compared as printed: a value read back from a store,
// a warm start or a command line may be another Go type (int64, float64)
// than the declared one, and must still match it.
package choice

import "fmt"

// Has reports whether v is one of values.
func Has(values []any, v any) bool {
	s := fmt.Sprint(v)
	for _, w := range values {
		if fmt.Sprint(w) == s {
			return true
		}
	}
	return false
}
