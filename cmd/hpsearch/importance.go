package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/results/importance"
	"github.com/hpsearch/hpsearch/study"
)

// importanceDocument is show --json --importance's document: the study's,
// plus its parameter importance (null, with the reason, when too few
// trials finished ok to measure it).
type importanceDocument struct {
	results.Document
	Importance     *importance.Result `json:"importance"`
	ImportanceNote string             `json:"importance_note,omitempty"`
}

// showImportance is show --importance: the study as show prints it, then
// its parameter importance.
func showImportance(ctx context.Context, o *study.Outcome, asJSON bool, top int, output trialOutput, w io.Writer) error {
	imp, err := importance.OfStudy(ctx, o.Study, o.Trials, 0)
	note := ""
	if errors.Is(err, importance.ErrTooFewTrials) {
		note, err = err.Error(), nil
	}
	if err != nil {
		return err
	}
	if asJSON {
		doc := importanceDocument{Document: outcomeDocument(o), ImportanceNote: note}
		if note == "" {
			doc.Importance = &imp
		}
		return results.WriteJSON(w, doc)
	}
	if err := writeOutcome(o, false, top, output, w); err != nil {
		return err
	}
	if _, err := fmt.Fprintln(w); err != nil {
		return fmt.Errorf("write importance: %w", err)
	}
	if note != "" {
		_, err := fmt.Fprintf(w, "Parameter importance: %s\n", note)
		if err != nil {
			return fmt.Errorf("write importance: %w", err)
		}
		return nil
	}
	return importance.WriteTable(w, imp)
}
