package rowcodec

import (
	"errors"
	"math"
	"testing"
	"time"
)

func TestNulls(t *testing.T) {
	if NullableFloat(math.NaN()) != nil || !math.IsNaN(FloatOrNaN(nil)) {
		t.Error("NaN must be NULL and read back as NaN")
	}
	if p := NullableFloat(math.Inf(-1)); p == nil || !math.IsInf(FloatOrNaN(p), -1) {
		t.Error("-Inf must be stored as it is")
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
