package study

import (
	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/results/postgres"
	"github.com/hpsearch/hpsearch/results/sqlite"
)

// Every store a run can use holds study leases.
var (
	_ leaser = (*sqlite.Store)(nil)
	_ leaser = (*postgres.Store)(nil)
	_ leaser = (*results.MemoryStore)(nil)
)
