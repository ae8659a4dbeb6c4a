package results

import "math"

// Measurement is a number a trial may not have measured: its value, train
// loss or accuracy. The zero Measurement means "not measured", so a zero
// Trial has measured nothing instead of claiming 0, which is a real value
// of each. (Not "Metric": the metric is what a study optimizes, by name.)
type Measurement struct {
	v        float64
	measured bool
}

// Measured is v as a measurement. NaN, the way trainers, command output
// and stores spell "none", gives the zero Measurement, so "none" has one
// representation and trials compare equal with reflect.DeepEqual.
func Measured(v float64) Measurement {
	if math.IsNaN(v) {
		return Measurement{}
	}
	return Measurement{v: v, measured: true}
}

// Measured reports whether there is a value (possibly ±Inf: a diverged
// loss is measured).
func (m Measurement) Measured() bool { return m.measured }

// Float is the value, or NaN when there is none: ranking, medians, plots
// and writers already read NaN as "no value", and NaN never compares equal
// to a real value by accident.
func (m Measurement) Float() float64 {
	if !m.measured {
		return math.NaN()
	}
	return m.v
}
