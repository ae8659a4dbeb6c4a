package sqlite

import (
	"context"
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
			got, err := encodeParams(tc.params)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("encodeParams = %s, want %s", got, tc.want)
			}
			back, err := decodeParams([]byte(got), nil)
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
			got, err := decodeParams([]byte(tc.in), map[string]string{})
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
		{"params not JSON", func() error { _, err := decodeParams([]byte(`{`), nil); return err }, "params"},
		{"params object", func() error { _, err := decodeParams([]byte(`{"lr":1}`), nil); return err }, "params"},
		{"param pair", func() error { _, err := decodeParams([]byte(`[["lr",1]]`), nil); return err }, "want [name, value, type]"},
		{"param name not string", func() error { _, err := decodeParams([]byte(`[[1,1,"int64"]]`), nil); return err }, "name"},
		{"unknown tag", func() error { _, err := decodeParams([]byte(`[["lr",1,"bool"]]`), nil); return err }, `unknown type tag "bool"`},
		{"tag not string", func() error { _, err := decodeParams([]byte(`[["lr",1,7]]`), nil); return err }, "type tag"},
		{"fractional int", func() error { _, err := decodeParams([]byte(`[["n",1.5,"int64"]]`), nil); return err }, "int64 value 1.5"},
		{"quoted finite float", func() error { _, err := decodeParams([]byte(`[["lr","1.5","float64"]]`), nil); return err }, "not a number"},
		{"float not number", func() error { _, err := decodeParams([]byte(`[["lr",true,"float64"]]`), nil); return err }, "float64 value true"},
		{"string not string", func() error { _, err := decodeParams([]byte(`[["a",1,"string"]]`), nil); return err }, "string value 1"},
		{"empty", func() error { _, err := decodeParams(nil, nil); return err }, "want '['"},
		{"trailing data", func() error { _, err := decodeParams([]byte(`[] x`), nil); return err }, "trailing data"},
		{"unterminated name", func() error { _, err := decodeParams([]byte(`[["lr`), nil); return err }, "want a string"},
		{"unclosed list", func() error { _, err := decodeParams([]byte(`[["lr",1,"int64"]`), nil); return err }, "want ',' or ']'"},
		{"bad escape", func() error { _, err := decodeParams([]byte(`[["\x",1,"int64"]]`), nil); return err }, "name"},
		{"history length", func() error { _, err := decodeHistory(make([]byte, 33)); return err }, "not a multiple of 32"},
		{"rounds not JSON", func() error { _, err := decodeRounds(`[{`); return err }, "rounds"},
		{"choice triple", func() error { _, err := decodeRounds(`[{"ranges":[{"choices":[[1,"int64",3]]}]}]`); return err }, "want [value, type]"},
		{"best quoted", func() error { _, err := decodeRounds(`[{"best":"0.5"}]`); return err }, "not a number"},
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

// The columns stay usable from the sqlite3 shell and plain SQL: NaN is
// NULL (so ORDER BY value and min(value) skip it), the seed is the uint64's
// bit pattern, and params can be queried with json_extract.
func TestColumnsInSQL(t *testing.T) {
	s, path := openTemp(t)
	ctx := context.Background()
	if err := s.PutStudy(ctx, testStudy("s", t0)); err != nil {
		t.Fatal(err)
	}
	tr := finishedTrial("s", 0)
	tr.Value = math.NaN()
	if err := s.PutTrial(ctx, tr); err != nil {
		t.Fatal(err)
	}
	var (
		valueNull, accNull bool
		seed               int64
		lr                 float64
		histBytes          int
	)
	err := rawDB(t, path).QueryRow(`SELECT value IS NULL, accuracy IS NULL, seed,
		json_extract(params, '$[0][1]'), length(history) FROM trials`).Scan(&valueNull, &accNull, &seed, &lr, &histBytes)
	if err != nil {
		t.Fatal(err)
	}
	if !valueNull || !accNull {
		t.Errorf("NaN value/accuracy stored as non-NULL (value IS NULL %v, accuracy IS NULL %v)", valueNull, accNull)
	}
	if uint64(seed) != tr.Seed {
		t.Errorf("seed column = %d, want the bits of %d", seed, tr.Seed)
	}
	if lr != 0.1+0.2 {
		t.Errorf("json_extract lr = %v, want %v", lr, 0.1+0.2)
	}
	if histBytes != len(tr.History)*pointSize {
		t.Errorf("history is %d bytes, want %d", histBytes, len(tr.History)*pointSize)
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
		ps, err := decodeParams(b, map[string]string{})
		if err != nil {
			return
		}
		enc, err := encodeParams(ps)
		if err != nil {
			t.Fatalf("decoded params %v do not re-encode: %v", ps, err)
		}
		again, err := decodeParams([]byte(enc), nil)
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
