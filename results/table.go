package results

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"
)

// missing marks a cell with no value (a parameter a trial did not have, a
// metric a failed trial never measured).
const missing = "-"

// maxErrorLen bounds a failed trial's error in the stop column, so one long
// command error does not stretch the whole table.
const maxErrorLen = 40

// table is a table about to be written to w: which columns are text
// (aligned left), and which a narrow terminal may lose (see FitWidth).
type table struct {
	w    io.Writer
	left []bool
	drop []int // columns dropped to fit a terminal, least important first; nil: from the right
}

// newTable returns a table that keeps headers as written (parameter names
// are case-sensitive) and right-aligns cells, since most are numbers;
// leftCols lists the text columns that read better left-aligned.
func newTable(w io.Writer, columns int, leftCols ...int) *table {
	t := &table{w: w, left: make([]bool, columns)}
	for _, c := range leftCols {
		if c >= 0 && c < columns {
			t.left[c] = true
		}
	}
	return t
}

// dropFirst names the columns a terminal too narrow for the table loses,
// least important first; the others are kept however narrow it is.
func (t *table) dropFirst(cols ...int) *table {
	t.drop = cols
	return t
}

// renderTable writes header and rows as one table, fitted to the
// terminal's width when t's writer has one (FitWidth), with a line under
// it naming the columns it left out.
func renderTable(t *table, header []string, rows [][]string) error {
	left := t.left
	var dropped []string
	width := widthOf(t.w)
	if width > 0 {
		header, rows, left, dropped = t.fit(width, header, rows)
	}
	aligns := make([]tw.Align, len(header))
	for i := range aligns {
		aligns[i] = tw.AlignRight
		if i < len(left) && left[i] {
			aligns[i] = tw.AlignLeft
		}
	}
	tbl := tablewriter.NewTable(t.w,
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAlignmentConfig(tw.CellAlignment{Global: tw.AlignRight, PerColumn: aligns}),
	)
	tbl.Header(header)
	for _, r := range rows {
		if err := tbl.Append(r); err != nil {
			return fmt.Errorf("table row: %w", err)
		}
	}
	if err := tbl.Render(); err != nil {
		return fmt.Errorf("render table: %w", err)
	}
	if len(dropped) > 0 {
		// Short, so that it fits too.
		if _, err := fmt.Fprintf(t.w, "(--wide also shows: %s)\n", strings.Join(dropped, ", ")); err != nil {
			return fmt.Errorf("render table: %w", err)
		}
	}
	return nil
}

// ParamNames returns the union of the trials' parameter names in the order
// they are first seen, which is the config's order for a normal study.
func ParamNames(trials []Trial) []string {
	var names []string
	seen := make(map[string]bool)
	for _, t := range trials {
		for _, p := range t.Params {
			if !seen[p.Name] {
				seen[p.Name] = true
				names = append(names, p.Name)
			}
		}
	}
	return names
}

// hasAccuracy reports whether any trial measured an accuracy, so that
// regression studies get no column of dashes.
func hasAccuracy(trials []Trial) bool {
	for _, t := range trials {
		if reportsMetrics(t) && t.Accuracy.Measured() {
			return true
		}
	}
	return false
}

// reportsMetrics reports whether a trial's status lets its measurements
// be shown: a failed or unfinished trial's are better shown as "-".
func reportsMetrics(t Trial) bool {
	return t.Status == StatusOK || t.Status == StatusDiverged || t.Status == StatusPruned
}

// metricCell formats one of a trial's metrics, or "-" if it has none.
func metricCell(t Trial, m Measurement) string {
	if !reportsMetrics(t) {
		return missing
	}
	return FormatValue(m.Float())
}

