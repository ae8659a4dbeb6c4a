package dashboard

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hpsearch/hpsearch/results"
)

// post sends a stop request as the trial page's button does (with
// header), or as another site's page could (without).
func post(t *testing.T, url string, header map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	msg, _ := m["message"].(string)
	if e, ok := m["error"].(string); ok {
		msg = e
	}
	return resp.StatusCode, msg
}

// The Stop button's request reaches the store: the running trial's next
// progress report is told to stop. Only with a Stopper, only with the
// page's header and from its own origin, and only for a running trial.
func TestStopThroughTheStore(t *testing.T) {
	sy := synth{name: "s1", trials: 10, history: 4, seed: 31, status: results.StudyRunning}
	store := results.NewMemoryStore()
	sy.put(t, store)
	srv := httptest.NewServer(New(store, Options{Stopper: store, Log: testLogger(t)}))
	defer srv.Close()

	var d trialDoc
	getJSON(t, srv, "/api/study/s1/trial/9", &d)
	if !d.Running || !d.CanStop {
		t.Fatalf("running trial: running %v can stop %v", d.Running, d.CanStop)
	}
	getJSON(t, srv, "/api/study/s1/trial/0", &d)
	if d.CanStop {
		t.Error("a finished trial offers Stop")
	}
	code, page := get(t, srv, "/study/s1/trial/9")
	if code != 200 || !strings.Contains(string(page), "stop enabled") {
		t.Errorf("trial page: %d", code)
	}

	url := srv.URL + "/api/study/s1/trial/9/stop"
	if code, _ := post(t, url, nil); code != http.StatusForbidden {
		t.Errorf("without the page's header: %d, want 403", code)
	}
	if code, _ := post(t, url, map[string]string{"X-Hpsearch": "stop", "Origin": "http://evil.example"}); code != http.StatusForbidden {
		t.Errorf("from another origin: %d, want 403", code)
	}
	stop, err := store.RecordProgress(context.Background(), "s1", 9, nil, false)
	if err != nil || stop {
		t.Fatalf("before the button: stop %v, %v", stop, err)
	}
	code, msg := post(t, url, map[string]string{"X-Hpsearch": "stop", "Origin": srv.URL})
	if code != http.StatusOK || !strings.Contains(msg, "next iteration") {
		t.Fatalf("stop: %d %s", code, msg)
	}
	stop, err = store.RecordProgress(context.Background(), "s1", 9, nil, false)
	if err != nil || !stop {
		t.Errorf("after the button the trial is not told to stop: stop %v, %v", stop, err)
	}
	if code, msg := post(t, srv.URL+"/api/study/s1/trial/0/stop", map[string]string{"X-Hpsearch": "stop"}); code != http.StatusConflict || !strings.Contains(msg, "ok") {
		t.Errorf("stop a finished trial: %d %s, want 409 saying it is ok", code, msg)
	}
	for _, path := range []string{"/api/study/nope/trial/0/stop", "/api/study/s1/trial/99/stop"} {
		if code, _ := post(t, srv.URL+path, map[string]string{"X-Hpsearch": "stop"}); code != http.StatusConflict && code != http.StatusNotFound {
			t.Errorf("%s: %d, want 404 or 409", path, code)
		}
	}
	if code, _ := post(t, srv.URL+"/api/study/s1/trial/x/stop", map[string]string{"X-Hpsearch": "stop"}); code != http.StatusBadRequest {
		t.Errorf("bad trial number: %d", code)
	}
}
