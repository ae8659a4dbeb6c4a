package report

import (
	"testing"

	"github.com/hpsearch/hpsearch/results"
)

// hundredK is the study of the requirement "plots of a 100,000-trial study
// render in under 5 s": four rounds, short histories, a third of the later
// rounds pruned.
func hundredK() (results.Study, []results.Trial) {
	return synth{trials: 100_000, rounds: 4, history: 20, pruning: true, seed: 3}.study()
}

// BenchmarkReport100k is the whole report of a 100,000-trial study: every
// plot drawn and encoded, the tables, the HTML. Requirement: under 5 s.
func BenchmarkReport100k(b *testing.B) {
	s, trials := hundredK()
	var size int
	for b.Loop() {
		var w countingWriter
		if err := WriteHTML(&w, s, trials); err != nil {
			b.Fatal(err)
		}
		size = int(w)
	}
	b.ReportMetric(float64(size), "bytes")
}

// BenchmarkPlots100k draws each plot of the 100,000-trial study alone, in
// both formats (the report inlines SVG; `hpsearch plot` writes either), to
// show where the time goes.
func BenchmarkPlots100k(b *testing.B) {
	s, trials := hundredK()
	for _, c := range newCharts(s, trials, results.Rank(trials, s.Goal)) {
		for _, format := range []string{SVG, PNG} {
			b.Run(c.id+"/"+format, func(b *testing.B) {
				var size int
				for b.Loop() {
					fig, err := c.make()
					if err != nil {
						b.Fatal(err)
					}
					var w countingWriter
					if err := fig.Render(&w, format); err != nil {
						b.Fatal(err)
					}
					size = int(w)
				}
				b.ReportMetric(float64(size), "bytes")
			})
		}
	}
}

// countingWriter counts what is written to it.
type countingWriter int

func (w *countingWriter) Write(p []byte) (int, error) {
	*w += countingWriter(len(p))
	return len(p), nil
}
