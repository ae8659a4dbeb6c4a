package main

import (
	"path/filepath"
	"strings"
)

// sharedScheme reports whether a --storage URL names a store that
// several machines share.
func sharedScheme(storage string) bool {
	scheme, _, _ := strings.Cut(storage, "://")
	return scheme == "postgres" || scheme == "postgresql"
}

// sharedConfigPath makes the config's path absolute for a shared study:
// workers resolve its relative data paths from the absolute directory
// stored with it, and the config the run resolves must be the one they
// resolve (study.Rebuild compares them).
func sharedConfigPath(path, storage string) string {
	if !sharedScheme(storage) {
		return path
	}
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return path
}
