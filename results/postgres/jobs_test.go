package postgres

import (
	"testing"

	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/results/storetest"
)

func TestTrialJobs(t *testing.T) {
	storetest.RunTrialJobs(t, func(t *testing.T) results.Store {
		s, _ := openTest(t)
		return s
	})
}
