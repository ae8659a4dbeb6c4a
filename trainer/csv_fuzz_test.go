package trainer

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestCSVErrorsQuoteAShortPrefix is issue 16's 50 MB cell, which came back
// whole in the error line; so did every name of a very wide header.
func TestCSVErrorsQuoteAShortPrefix(t *testing.T) {
	huge := strings.Repeat("é", 1<<19) // a megabyte, and a cut that must not split a character
	wide := make([]string, 100000)
	for i := range wide {
		wide[i] = fmt.Sprintf("column %d", i)
	}
	for _, tc := range []struct {
		name, csv, target, want string
	}{
		{"huge cell", "a,y\n1,2\n" + huge + ",3\n", "y", `data.csv:3: column "a" (1): "éé`},
		{"huge target cell", "a,y\n1," + huge + "\n", "y", `is not a number (set classification`},
		{"huge column name", "a,y," + huge + "\n1,2,x\n", "y", `column "éé`},
		{"huge duplicate name", huge + ",y," + huge + "\n1,2,3\n", "y", "duplicate column name"},
		{"missing target among many columns", strings.Join(wide, ",") + "\n", "y", "(100000 columns)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseCSV(strings.NewReader(tc.csv), "data.csv", CSVOptions{Target: tc.target})
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			if len(msg) > 2000 || !utf8.ValidString(msg) || !strings.Contains(msg, tc.want) {
				t.Errorf("error of %d bytes (valid UTF-8: %v), want at most 2000 containing %q: %.300s", len(msg), utf8.ValidString(msg), tc.want, msg)
			}
		})
	}
}

// FuzzParseCSV: any file gives an error of bounded length on one line, or
// a dataset whose shape and values are consistent: finite features, and
// for classification targets that index its classes.
func FuzzParseCSV(f *testing.F) {
	for _, seed := range []struct {
		csv, target    string
		classification bool
	}{
		{"a,b,y\n1,2,3\n4,5,6\n", "y", false},
		{"\ufeffa,y\r\n1,0\r\n2,0\r\n", "y", false},
		{"a,y\n1,setosa\n2,versicolor\n3,setosa\n", "y", true},
		{"a,y\n1e400,1\n", "y", false},
		{"a,y\nNaN,1\n-Inf,2\n", "y", false},
		{"a,y\n1e-320,0\n5e-324,0\n1.7976931348623157e308,0\n", "y", false},
		{"a,y\n1_000,0\n0x1p4,1\n", "y", false},
		{"a,y\n\"2,5\",1\n", "y", false},
		{"a,\"multi\nline\",y\n1,2,3\n", "y", false},
		{"a,a,y\n1,2,3\n", "y", false},
		{"a,y\n1,2,3\n4\n", "y", false},
		{"a,y\n\"unterminated,1\n", "y", false},
		{"a,y\n1,\x00\n", "y", false},
		{"a\x00b,y\n1,2\n", "a\x00b", false},
		{"y\n1\n", "y", false},
		{"a;b;y\n1;2;3\n", "y", false},
		{"", "y", false},
		{"a,y\n", "y", false},
		{"a,y\n,1\n", "y", false},
		{"a,y\n1,\n", "y", true},
	} {
		f.Add(seed.csv, seed.target, seed.classification)
	}
	f.Fuzz(func(t *testing.T, text, target string, classification bool) {
		d, err := ParseCSV(strings.NewReader(text), "data.csv", CSVOptions{Target: target, Classification: classification})
		if err != nil {
			msg := err.Error()
			if len(msg) > 2000 || strings.ContainsAny(msg, "\n\r") {
				t.Fatalf("error of %d bytes, or on several lines: %.300q", len(msg), msg)
			}
			return
		}
		if d.N < 1 || d.M < 1 || len(d.X) != d.N*d.M || len(d.Y) != d.N || len(d.Features) != d.M {
			t.Fatalf("inconsistent dataset: N=%d M=%d len(X)=%d len(Y)=%d features=%d", d.N, d.M, len(d.X), len(d.Y), len(d.Features))
		}
		for _, v := range d.X {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("non-finite feature %v", v)
			}
		}
		for _, y := range d.Y {
			switch {
			case math.IsNaN(y) || math.IsInf(y, 0):
				t.Fatalf("non-finite target %v", y)
			case classification && (y < 0 || int(y) >= len(d.Classes) || y != math.Trunc(y)):
				t.Fatalf("class index %v of %d classes", y, len(d.Classes))
			}
		}
	})
}
