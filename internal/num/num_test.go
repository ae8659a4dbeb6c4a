package num

import "testing"

func TestFloat(t *testing.T) {
	for _, c := range []struct {
		v    any
		want float64
	}{{0.5, 0.5}, {int64(-3), -3}, {7, 7}} {
		if got, err := Float(c.v); err != nil || got != c.want {
			t.Errorf("Float(%#v) = %v, %v; want %v", c.v, got, err, c.want)
		}
	}
	for _, v := range []any{"1", nil, float32(1), true} {
		if _, err := Float(v); err == nil || err.Error() != "want a number, got "+typeName(v) {
			t.Errorf("Float(%#v): error %v", v, err)
		}
	}
}

func typeName(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case nil:
		return "<nil>"
	case float32:
		return "float32"
	}
	return "bool"
}
