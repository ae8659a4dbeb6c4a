package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/hpsearch/hpsearch/internal/errfmt"
	"github.com/hpsearch/hpsearch/results"
	"github.com/hpsearch/hpsearch/results/postgres"
	"github.com/hpsearch/hpsearch/results/sqlite"
)

// defaultStorage is where studies live when --storage is not given.
func defaultStorage(outputDir string) string {
	// An absolute path gives sqlite:///abs/…, a relative one sqlite://runs/….
	return "sqlite://" + filepath.Join(outputDir, "hpsearch.db")
}

// openStore opens the store a --storage URL names:
//
//	sqlite:///abs/path.db   sqlite://relative/path.db   (or a bare path)
//	memory:                 nothing kept after the process ends
//	postgres://user:pass@host/db   shared by workers on several machines
//
// A database that cannot be opened or is not an hpsearch database is a
// usage error (exit 2): nothing has run yet; a PostgreSQL server that
// cannot be reached exits 1.
func openStore(url string) (results.Store, func(), error) {
	if url == "memory:" || url == "memory" {
		return results.NewMemoryStore(), func() {}, nil
	}
	if scheme, ok := schemeWithoutSlashes(url); ok {
		// "sqlite:", "memory:xyz", "postgres:host": a bare path would make
		// a database file of that name in the working directory.
		return nil, nil, usageErr("--storage %q: the scheme %s: has no // after it (allowed: sqlite:///path or a file path, memory:, postgres://…; write ./%s for a file of that name)", redact(url), scheme, url)
	}
	if path, ok := sqlitePath(url); ok {
		// sqlite:///abs/x.db → /abs/x.db; sqlite://rel/x.db → rel/x.db; a bare path as it is.
		if path == "" {
			return nil, nil, usageErr("--storage %s: no file path (want sqlite:///path/to/file.db)", url)
		}
		s, err := sqlite.Open(path)
		if err != nil {
			return nil, nil, usageErr("storage: %s", errfmt.OneLine(err))
		}
		return s, func() { s.Close() }, nil
	}
	scheme, _, _ := strings.Cut(url, "://")
	switch scheme {
	case "postgres", "postgresql":
		// Connecting is bounded by the store's connect timeout.
		s, err := postgres.Open(context.Background(), url)
		if err != nil {
			// The message on one line, the cause kept: a worker waits for
			// a database it cannot reach yet (results.ErrUnavailable).
			// A server that cannot be reached exits 1, as any other failure
			// to finish: a script may retry it later, while 2 (a wrong
			// password, a missing database) says the command must change.
			code := exitUsage
			if errors.Is(err, results.ErrUnavailable) {
				code = exitNoSuccess
			}
			return nil, nil, &exitError{code: code, err: &causedErr{msg: "storage: " + errfmt.OneLine(err), cause: err}}
		}
		return s, func() { s.Close() }, nil
	}
	return nil, nil, usageErr("--storage %s: unknown scheme %q (allowed: sqlite:///path, memory:, postgres://…)", redact(url), scheme)
}

// schemeWithoutSlashes says whether url starts as a URL scheme followed
// by ':' but not '://' ("sqlite:", "memory:xyz"), other than memory: itself.
// One letter is a Windows drive (C:\runs\x.db), not a scheme.
func schemeWithoutSlashes(url string) (string, bool) {
	scheme, rest, ok := strings.Cut(url, ":")
	if !ok || url == "memory:" || strings.HasPrefix(rest, "//") || len(scheme) < 2 {
		return "", false
	}
	for i, r := range scheme {
		letter := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
		if !letter && (i == 0 || !(r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.')) {
			return "", false
		}
	}
	return scheme, true
}

// sqlitePath returns the file a SQLite --storage URL names.
func sqlitePath(url string) (string, bool) {
	scheme, rest, ok := strings.Cut(url, "://")
	if !ok {
		return url, url != "memory:" && url != "memory"
	}
	return rest, scheme == "sqlite" || scheme == "sqlite3" || scheme == "file"
}

// redact hides a password in a database URL before it is printed.
func redact(url string) string {
	scheme, rest, ok := strings.Cut(url, "://")
	if !ok {
		return url
	}
	if scheme == "postgres" || scheme == "postgresql" {
		return postgres.Redact(url) // also a password given as ?password=
	}
	creds, host, ok := strings.Cut(rest, "@")
	if !ok {
		return url
	}
	user, _, hasPass := strings.Cut(creds, ":")
	if !hasPass {
		return url
	}
	return fmt.Sprintf("%s://%s:***@%s", scheme, user, host)
}

// causedErr is an error with its own message that still unwraps to cause.
type causedErr struct {
	msg   string
	cause error
}

func (e *causedErr) Error() string { return e.msg }
func (e *causedErr) Unwrap() error { return e.cause }
