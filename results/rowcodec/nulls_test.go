package rowcodec

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/hpsearch/hpsearch/results"
)

func TestNulls(t *testing.T) {
	if NullableMeasurement(results.Measurement{}) != nil || MeasurementOf(nil).Measured() {
		t.Error("no measurement must be NULL and read back as none")
	}
	if p := NullableMeasurement(results.Measured(0)); p == nil || MeasurementOf(p) != results.Measured(0) {
		t.Error("a measured 0 must be stored as 0, not NULL, and read back as measured")
	}
	if p := NullableMeasurement(results.Measured(math.Inf(-1))); p == nil || !math.IsInf(MeasurementOf(p).Float(), -1) {
		t.Error("-Inf must be stored as it is")
	}
	if nan := math.NaN(); MeasurementOf(&nan).Measured() {
		t.Error("a NaN column value must read as no measurement")
	}
	if p, err := NullableTime(time.Time{}); p != nil || err != nil || !TimeOrZero(nil).IsZero() {
		t.Error("the zero time must be NULL and read back as zero")
	}
	now := time.Unix(1700000000, 123456789)
	if p, err := NullableTime(now); err != nil || !TimeOrZero(p).Equal(now) {
		t.Errorf("time round trip: %v, %v", p, err)
	}
	if _, err := NullableTime(time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)); !errors.Is(err, ErrTimeRange) {
		t.Errorf("year 3000: %v, want ErrTimeRange", err)
	}
}
