package main

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestServeRefusesBadAddresses(t *testing.T) {
	for _, c := range []struct {
		addr, want string
	}{
		{"0.0.0.0:8080", "--expose"},
		{":8080", "--expose"},
		{"192.0.2.1:8080", "--expose"},
		{"8080", "want host:port"},
		{"localhost", "want host:port"},
	} {
		code, _, stderr := hpsearch(t, context.Background(), "serve", "--storage", "memory:", "--addr", c.addr)
		if code != exitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("--addr %s: exit %d, %s", c.addr, code, stderr)
		}
	}
	code, _, stderr := hpsearch(t, context.Background(), "serve", "--storage", filepath.Join(t.TempDir(), "none.db"))
	if code != exitUsage || !strings.Contains(stderr, "run a sweep first") {
		t.Errorf("a store that is not there: exit %d, %s", code, stderr)
	}
}

// lockedBuffer is stderr written by the server's goroutines and read by
// the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// serve serves a sweep's store until the test ends: it says where, pages
// answer, and Ctrl-C (the context) ends it with status 0.
func TestServeServesAStore(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite://" + filepath.Join(dir, "hpsearch.db")
	cfg := filepath.Join("..", "..", "configs", "quickstart.yaml")
	if code, _, stderr := hpsearch(t, context.Background(), "run", cfg, "--storage", db, "--set", "output.dir="+dir, "--set", "search.rounds=2", "--set", "search.trials_per_round=4", "--json"); code != 0 {
		t.Fatalf("run: exit %d\n%s", code, stderr)
	}
	for _, allowStop := range []bool{false, true} {
		ctx, cancel := context.WithCancel(context.Background())
		var stderr lockedBuffer
		args := []string{"serve", "--storage", db, "--addr", "127.0.0.1:0"}
		if allowStop {
			args = append(args, "--allow-stop")
		}
		done := make(chan int, 1)
		go func() { done <- run(ctx, args, io.Discard, &stderr) }()
		url := regexp.MustCompile(`http://127\.0\.0\.1:[0-9]+/`)
		var base string
		for deadline := time.Now().Add(20 * time.Second); base == "" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			base = url.FindString(stderr.String())
		}
		if base == "" {
			cancel()
			t.Fatalf("serve did not say where it listens: %s", stderr.String())
		}
		wantMode := "(read-only;"
		if allowStop {
			wantMode = "(read-only except Stop on running trials;"
		}
		if !strings.Contains(stderr.String(), wantMode) {
			t.Errorf("serve --allow-stop=%v says: %s", allowStop, stderr.String())
		}
		for path, want := range map[string]string{"": "Studies", "api/studies": `"name":"quickstart"`, "study/quickstart": `data-study="quickstart"`} {
			resp, err := http.Get(base + path)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || !strings.Contains(string(body), want) {
				t.Errorf("GET /%s: %d, want %q in\n%.300s", path, resp.StatusCode, want, body)
			}
		}
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("serve ended by Ctrl-C: exit %d, %s", code, stderr.String())
			}
		case <-time.After(10 * time.Second):
			t.Fatal("serve did not stop after Ctrl-C")
		}
	}
}
