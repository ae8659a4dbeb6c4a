package main

import (
	"regexp"
	"strings"
)

// resumeHint says how to continue an interrupted study.
func resumeHint(path string, f runFlags, study string) string {
	cmd := resumeCommandIfKept(path, f, study)
	if cmd == "" {
		return "nothing was kept (--storage memory:): there is nothing to resume"
	}
	return "they are stored; continue with: " + cmd
}

// resumeCommandIfKept is resumeCommand, or "" when nothing is kept to
// resume (--storage memory:).
func resumeCommandIfKept(path string, f runFlags, study string) string {
	if f.storage == "memory:" || f.storage == "memory" {
		return ""
	}
	return resumeCommand(path, f, study)
}

// resumeCommand is the command that continues an interrupted study: every
// flag that decides which trials the study holds (the config, its --set
// overrides, the study, its storage, a warm start) and how it prints,
// shell-quoted, so that pasting it resumes instead of failing with "the
// config differs". --parallel is left out: it changes no trial.
func resumeCommand(path string, f runFlags, study string) string {
	args := []string{"hpsearch", "run", path, "--study", study}
	for _, kv := range f.sets {
		args = append(args, "--set", kv)
	}
	if f.storage != "" {
		// A password is not printed; a PostgreSQL study says where to put it.
		args = append(args, "--storage", redact(f.storage))
	}
	if f.warmStart != "" {
		args = append(args, "--warm-start", f.warmStart)
	}
	args = append(args, "--resume")
	if f.json {
		args = append(args, "--json")
	}
	for i, a := range args {
		args[i] = shellQuote(a)
	}
	return strings.Join(args, " ")
}

// shellSafe are the words a POSIX shell reads as they are.
var shellSafe = regexp.MustCompile(`^[A-Za-z0-9_@%+=:,./-]+$`)

// shellQuote quotes s for a POSIX shell: as it is when safe, else in single
// quotes, a quote inside closing them, escaped, and opening them again.
func shellQuote(s string) string {
	if shellSafe.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
