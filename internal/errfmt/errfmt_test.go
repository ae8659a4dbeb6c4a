package errfmt

import (
	"errors"
	"testing"
)

func TestOneLine(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"plain", "plain"},
		{"failed to connect:\n\thost=a: refused\n\thost=b:  refused", "failed to connect:; host=a: refused; host=b: refused"},
	} {
		if got := OneLine(errors.New(c.in)); got != c.want {
			t.Errorf("OneLine(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