// stopCell explains how a trial ended: the stopping criterion, or for a
// failed trial its status and the first line of its error.
func stopCell(t Trial) string {
	switch {
	case t.Status == StatusFailed:
		msg := firstLine(t.Error)
		if msg == "" {
			return string(StatusFailed)
		}
		return string(StatusFailed) + ": " + truncate(msg, maxErrorLen)
	case !t.Status.Finished():
		return string(t.Status)
	case t.StopReason == "":
		return string(t.Status)
	default:
		return t.StopReason
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(line)
}

// truncate shortens s to at most n runes, marking the cut with "…".
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// notApplied marks a parameter a trial does not have: a conditional
// parameter whose condition failed, so the trainer used its base value.
const notApplied = "—"

// paramCells formats a trial's values for the named parameters, "—" for
// the ones it lacks.
func paramCells(p Params, names []string) []string {
	cells := make([]string, len(names))
	for i, name := range names {
		v, ok := p.Get(name)
		if !ok {
			cells[i] = notApplied
			continue
		}
		cells[i] = FormatValue(v)
	}
	return cells
}

// WriteRanked writes the trials best first (see Rank) as a table: rank,
// trial, one column per parameter, the metric (named after s.Metric), train
// loss, accuracy (only for classifiers), iterations, stop and seconds.
// Only ok trials get a rank number. top ≤ 0 writes all trials.
func WriteRanked(w io.Writer, s Study, trials []Trial, top int) error {
	header, rows := RankedRows(s, trials, top)
	col := func(name string) int { return slices.Index(header, name) }
	// Least important first: how long a trial took, how many iterations
	// ran, its training loss, its accuracy, why it stopped (failed trials
	// are listed under the table anyway). Rank, trial, the parameters and
	// the metric always stay. A column RankedRows left out is skipped.
	var drop []int
	for _, name := range []string{"seconds", "iterations", "train loss", floorGapColumn, "accuracy", "stop"} {
		if i := col(name); i >= 0 {
			drop = append(drop, i)
		}
	}
	var left []int
	if i := col("stop"); i >= 0 {
		left = append(left, i)
	}
	return renderTable(newTable(w, len(header), left...).dropFirst(drop...), header, rows)
}

// RankedRows returns the cells WriteRanked writes, for other renderings
// (the HTML report) of the same table.
func RankedRows(s Study, trials []Trial, top int) (header []string, rows [][]string) {
	ranked := Rank(trials, s.Goal)
	if top > 0 && top < len(ranked) {
		ranked = ranked[:top]
	}
	names := ParamNames(trials)
	withAcc := hasAccuracy(trials)

	metric := s.Metric
	if metric == "" {
		metric = "value"
	}
	// A column that would repeat the metric is left out.
	withTrain := metric != "train_loss" && slices.ContainsFunc(trials, func(t Trial) bool { return t.TrainLoss.Measured() })
	withAcc = withAcc && metric != "accuracy"
	// A benchmark trial evaluates a function: it trains nothing, so it has
	// no training loss, iterations or stop reason, and columns that could
	// only say NaN, 0 and ok are left out.
	withIterations := slices.ContainsFunc(trials, func(t Trial) bool { return t.Iterations > 0 })
	withStop := slices.ContainsFunc(trials, func(t Trial) bool { return stopCell(t) != string(StatusOK) })
	header = append([]string{"rank", "trial"}, names...)
	header = append(header, metric)
	_, withGap := s.Floor.Of(metric)
	if withGap {
		header = append(header, floorGapColumn)
	}
	if withTrain {
		header = append(header, "train loss")
	}
	if withAcc {
		header = append(header, "accuracy")
	}
	if withIterations {
		header = append(header, "iterations")
	}
	if withStop {
		header = append(header, "stop")
	}
	header = append(header, "seconds")

	rows = make([][]string, 0, len(ranked))
	rank := 0
	for _, t := range ranked {
		rankCell := missing
		if t.Status == StatusOK {
			rank++
			rankCell = strconv.Itoa(rank)
		}
		row := append([]string{rankCell, strconv.Itoa(t.Number)}, paramCells(t.Params, names)...)
		row = append(row, metricCell(t, t.Value))
		if withGap {
			row = append(row, gapCell(s, metric, t))
		}
		if withTrain {
			row = append(row, metricCell(t, t.TrainLoss))
		}
		if withAcc {
			row = append(row, metricCell(t, t.Accuracy))
		}
		if withIterations {
			row = append(row, strconv.Itoa(t.Iterations))
		}
		if withStop {
			row = append(row, stopCell(t))
		}
		row = append(row, strconv.FormatFloat(t.Seconds(), 'f', 3, 64))
		rows = append(rows, row)
	}
	return header, rows
}

// floorGapColumn is the ranked table's column of each trial's value less
// the study's least-squares floor.
const floorGapColumn = "above floor"

// gapCell is a trial's distance above the floor of the metric; "-" for a
// trial without a value (failed, diverged).
func gapCell(s Study, metric string, t Trial) string {
	if t.Status != StatusOK && t.Status != StatusPruned {
		return missing
	}
	g, ok := s.Floor.Gap(metric, t)
	if !ok {
		return missing
	}
	return FormatValue(g)
}

// statusOrder is the order WriteSummary counts statuses in.
var statusOrder = []Status{StatusOK, StatusPruned, StatusDiverged, StatusFailed, StatusRunning, StatusWaiting}

// WriteSummary writes two lines: the study, its strategy, how many trials
// are done out of the planned total with counts by status, and the best
// value with its trial.
func WriteSummary(w io.Writer, s Study, trials []Trial) error {
	counts := make(map[Status]int)
	done := 0
	for _, t := range trials {
		counts[t.Status]++
		if t.Status.Finished() {
			done++
		}
	}
	total := max(s.Total, len(trials))
	var parts []string
	for _, st := range statusOrder {
		if n := counts[st]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, st))
		}
	}
	line := fmt.Sprintf("study %s", s.Name)
	if s.Strategy != "" {
		line += fmt.Sprintf(" (%s)", s.Strategy)
	}
	line += fmt.Sprintf(": %d/%d trials done", done, total)
	if len(parts) > 0 {
		line += ": " + strings.Join(parts, ", ")
	}
	switch s.Status {
	case StudyFailed:
		line += " (stopped: more trials failed than search.max_failed_trials allows)"
	case StudyInterrupted:
		line += " (interrupted)"
	}

	metric := s.Metric
	if metric == "" {
		metric = "value"
	}
	bestLine := "no successful trial"
	if b, ok := Best(trials, s.Goal); ok {
		bestLine = fmt.Sprintf("best %s %s (trial %d)", metric, FormatValue(b.Value.Float()), b.Number)
	}
	if _, err := fmt.Fprintf(w, "%s\n%s\n", line, bestLine); err != nil {
		return fmt.Errorf("write summary: %w", err)
	}
	if fl := FloorLine(s, trials); fl != "" {
		if _, err := fmt.Fprintln(w, fl); err != nil {
			return fmt.Errorf("write summary: %w", err)
		}
	}
	return nil
}

// FloorLine describes the study's least-squares floor and how far the best
// trial is above it, and for a metric other than the training loss the
// floor's training loss on a second line (each fits 80 columns); "" when
// the study has no floor for its metric.
func FloorLine(s Study, trials []Trial) string {
	floor, ok := s.Floor.Of(s.Metric)
	if !ok {
		return ""
	}
	line := fmt.Sprintf("least-squares floor: %s %s", s.Metric, FormatValue(floor))
	if b, ok := Best(trials, s.Goal); ok {
		if gap := b.Value.Float() - floor; gap >= 0 {
			line += fmt.Sprintf("; the best is %s above it", FormatValue(gap))
		} else {
			// Only on the validation split, where the floor is no bound.
			line += fmt.Sprintf("; the best is %s below it", FormatValue(-gap))
		}
	}
	if s.Metric != "train_loss" {
		line += fmt.Sprintf("\n  (its train_loss, %s, is the lowest any weights reach)", FormatValue(s.Floor.TrainLoss))
	}
	return line
}
