package sqlite

import (
	"context"
	"database/sql"
	"math"

	"github.com/hpsearch/hpsearch/results"
)

var _ results.Summarizer = (*Store)(nil)

// summarySQL counts each study's trials and finds its best in one pass of
// the database, so `hpsearch studies` stays fast with 100,000-trial studies.
// The best follows each study's own goal; ties go to the lowest number.
const summarySQL = `SELECT s.name,
	(SELECT COUNT(*) FROM trials t WHERE t.study = s.name AND t.status IN ('ok', 'diverged', 'failed', 'pruned')),
	(SELECT COUNT(*) FROM trials t WHERE t.study = s.name AND t.status = 'ok'),
	(SELECT t.number FROM trials t WHERE t.study = s.name AND t.status = 'ok' AND t.value IS NOT NULL
		ORDER BY CASE WHEN s.goal = 'maximize' THEN -t.value ELSE t.value END, t.number LIMIT 1)
FROM studies s ORDER BY s.created, s.name`

// Summaries summarises every study without reading its trials.
func (s *Store) Summaries(ctx context.Context) ([]results.Summary, error) {
	studies, err := s.Studies(ctx)
	if err != nil {
		return nil, err
	}
	byName := make(map[string]results.Study, len(studies))
	for _, st := range studies {
		byName[st.Name] = st
	}
	rows, err := s.r.QueryContext(ctx, summarySQL)
	if err != nil {
		return nil, s.wrap("summarise studies in", err)
	}
	defer rows.Close()
	var out []results.Summary
	for rows.Next() {
		var (
			name     string
			done, ok int
			best     sql.NullInt64
		)
		if err := rows.Scan(&name, &done, &ok, &best); err != nil {
			return nil, s.wrap("summarise studies in", err)
		}
		sum := results.Summary{Study: byName[name], Done: done, OK: ok, Best: math.NaN(), BestTrial: -1}
		if best.Valid {
			var v sql.NullFloat64
			if err := s.r.QueryRowContext(ctx, `SELECT value FROM trials WHERE study = ? AND number = ?`, name, best.Int64).Scan(&v); err != nil {
				return nil, s.wrap("summarise studies in", err)
			}
			sum.Best, sum.BestTrial = v.Float64, int(best.Int64)
		}
		out = append(out, sum)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap("summarise studies in", err)
	}
	return out, nil
}
