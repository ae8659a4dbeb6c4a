package dashboard

import (
	"net/http/httptest"
	"testing"
	"time"
)

// The synthetic studies' value is a function of the learning rate alone
// (plus a little noise): the page must rank it first.
func TestImportanceRanksTheParameterThatMatters(t *testing.T) {
	srv, _ := newTestServer(t, Options{}, synth{name: "s1", trials: 150, rounds: 2, seed: 21}, synth{name: "tiny", trials: 1, seed: 22})
	doc := waitImportance(t, srv, "s1")
	if len(doc.Params) != 3 || doc.Params[0].Name != "learning_rate" || doc.Params[0].Importance < 0.5 {
		t.Fatalf("importance = %+v, want learning_rate first with most of the variance", doc.Params)
	}
	if doc.Trials == 0 || doc.Trials != doc.OK || doc.Skipped == 0 || len(doc.Pairs) == 0 || len(doc.Pairs) > maxPairs {
		t.Errorf("trials %d ok %d skipped %d pairs %d", doc.Trials, doc.OK, doc.Skipped, len(doc.Pairs))
	}
	tiny := waitImportance(t, srv, "tiny")
	if tiny.Note == "" || len(tiny.Params) != 0 {
		t.Errorf("a one-trial study: %+v, want a note and no scores", tiny)
	}
	if code, _ := get(t, srv, "/api/study/nope/importance"); code != 404 {
		t.Errorf("unknown study: %d", code)
	}
}

func waitImportance(t *testing.T, s *httptest.Server, name string) importanceDoc {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var doc importanceDoc
		getJSON(t, s, "/api/study/"+name+"/importance", &doc)
		if !doc.Pending {
			return doc
		}
		if time.Now().After(deadline) {
			t.Fatalf("importance of %s still pending after a minute", name)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
