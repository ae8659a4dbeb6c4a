package configs

import (
	"fmt"
	"regexp"
)

// MaxStudyNameLen bounds a study name, in bytes. The name becomes a
// directory under output.dir (255 bytes on most file systems, less once
// encrypted) and appears in every log line, so it is refused before any
// trial runs rather than when the sweep's files are written.
const MaxStudyNameLen = 100

// studyName is the whole alphabet of a study name: one rule for the
// config's name, --study, and every name read back from a store.
var studyName = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// CheckStudyName says why name cannot name a study, or nil. A study name is
// used to build paths (runs/<study>/…), printed in log lines and typed on
// command lines, so it holds only letters, digits, '.', '_' and '-', does
// not start with '-' (a command would read it as a flag), is not "." or
// "..", and has at most MaxStudyNameLen bytes. Placeholders ({date},
// {time}) must be expanded before the check.
func CheckStudyName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("study name must not be empty")
	case len(name) > MaxStudyNameLen:
		return fmt.Errorf("study name %s is %d bytes long (at most %d)", QuoteName(name), len(name), MaxStudyNameLen)
	case !studyName.MatchString(name):
		return fmt.Errorf("study name %s may hold only letters, digits, '.', '_' and '-'", QuoteName(name))
	case name[0] == '-':
		return fmt.Errorf("study name %s must not start with '-'", QuoteName(name))
	case name == "." || name == "..":
		return fmt.Errorf("study name %s is not a usable directory name", QuoteName(name))
	}
	return nil
}

// QuoteName quotes a name that may be hostile for an error message: control
// and format characters (a newline, a right-to-left override) are escaped,
// so the message cannot forge a log line, and a long name is cut so that a
// 10 MB name does not make a 10 MB line.
func QuoteName(name string) string {
	const keep = 40
	if len(name) <= MaxStudyNameLen {
		return fmt.Sprintf("%q", name)
	}
	cut := keep
	for cut > 0 && name[cut]&0xC0 == 0x80 { // do not split a UTF-8 sequence
		cut--
	}
	return fmt.Sprintf("%q…", name[:cut])
}
