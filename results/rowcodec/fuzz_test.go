package rowcodec

import (
	"bytes"
	"encoding/binary"
	"math"
	"testing"

	"github.com/hpsearch/hpsearch/results"
)

// FuzzDecodeHistory: any history column gives an error or points and
// reports, never a panic or a huge allocation, and whatever decodes
// encodes back to the same bytes.
func FuzzDecodeHistory(f *testing.F) {
	extreme := []float64{0, math.SmallestNonzeroFloat64, 1e-320, math.MaxFloat64, -math.MaxFloat64, math.Inf(1), math.Inf(-1), math.NaN()}
	var pts []results.Point
	for i, v := range extreme {
		pts = append(pts, results.Point{Iteration: i * 1000, TrainLoss: v, GradNorm: v, ValidationLoss: v})
	}
	pts = append(pts, results.Point{Iteration: math.MinInt64}, results.Point{Iteration: math.MaxInt64})
	f.Add([]byte{})
	f.Add(EncodeHistory(pts, nil))
	f.Add(EncodeHistory(pts, []results.Reported{{Step: 1, Value: 1e-320}, {Step: math.MaxInt64, Value: math.NaN()}}))
	f.Add(EncodeHistory(nil, []results.Reported{}))
	f.Add([]byte{1, 2, 3, 4, 5})
	// A footer that claims 2^32-1 reports.
	footer := binary.LittleEndian.AppendUint32(nil, math.MaxUint32)
	f.Add(binary.LittleEndian.AppendUint32(footer, reportsMagic))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, reports, err := DecodeHistory(b)
		if err != nil {
			return
		}
		if len(h)*pointSize > len(b) || len(reports)*reportSize > len(b) {
			t.Fatalf("%d bytes decoded to %d points and %d reports", len(b), len(h), len(reports))
		}
		if again := EncodeHistory(h, reports); !bytes.Equal(again, b) {
			t.Fatalf("round trip changed the column:\n%x\n%x", b, again)
		}
	})
}

// FuzzDecodeRounds: any rounds column gives an error or rounds, never a
// panic, and whatever decodes re-encodes to something that decodes to the
// same rounds.
func FuzzDecodeRounds(f *testing.F) {
	for _, seed := range []string{
		`[]`, `null`, ``,
		`[{"round":1,"ranges":[{"name":"lr","low":1e-320,"high":1.7976931348623157e308,"log":true}],"best":"NaN","median":"+Inf"}]`,
		`[{"round":9223372036854775807,"ranges":[{"name":"opt","low":0,"high":0,"choices":[["gd","string"],[3,"int64"],["NaN","float64"]]}],"best":0,"median":-0}]`,
		`[{"round":1e400}]`, `[{"round":1,"ranges":[{"name":"a\u0000b","low":"-Inf","high":"x"}]}]`,
		`[{"round":1,"ranges":[{"name":"c","choices":[["a","string","extra"]]}]}]`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		rounds, err := DecodeRounds(s)
		if err != nil {
			return
		}
		enc, err := EncodeRounds(rounds)
		if err != nil {
			t.Fatalf("decoded rounds %v do not re-encode: %v", rounds, err)
		}
		again, err := DecodeRounds(enc)
		if err != nil {
			t.Fatalf("re-encoded %s does not decode: %v", enc, err)
		}
		if len(again) != len(rounds) {
			t.Fatalf("round trip changed the length: %v -> %v", rounds, again)
		}
		for i := range rounds {
			a, b := rounds[i], again[i]
			if a.Round != b.Round || !sameValue(a.Best, b.Best) || !sameValue(a.Median, b.Median) || len(a.Ranges) != len(b.Ranges) {
				t.Fatalf("round %d changed: %#v -> %#v", i, a, b)
			}
			for j := range a.Ranges {
				ra, rb := a.Ranges[j], b.Ranges[j]
				if ra.Name != rb.Name || ra.Log != rb.Log || !sameValue(ra.Low, rb.Low) || !sameValue(ra.High, rb.High) || len(ra.Choices) != len(rb.Choices) {
					t.Fatalf("round %d range %d changed: %#v -> %#v", i, j, ra, rb)
				}
				for k := range ra.Choices {
					if !sameValue(ra.Choices[k], rb.Choices[k]) {
						t.Fatalf("round %d range %d choice %d changed: %#v -> %#v", i, j, k, ra.Choices[k], rb.Choices[k])
					}
				}
			}
		}
	})
}
