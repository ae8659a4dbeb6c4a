package rowcodec

import (
	"math"
	"strings"
	"testing"

	"github.com/hpsearch/hpsearch/results"
)

func TestParamsEncoding(t *testing.T) {
	tests := []struct {
		name   string
		params results.Params
		want   string
	}{
		{"none", nil, `[]`},
		{"types are tagged", results.Params{{Name: "lr", Value: 0.001}, {Name: "layers", Value: int64(3)}, {Name: "act", Value: "relu"}},
			`[["lr",0.001,"float64"],["layers",3,"int64"],["act","relu","string"]]`},
		{"integral float keeps its tag", results.Params{{Name: "w", Value: float64(32)}}, `[["w",32,"float64"]]`},
		{"non-finite floats are strings", results.Params{{Name: "a", Value: math.NaN()}, {Name: "b", Value: math.Inf(1)}, {Name: "c", Value: math.Inf(-1)}},
			`[["a","NaN","float64"],["b","+Inf","float64"],["c","-Inf","float64"]]`},
		{"names are escaped", results.Params{{Name: `a"b`, Value: "x\ny"}}, `[["a\"b","x\ny","string"]]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := EncodeParams(tc.params)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("EncodeParams = %s, want %s", got, tc.want)
			}
			back, err := DecodeParams([]byte(got), nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(back) != len(tc.params) {
				t.Fatalf("decoded %d params, want %d", len(back), len(tc.params))
			}
			for i := range back {
				if back[i].Name != tc.params[i].Name || !sameValue(back[i].Value, tc.params[i].Value) {
					t.Errorf("param %d: got %s=%T(%v), want %s=%T(%v)", i, back[i].Name, back[i].Value,
						back[i].Value, tc.params[i].Name, tc.params[i].Value, tc.params[i].Value)
				}
			}
		})
	}
}

// Hand-written or reformatted JSON (sqlite's json() adds no spaces, but a
// person might) decodes too.
func TestDecodeParamsAccepts(t *testing.T) {
	tests := []struct {
		name, in string
		want     results.Params
	}{
		{"spaces", " [ [ \"lr\" , 0.5 , \"float64\" ] ,\n[\"n\",2,\"int64\"] ] ",
			results.Params{{Name: "lr", Value: 0.5}, {Name: "n", Value: int64(2)}}},
		{"escaped name and value", `[["\u00e9t\u00e9","\"q\"","string"]]`,
			results.Params{{Name: "été", Value: `"q"`}}},
		{"exponent", `[["lr",1e-3,"float64"]]`, results.Params{{Name: "lr", Value: 0.001}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeParams([]byte(tc.in), map[string]string{})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i].Name != tc.want[i].Name || !sameValue(got[i].Value, tc.want[i].Value) {
					t.Errorf("param %d: got %s=%T(%v), want %s=%T(%v)", i, got[i].Name, got[i].Value,
						got[i].Value, tc.want[i].Name, tc.want[i].Value, tc.want[i].Value)
				}
			}
		})
	}
}

// Corrupt columns (hand-edited, or written by a buggy build) must give an
// error, never a panic or a silently wrong value.
func TestDecodeCorrupt(t *testing.T) {
	tests := []struct {
		name   string
		decode func() error
		want   string
	}{
		{"params not JSON", func() error { _, err := DecodeParams([]byte(`{`), nil); return err }, "params"},
		{"params object", func() error { _, err := DecodeParams([]byte(`{"lr":1}`), nil); return err }, "params"},
		{"param pair", func() error { _, err := DecodeParams([]byte(`[["lr",1]]`), nil); return err }, "want [name, value, type]"},
		{"param name not string", func() error { _, err := DecodeParams([]byte(`[[1,1,"int64"]]`), nil); return err }, "name"},
		{"unknown tag", func() error { _, err := DecodeParams([]byte(`[["lr",1,"bool"]]`), nil); return err }, `unknown type tag "bool"`},
		{"tag not string", func() error { _, err := DecodeParams([]byte(`[["lr",1,7]]`), nil); return err }, "type tag"},
		{"fractional int", func() error { _, err := DecodeParams([]byte(`[["n",1.5,"int64"]]`), nil); return err }, "int64 value 1.5"},
		{"quoted finite float", func() error { _, err := DecodeParams([]byte(`[["lr","1.5","float64"]]`), nil); return err }, "not a number"},
		{"float not number", func() error { _, err := DecodeParams([]byte(`[["lr",true,"float64"]]`), nil); return err }, "float64 value true"},
		{"string not string", func() error { _, err := DecodeParams([]byte(`[["a",1,"string"]]`), nil); return err }, "string value 1"},
		{"empty", func() error { _, err := DecodeParams(nil, nil); return err }, "want '['"},
		{"trailing data", func() error { _, err := DecodeParams([]byte(`[] x`), nil); return err }, "trailing data"},
		{"unterminated name", func() error { _, err := DecodeParams([]byte(`[["lr`), nil); return err }, "want a string"},
		{"unclosed list", func() error { _, err := DecodeParams([]byte(`[["lr",1,"int64"]`), nil); return err }, "want ',' or ']'"},
		{"bad escape", func() error { _, err := DecodeParams([]byte(`[["\x",1,"int64"]]`), nil); return err }, "name"},
		{"history length", func() error { _, _, err := DecodeHistory(make([]byte, 33)); return err }, "neither points"},
		{"reports count", func() error {
			b := EncodeHistory(nil, []results.Reported{{Step: 1, Value: 2}})
			b[len(b)-footerSize] = 9 // claims 9 reports in 16 bytes
			_, _, err := DecodeHistory(b)
			return err
		}, "do not hold 9 reports"},
		{"rounds not JSON", func() error { _, err := DecodeRounds(`[{`); return err }, "rounds"},
		{"choice triple", func() error { _, err := DecodeRounds(`[{"ranges":[{"choices":[[1,"int64",3]]}]}]`); return err }, "want [value, type]"},
		{"best quoted", func() error { _, err := DecodeRounds(`[{"best":"0.5"}]`); return err }, "not a number"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.decode()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

// History and reports round-trip exactly (NaN included), and a column
// written before reports were kept (points alone) reads back with nil
// reports, while an empty report list stays an empty list.
func TestHistoryReports(t *testing.T) {
	nan := math.NaN()
	points := []results.Point{{Iteration: 0, TrainLoss: 1, GradNorm: 2, ValidationLoss: nan}, {Iteration: 20, TrainLoss: 0.5, GradNorm: nan, ValidationLoss: 0.7}}
	tests := []struct {
		name    string
		points  []results.Point
		reports []results.Reported
	}{
		{"points alone (as stored before reports)", points, nil},
		{"points and reports", points, []results.Reported{{Step: 20, Value: 0.7}, {Step: 40, Value: nan}}},
		{"points and no report", points, []results.Reported{}},
		{"reports alone", nil, []results.Reported{{Step: 3, Value: -1}}},
		{"one point, two reports", points[:1], []results.Reported{{Step: 1, Value: 1}, {Step: 2, Value: 0.5}}},
		{"nothing", nil, nil},
	}
	same := func(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) }
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := EncodeHistory(tc.points, tc.reports)
			if tc.reports != nil && len(b)%pointSize == 0 {
				t.Fatalf("%d bytes with reports: a multiple of %d would read as points alone", len(b), pointSize)
			}
			h, r, err := DecodeHistory(b)
			if err != nil {
				t.Fatal(err)
			}
			if len(h) != len(tc.points) || (r == nil) != (tc.reports == nil) || len(r) != len(tc.reports) {
				t.Fatalf("got %d points and reports %v, want %d and %v", len(h), r, len(tc.points), tc.reports)
			}
			for i, p := range tc.points {
				g := h[i]
				if g.Iteration != p.Iteration || !same(g.TrainLoss, p.TrainLoss) || !same(g.GradNorm, p.GradNorm) || !same(g.ValidationLoss, p.ValidationLoss) {
					t.Errorf("point %d: got %+v, want %+v", i, g, p)
				}
			}
			for i, w := range tc.reports {
				if r[i].Step != w.Step || !same(r[i].Value, w.Value) {
					t.Errorf("report %d: got %+v, want %+v", i, r[i], w)
				}
			}
		})
	}
}

// FuzzDecodeParams: arbitrary column contents give an error or params,
// never a panic, and whatever decodes re-encodes to something that decodes
// to the same params.
func FuzzDecodeParams(f *testing.F) {
	for _, seed := range []string{`[]`, `[["lr",0.001,"float64"],["n",3,"int64"],["a","x","string"]]`,
		`[["a\"b","NaN","float64"]]`, `[["",-0,"float64"]]`, ` [ [ "x" , "\u00e9" , "string" ] ] `} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ps, err := DecodeParams(b, map[string]string{})
		if err != nil {
			return
		}
		enc, err := EncodeParams(ps)
		if err != nil {
			t.Fatalf("decoded params %v do not re-encode: %v", ps, err)
		}
		again, err := DecodeParams([]byte(enc), nil)
		if err != nil {
			t.Fatalf("re-encoded %s does not decode: %v", enc, err)
		}
		if len(again) != len(ps) {
			t.Fatalf("round trip changed the length: %v -> %v", ps, again)
		}
		for i := range ps {
			if again[i].Name != ps[i].Name || !sameValue(again[i].Value, ps[i].Value) {
				t.Fatalf("round trip changed param %d: %#v -> %#v", i, ps[i], again[i])
			}
		}
	})
}

// sameValue compares param values exactly: float bits (NaN equal to NaN)
// and dynamic types, so int64(3) differs from float64(3).
func sameValue(a, b any) bool {
	fa, aok := a.(float64)
	fb, bok := b.(float64)
	if aok && bok {
		if math.IsNaN(fa) || math.IsNaN(fb) {
			return math.IsNaN(fa) && math.IsNaN(fb)
		}
		return math.Float64bits(fa) == math.Float64bits(fb)
	}
	return a == b
}
