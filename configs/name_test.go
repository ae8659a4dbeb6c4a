package configs

import (
	"strings"
	"testing"
)

func TestCheckStudyName(t *testing.T) {
	good := []string{"quickstart", "night-2026-12-07", "a.b_c-d", "A", strings.Repeat("a", MaxStudyNameLen)}
	for _, name := range good {
		if err := CheckStudyName(name); err != nil {
			t.Errorf("CheckStudyName(%q) = %v, want nil", name, err)
		}
	}
	bad := map[string]string{
		"":                                     "must not be empty",
		strings.Repeat("a", MaxStudyNameLen+1): "is 101 bytes long (at most 100)",
		"../../../tmp/x":                       `"../../../tmp/x" may hold only`,
		`a\b`:                                  "may hold only",
		".":                                    "not a usable directory name",
		"..":                                   "not a usable directory name",
		"ok\nhpsearch: FAKE LOG LINE":          `"ok\nhpsearch: FAKE LOG LINE" may hold only`,
		"-rf":                                  "must not start with '-'",
		"evil\u202etxt.exe":                    `"evil\u202etxt.exe" may hold only`,
		`it's`:                                 "may hold only",
		`a"b`:                                  "may hold only",
		"a b":                                  "may hold only",
		"<b>":                                  "may hold only",
		"100%":                                 "may hold only",
		"a\x00b":                               `"a\x00b" may hold only`,
		"{date}":                               "may hold only", // placeholders are expanded before the check
	}
	for name, want := range bad {
		err := CheckStudyName(name)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckStudyName(%q) = %v, want an error containing %q", name, err, want)
		}
		if err != nil && strings.ContainsAny(err.Error(), "\n\u202e\x00") {
			t.Errorf("CheckStudyName(%q): the message %q carries the raw character", name, err)
		}
	}
}

// A 10 MB name must not make a 10 MB message.
func TestCheckStudyNameCutsLongNames(t *testing.T) {
	err := CheckStudyName(strings.Repeat("é", 5<<20))
	if err == nil || len(err.Error()) > 200 {
		t.Fatalf("CheckStudyName(10 MB) = %d bytes of message, want a short one", len(err.Error()))
	}
	if !strings.Contains(err.Error(), "10485760 bytes long") {
		t.Errorf("message %q does not give the length", err)
	}
}

// The config's name is judged by the same rule, as it will be once its
// placeholders are expanded: a name that is too long is refused by
// validate, before any trial runs, not when the sweep's files are written.
func TestConfigNameBounds(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"300 characters", base + "name: " + strings.Repeat("a", 300),
			`c.yaml:2: name: study name "` + strings.Repeat("a", 40) + `"… is 300 bytes long (at most 100) (allowed: {date}, {time})`},
		{"too long once expanded", base + "name: " + strings.Repeat("a", 90) + "-{date}",
			`c.yaml:2: name: study name "` + strings.Repeat("a", 40) + `"… is 101 bytes long (at most 100) (allowed: {date}, {time})`},
		{"leading dash", base + "name: -rf",
			`c.yaml:2: name: study name "-rf" must not start with '-' (allowed: {date}, {time})`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse(t, tt.src)
			got := problems(t, err)
			if len(got) != 1 || got[0] != tt.want {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), tt.want)
			}
		})
	}
	if _, err := parse(t, base+"name: "+strings.Repeat("a", 82)+"-{date}-{time}"); err != nil {
		t.Errorf("a name of 100 bytes once expanded: %v", err)
	}
}
