package trainer

import (
	"strings"
	"testing"
)

// A cell is a number as a spreadsheet or numpy writes one: Go's own
// syntax (1_000, 0x1p4, 0x10) is refused, not read as 1000 or 16. What
// those tools write (a sign, a point, an exponent, spaces around) reads.
func TestCSVCellsArePlainDecimals(t *testing.T) {
	reg := CSVOptions{Target: "y"}
	for _, cell := range []string{"1_000", "0x1p4", "0X1P-2", "0x10", "0b101", "0o17", "1__0"} {
		_, err := ParseCSV(strings.NewReader("a,y\n"+cell+",3\n"), "x.csv", reg)
		want := `x.csv:2: column "a" (1): "` + cell + `" is not a number`
		if err == nil || err.Error() != want {
			t.Errorf("cell %s: %v, want %q", cell, err, want)
		}
	}
	for _, cell := range []string{"1000", "-1.5", "+2", ".5", "5.", "1e3", "1E-3", " 7 ", "-0"} {
		if _, err := ParseCSV(strings.NewReader("a,y\n"+cell+",3\n"), "x.csv", reg); err != nil {
			t.Errorf("cell %q: %v", cell, err)
		}
	}
	for _, cell := range []string{"NaN", "Inf", "-infinity", "1e999"} {
		_, err := ParseCSV(strings.NewReader("a,y\n"+cell+",3\n"), "x.csv", reg)
		if err == nil || !strings.HasSuffix(err.Error(), "is not a finite number") {
			t.Errorf("cell %s: %v, want not finite", cell, err)
		}
	}
}
