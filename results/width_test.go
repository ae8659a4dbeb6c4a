package results

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

// irisStudy is shaped like configs/iris-mlp.yaml's: four parameters, a
// classifier (accuracy), three rounds; its full ranked table is 139
// columns wide.
func irisStudy() (Study, []Trial) {
	s := Study{Name: "iris-mlp", Strategy: "coarse-to-fine", Metric: "validation_loss", Goal: "minimize", Total: 4}
	names := []string{"learning_rate", "init_std", "hidden", "momentum"}
	for r, rg := range [][2]float64{{1e-3, 1}, {1.625e-2, 1}, {0.1291, 0.8987}} {
		round := Round{Round: r, Best: 0.03189, Median: 0.04667}
		for _, n := range names {
			round.Ranges = append(round.Ranges, Range{Name: n, Low: rg[0], High: rg[1], Log: n == "learning_rate"})
		}
		s.Rounds = append(s.Rounds, round)
	}
	var trials []Trial
	for i, v := range []float64{0.03189, 0.03616, 0.03764, 0.04177} {
		t := mkTrial(i, StatusOK, v, 0.011, lr(0.8962-0.1*float64(i)),
			Param{"init_std", 0.08466}, Param{"hidden", int64(10 + i)}, momentum(0.9158))
		t.Accuracy, t.TrainLoss, t.Iterations, t.StopReason = Measured(0.9778), Measured(0.1542), 76+i, "patience"
		trials = append(trials, t)
	}
	return s, trials
}

func checkWidth(t *testing.T, out string, width int) {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		if n := utf8.RuneCountInString(line); n > width {
			t.Errorf("a line of %d columns, wider than %d:\n%s", n, width, line)
		}
	}
}

// At 80 columns the tables fit: headers break at their words, ranges
// after their commas, and the least important columns are left out and
// named under the table.
func TestTablesFit80Columns(t *testing.T) {
	for _, tc := range []struct {
		name  string
		study func() (Study, []Trial)
	}{{"quickstart", fixtureStudy}, {"iris", irisStudy}} {
		t.Run(tc.name, func(t *testing.T) {
			s, trials := tc.study()
			var b bytes.Buffer
			w := FitWidth(&b, 80)
			if err := WriteRanked(w, s, Rank(trials, s.Goal), 0); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintln(&b)
			if err := WriteRounds(w, s.Rounds); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintln(&b)
			if err := WriteLearningRatesFor(w, trials, "learning_rate", s.Goal); err != nil {
				t.Fatal(err)
			}
			checkWidth(t, b.String(), 80)
			if !strings.Contains(b.String(), "(--wide also shows: seconds, iterations") {
				t.Errorf("no line names the columns left out:\n%s", b.String())
			}
			golden(t, "fit80_"+tc.name+".txt", b.Bytes())
		})
	}
}

// Without a width (a pipe) nothing is left out, cut or broken: the table
// is the one a script has always read.
func TestTablesWithoutWidthAreWhole(t *testing.T) {
	s, trials := fixtureStudy()
	var whole, fitted bytes.Buffer
	if err := WriteRanked(&whole, s, Rank(trials, s.Goal), 0); err != nil {
		t.Fatal(err)
	}
	if err := WriteRanked(FitWidth(&fitted, 0), s, Rank(trials, s.Goal), 0); err != nil {
		t.Fatal(err)
	}
	if whole.String() != fitted.String() || strings.Contains(whole.String(), "--wide") {
		t.Errorf("FitWidth(w, 0) changed the table:\n%s\nwant:\n%s", fitted.String(), whole.String())
	}
	// A terminal wide enough changes nothing either.
	fitted.Reset()
	if err := WriteRanked(FitWidth(&fitted, 500), s, Rank(trials, s.Goal), 0); err != nil {
		t.Fatal(err)
	}
	if whole.String() != fitted.String() {
		t.Errorf("a 500-column terminal changed the table:\n%s", fitted.String())
	}
}

// The studies table keeps the study, its progress and its best value.
func TestStudiesFit(t *testing.T) {
	s, trials := irisStudy()
	s.Created = t0
	var b bytes.Buffer
	if err := WriteStudies(FitWidth(&b, 80), []Summary{Summarize(s, trials)}); err != nil {
		t.Fatal(err)
	}
	checkWidth(t, b.String(), 80)
	for _, want := range []string{"iris-mlp", "4/4", "0.03189", "(--wide also shows: strategy"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("no %q in:\n%s", want, b.String())
		}
	}
}
