package results

// How values and ranges read in every table and report: one format, so
// that the same learning rate looks the same in the terminal, the
// dashboard and the HTML report.

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// FormatValue formats a number (or any parameter value) for humans, the same
// way in every table: about four significant digits, and e-notation outside
// [0.01, 10000), so that learning rates read as 1e-03 and 2.5e-05 and line
// up by exponent instead of by a count of zeros. Integers print in full,
// strings as they are, nil as "-".
func FormatValue(v any) string {
	switch x := v.(type) {
	case nil:
		return missing
	case float64:
		return formatFloat(x)
	case float32:
		return formatFloat(float64(x))
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case int32:
		return strconv.FormatInt(int64(x), 10)
	case uint64:
		return strconv.FormatUint(x, 10)
	case string:
		return x
	case fmt.Stringer:
		return x.String()
	default:
		return fmt.Sprint(x)
	}
}

func formatFloat(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case v == 0:
		return "0"
	case math.Abs(v) < 1e-2:
		return formatExp(v)
	}
	s := strconv.FormatFloat(v, 'g', 4, 64)
	if strings.ContainsRune(s, 'e') {
		// Large numbers (or 9999.9 rounding up) take the same e-notation
		// as small ones, not 'g''s "1e+04" with no padding rule.
		return formatExp(v)
	}
	return s
}

// formatExp writes v as mantissa e exponent with at most four significant
// digits and no trailing zeros: 1e-03, 2.5e-05, 1.235e+04.
func formatExp(v float64) string {
	s := strconv.FormatFloat(v, 'e', 3, 64)
	mant, exp, _ := strings.Cut(s, "e")
	if strings.ContainsRune(mant, '.') {
		mant = strings.TrimRight(strings.TrimRight(mant, "0"), ".")
	}
	return mant + "e" + exp
}

// FormatRange formats a round's range of one parameter: {a, b} for
// choices, [lo, hi] otherwise, in e-notation for log-scaled parameters so
// both ends read as powers of ten.
func FormatRange(r Range) string {
	if len(r.Choices) > 0 {
		parts := make([]string, len(r.Choices))
		for i, c := range r.Choices {
			parts[i] = FormatValue(c)
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	format := formatFloat
	if r.Log {
		format = func(v float64) string {
			if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
				return formatFloat(v)
			}
			return formatExp(v)
		}
	}
	return "[" + format(r.Low) + ", " + format(r.High) + "]"
}
