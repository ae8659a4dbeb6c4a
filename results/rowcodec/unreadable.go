package rowcodec

import (
	"strings"

	"github.com/hpsearch/hpsearch/results"
)

// Unreadable is what a store gives back for a trial row whose params or
// history column it cannot decode (a damaged database): the trial, failed,
// with the reasons (the errors that are not nil) on one line as its error.
// One bad row must not make the whole study unreadable: show, report,
// export and --resume still read every other trial, the table names the
// damaged one, and a resume runs it again.
func Unreadable(t results.Trial, errs ...error) results.Trial {
	var reasons []string
	for _, err := range errs {
		if err != nil {
			reasons = append(reasons, err.Error())
		}
	}
	t.Status, t.Damaged = results.StatusFailed, true
	t.Value, t.TrainLoss, t.Accuracy = results.Measurement{}, results.Measurement{}, results.Measurement{}
	t.History, t.Reports = nil, nil
	t.Error = "unreadable row in the store (the database is damaged): " + strings.Join(reasons, "; ")
	return t
}
