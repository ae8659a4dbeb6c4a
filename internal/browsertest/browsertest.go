// Package browsertest finds the headless Chromium the browser tests of
// the dashboard and the report run in. Only this module's tests import
// it.
package browsertest

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// names are the names headless Chromium goes by.
var names = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// Chromium returns the browser to test with. Without one the test is
// skipped on a workstation, but fails on CI (CI=true), where .ci/run
// installs it: a browser test that silently never runs tests nothing.
func Chromium(t testing.TB) string {
	t.Helper()
	for _, name := range names {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	msg := "no Chromium on PATH (looked for " + strings.Join(names, ", ") + "): install it (Debian: apt-get install chromium) to run the browser test"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + "; CI must run it (.ci/run installs it)")
	}
	t.Skip(msg)
	return ""
}
