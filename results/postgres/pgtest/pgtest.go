// Package pgtest gives tests a PostgreSQL database of their own: a fresh
// schema in the database HPSEARCH_TEST_POSTGRES names, dropped when the test
// ends, so tests and test runs never see each other's studies.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// EnvVar names the database the tests use, e.g.
// postgres://hpsearch:hpsearch@localhost:5432/hpsearch_test?sslmode=disable
// (.ci/run starts PostgreSQL and sets it).
const EnvVar = "HPSEARCH_TEST_POSTGRES"

var unsafe = regexp.MustCompile(`[^a-z0-9_]+`)

// URL returns a URL for a new, empty schema (through search_path) and drops
// the schema when tb ends. Without HPSEARCH_TEST_POSTGRES the test is
// skipped, except under CI (CI=true), where PostgreSQL must be there and
// its absence is a failure rather than a silently shorter test run.
func URL(tb testing.TB) string {
	tb.Helper()
	base := os.Getenv(EnvVar)
	if base == "" {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("%s is not set; CI must provide PostgreSQL (.ci/run starts it)", EnvVar)
		}
		tb.Skipf("%s is not set: skipping the PostgreSQL tests (set it to postgres://user:pass@host/db; .ci/run shows how)", EnvVar)
	}
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("%s is not a URL: %v", EnvVar, err)
	}
	schema := Schema(tb)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		tb.Fatalf("connect to %s: %v", EnvVar, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		tb.Fatalf("create schema %s: %v", schema, err)
	}
	tb.Cleanup(func() { drop(tb, base, schema) })
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Schema is a unique schema name that says which test made it.
func Schema(tb testing.TB) string {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		tb.Fatal(err)
	}
	name := unsafe.ReplaceAllString(strings.ToLower(tb.Name()), "_")
	if len(name) > 40 {
		name = name[:40]
	}
	return "t_" + name + "_" + hex.EncodeToString(b[:])
}

func drop(tb testing.TB, base, schema string) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		tb.Errorf("drop schema %s: %v", schema, err)
		return
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
		tb.Errorf("drop schema %s: %v", schema, err)
	}
}
