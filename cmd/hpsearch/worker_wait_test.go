package main

import (
	"context"
	"strings"
	"testing"
	"time"
)

// A worker started before its database is up: with --wait it keeps trying
// (one line each time) until it is stopped; without, it says why and exits
// 1, as any failure to finish a script may retry (2 would say the command
// itself is wrong).
func TestWorkerWaitsForTheDatabase(t *testing.T) {
	down := "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=1"
	code, _, stderr := hpsearch(t, context.Background(), "worker", "--storage", down)
	if code != exitNoSuccess || !strings.Contains(stderr, "storage:") {
		t.Fatalf("without --wait: exit %d\n%s", code, stderr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	code, _, stderr = hpsearch(t, ctx, "worker", "--wait", "--storage", down)
	if code != exitInterrupted || !strings.Contains(stderr, "trying again in 1s") || !strings.Contains(stderr, "interrupted while waiting for the database") {
		t.Fatalf("with --wait: exit %d\n%s", code, stderr)
	}
}
