package search

import (
	"math"
	"testing"
)

func TestExtrapolateRecoversAPowerLaw(t *testing.T) {
	var steps []int
	var vals []float64
	for s := 5; s <= 25; s += 5 {
		steps = append(steps, s)
		vals = append(vals, 0.3+2*math.Pow(float64(s), -0.5))
	}
	f, ok := extrapolate(steps, vals, 200)
	if !ok {
		t.Fatal("no forecast from five exact points")
	}
	want := 0.3 + 2*math.Pow(200, -0.5)
	if math.Abs(f.point-want) > 0.02 {
		t.Errorf("point %g, want about %g", f.point, want)
	}
	if f.optimistic > f.point {
		t.Errorf("optimistic %g above point %g", f.optimistic, f.point)
	}
}

func TestExtrapolateRefusesShortOrBrokenCurves(t *testing.T) {
	if _, ok := extrapolate([]int{5, 10, 15}, []float64{1, 0.9, 0.8}, 100); ok {
		t.Error("three reports gave a forecast")
	}
	if _, ok := extrapolate([]int{5, 10, 15, 20}, []float64{1, 0.9, math.NaN(), 0.8}, 100); ok {
		t.Error("a NaN report gave a forecast")
	}
	f, ok := extrapolate([]int{5, 10, 15, 20}, []float64{1, 1, 1, 1}, 100)
	if !ok || f.point != 1 || f.optimistic != 1 {
		t.Errorf("a flat curve: %+v %v, want it to end where it is", f, ok)
	}
}

// curveGroup is a round of nine trials at the rung 25 of max 240: seven
// fast starters that have levelled off at 0.5–0.8, a slow starter still
// falling steadily (1.2 at the rung, worse than all of them), and a trial
// stuck at 1.5.
func curveGroup(kind string) *decider {
	return curveGroupTo(kind, 240)
}

// curveGroupTo is curveGroup with another max_resource.
func curveGroupTo(kind string, maxResource int) *decider {
	d := newDecider(EarlyStopping{Kind: kind, MinResource: 25, MaxResource: maxResource, Reduction: 3})
	steps := []int{5, 10, 15, 20, 25}
	add := func(n int, vals ...float64) {
		d.add(n, &progressLog{group: d.group(n, 0), steps: steps, vals: vals})
	}
	for n := range 7 {
		v := 0.5 + 0.05*float64(n)
		add(n, v+0.3, v+0.1, v+0.02, v+0.005, v)
	}
	add(7, 1.6, 1.5, 1.4, 1.3, 1.2)
	add(8, 1.5, 1.5, 1.5, 1.5, 1.5)
	return &d
}

func othersAt(d *decider, n int) []float64 {
	vals, _ := d.whole(n, d.trials[n].group, 25)
	return vals
}

// At the last rung (25 of 100) with room in the budget for one trial,
// auto lets on the slow starter still falling steadily, whose curve may
// end below the levelled-off ones, and none of the fast starters
// successive halving keeps.
func TestAutoKeepsASlowStarterSuccessiveHalvingStops(t *testing.T) {
	sh, auto := curveGroupTo(SuccessiveHalving, 100), curveGroupTo(Auto, 100)
	if sh.keep(7, 0, 25, 1.2, othersAt(sh, 7)) {
		t.Fatal("successive halving kept the slow starter: the case does not test anything")
	}
	var kept []int
	for n := range 9 {
		if auto.keep(n, 0, 25, auto.trials[n].vals[4], othersAt(auto, n)) {
			kept = append(kept, n)
		}
	}
	// 9 × 100 / 3 = 300 iterations, 225 spent: room for one to run 75 more.
	if !equalInts(kept, []int{7}) {
		t.Errorf("auto kept %v at the last rung, want the slow starter 7 alone", kept)
	}
}

// A curve seen over less than a tenth of the horizon is not extrapolated:
// five reports up to 25 say little of iteration 600.
func TestExtrapolateRefusesACurveSeenOverTooShortAPart(t *testing.T) {
	steps := []int{5, 10, 15, 20, 25}
	vals := []float64{1.8, 1.5, 1.2, 0.9, 0.6}
	if f, ok := extrapolate(steps, vals, 600); ok {
		t.Errorf("a curve seen up to 25 of 600 gave the forecast %+v", f)
	}
	if _, ok := extrapolate(steps, vals, 250); !ok {
		t.Error("a curve seen up to 25 of 250 gave no forecast")
	}
}

func TestExpectedFinal(t *testing.T) {
	steps := make([]int, 18)
	for i := range steps {
		steps[i] = 5 * (i + 1) // up to 90 of 270
	}
	curve := func(v func(s float64) float64) []float64 {
		vals := make([]float64, len(steps))
		for i, s := range steps {
			vals[i] = v(float64(s))
		}
		return vals
	}
	// Still falling along a power law: the forecast, far below its value.
	falling := curve(func(s float64) float64 { return 0.2 + 30*math.Pow(s, -1) })
	if got, trusted := expectedFinal(steps, falling, 270, 3); !trusted || !(got < falling[17]-0.1) {
		t.Errorf("a curve falling as 0.2 + 30/s: expected %g (trusted %v), want about %g", got, trusted, 0.2+30.0/270)
	}
	// A curve swinging around a level: no fall stands out of the swings,
	// so its last value.
	swinging := curve(func(s float64) float64 { return 1 + 0.3*float64(int(s)/5%2*2-1) })
	if got, trusted := expectedFinal(steps, swinging, 270, 3); !trusted || got != swinging[17] {
		t.Errorf("a swinging curve: expected %g (trusted %v), want its last value %g", got, trusted, swinging[17])
	}
	// A steep fall that is over by the rung before (30 of 90): fitted from
	// there it ends where it is; fitted with the fall, the families bend
	// on down.
	over := curve(func(s float64) float64 {
		if s < 30 {
			return 1 + (30-s)/10
		}
		return 1 + 0.01*float64(int(s)/5%2)
	})
	if got, trusted := expectedFinal(steps, over, 270, 3); !trusted || got != over[17] {
		t.Errorf("a fall over by 30: expected %g (trusted %v), want its last value %g", got, trusted, over[17])
	}
	if f, ok := extrapolate(steps, over, 270); !ok || !(f.point < over[17]-0.02) {
		t.Fatalf("the whole curve's forecast %+v: the case wants it below the last value %g", f, over[17])
	}
	// Too little of the horizon, or finished: the last value, trusted only
	// when finished.
	if got, trusted := expectedFinal(steps[:3], falling[:3], 270, 3); trusted || got != falling[2] {
		t.Errorf("three reports: expected %g (trusted %v), want %g untrusted", got, trusted, falling[2])
	}
	if got, trusted := expectedFinal(steps, falling, 90, 3); !trusted || got != falling[17] {
		t.Errorf("a finished curve: expected %g (trusted %v), want %g", got, trusted, falling[17])
	}
}
