package postgres

import (
	"context"
	"fmt"
	"math"

	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/results/rowcodec"
)

// summarySQL counts each study's trials and finds its best in one query, so
// `hpsearch studies` stays fast with large studies. The best follows each
// study's own goal; ties go to the lowest number.
const summarySQL = `SELECT ` + studyColumns + `,
	(SELECT count(*) FROM trials t WHERE t.study = s.name AND t.status IN ('ok', 'diverged', 'failed', 'pruned')),
	(SELECT count(*) FROM trials t WHERE t.study = s.name AND t.status = 'ok'),
	b.number, b.value
FROM studies s LEFT JOIN LATERAL (
	SELECT t.number, t.value FROM trials t
	WHERE t.study = s.name AND t.status = 'ok' AND t.value IS NOT NULL
	ORDER BY CASE WHEN s.goal = 'maximize' THEN -t.value ELSE t.value END, t.number LIMIT 1
) b ON true
ORDER BY s.created NULLS FIRST, s.name`

// Summaries summarises every study without reading its trials.
func (s *Store) Summaries(ctx context.Context) ([]results.Summary, error) {
	rows, err := s.pool.Query(ctx, summarySQL)
	if err != nil {
		return nil, s.wrap("summarise studies in", err)
	}
	defer rows.Close()
	var out []results.Summary
	for rows.Next() {
		var (
			st        results.Study
			created   *int64
			total     int64
			rounds    string
			floor     string
			done, ok  int64
			bestTrial *int64
			best      *float64
		)
		if err := rows.Scan(&st.Name, &created, &st.Strategy, &st.Metric, &st.Goal, &total, &st.Status,
			&st.Config, &rounds, &st.Source, &floor, &done, &ok, &bestTrial, &best); err != nil {
			return nil, s.wrap("summarise studies in", err)
		}
		st.Created, st.Total = rowcodec.TimeOrZero(created), int(total)
		if st.Rounds, err = rowcodec.DecodeRounds(rounds); err != nil {
			return nil, s.wrap("summarise studies in", err)
		}
		if st.Floor, err = results.DecodeFloor(floor); err != nil {
			return nil, s.wrap("summarise studies in", fmt.Errorf("study %q: %w", st.Name, err))
		}
		sum := results.Summary{Study: st, Done: int(done), OK: int(ok), Best: math.NaN(), BestTrial: -1}
		if bestTrial != nil {
			sum.Best, sum.BestTrial = rowcodec.MeasurementOf(best).Float(), int(*bestTrial)
		}
		out = append(out, sum)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap("summarise studies in", err)
	}
	return out, nil
}
