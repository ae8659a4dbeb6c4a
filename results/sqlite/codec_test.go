package sqlite

import (
	"context"
	"testing"

	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/results/storetest"
)

// The columns stay usable from the sqlite3 shell and plain SQL: NaN is
// NULL (so ORDER BY value and min(value) skip it), the seed is the uint64's
// bit pattern, and params can be queried with json_extract.
func TestColumnsInSQL(t *testing.T) {
	s, path := openTemp(t)
	ctx := context.Background()
	if err := s.PutStudy(ctx, storetest.Study("s", storetest.T0)); err != nil {
		t.Fatal(err)
	}
	tr := storetest.FinishedTrial("s", 0)
	tr.Value = results.Measurement{}
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
	// 32 bytes a point, 16 a report, and the reports' 8-byte footer.
	if want := len(tr.History)*32 + len(tr.Reports)*16 + 8; histBytes != want {
		t.Errorf("history is %d bytes, want %d", histBytes, want)
	}
}
