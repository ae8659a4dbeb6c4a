package main

import (
	"context"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// quickSweep runs a small quickstart sweep into dir and returns the
// --storage flag that reads it back.
func quickSweep(t *testing.T, dir, study string) []string {
	t.Helper()
	code, _, stderr := hpsearch(t, context.Background(), "run", filepath.Join("..", "..", "configs", "quickstart.yaml"),
		"--study", study, "--set", "output.dir="+dir,
		"--set", "search.rounds=2", "--set", "search.trials_per_round=6", "--set", "trainer.max_iterations=60")
	if code != exitOK {
		t.Fatalf("run: exit %d\n%s", code, stderr)
	}
	return []string{"--storage", "sqlite://" + filepath.Join(dir, "hpsearch.db")}
}

func checkReport(t *testing.T, path, study string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("report: %v", err)
	}
	page := string(data)
	for _, want := range []string{`<span id="study-name">` + study + `</span>`, `id="ranked-table"`, `data:image/svg+xml;base64,`, "</html>"} {
		if !strings.Contains(page, want) {
			t.Errorf("%s lacks %s", path, want)
		}
	}
}

func TestRunWritesReportAndReportRewritesIt(t *testing.T) {
	dir := t.TempDir()
	storage := quickSweep(t, dir, "rpt")
	path := filepath.Join(dir, "rpt", "report.html")
	checkReport(t, path, "rpt") // written by the run itself
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}

	// By default beside the database, where the run put it.
	code, _, stderr := hpsearch(t, context.Background(), append([]string{"report", "rpt"}, storage...)...)
	if code != exitOK || !strings.Contains(stderr, "wrote "+path) {
		t.Fatalf("report: exit %d\n%s", code, stderr)
	}
	checkReport(t, path, "rpt")

	other := filepath.Join(dir, "r.html")
	if code, _, stderr := hpsearch(t, context.Background(), append([]string{"report", "rpt", "-o", other}, storage...)...); code != exitOK {
		t.Fatalf("report -o: exit %d\n%s", code, stderr)
	}
	checkReport(t, other, "rpt")

	code, stdout, _ := hpsearch(t, context.Background(), append([]string{"report", "rpt", "-o", "-"}, storage...)...)
	if code != exitOK || !strings.HasPrefix(stdout, "<!DOCTYPE html>") {
		t.Errorf("report -o -: exit %d, stdout %.60q", code, stdout)
	}
}

func TestPlotOneTrial(t *testing.T) {
	dir := t.TempDir()
	storage := quickSweep(t, dir, "plt")

	code, stdout, stderr := hpsearch(t, context.Background(), append([]string{"plot", "plt", "--trial", "3"}, storage...)...)
	if code != exitOK {
		t.Fatalf("plot: exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stdout, "Trial 3 of study plt") || !strings.Contains(stdout, "learning_rate=") {
		t.Errorf("plot printed %q, want the trial described", stdout)
	}
	f, err := os.Open(filepath.Join(dir, "plt", "trial-3.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("trial-3.png: %v", err)
	}
	if b := img.Bounds(); b.Dx() < 600 || b.Dy() < 600 {
		t.Errorf("trial-3.png is %v: two panels should be larger", b)
	}

	svg := filepath.Join(dir, "t.svg")
	if code, _, stderr := hpsearch(t, context.Background(), append([]string{"plot", "plt", "--trial", "0", "-o", svg}, storage...)...); code != exitOK {
		t.Fatalf("plot -o t.svg: exit %d\n%s", code, stderr)
	}
	if data, err := os.ReadFile(svg); err != nil || !strings.Contains(string(data), "<svg") {
		t.Errorf("t.svg: %v", err)
	}
}

func TestPlotAndReportRefuseBadRequests(t *testing.T) {
	dir := t.TempDir()
	storage := quickSweep(t, dir, "bad")
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no such trial", []string{"plot", "bad", "--trial", "999"}, "has no trial 999"},
		{"no trial flag", []string{"plot", "bad"}, `required flag(s) "trial" not set`},
		{"negative trial", []string{"plot", "bad", "--trial", "-2"}, "want a trial number"},
		{"unknown format", []string{"plot", "bad", "--trial", "1", "-o", filepath.Join(dir, "x.gif")}, "allowed: .png, .svg"},
		{"no such study", []string{"plot", "nope", "--trial", "1"}, "nope"},
		{"report of no such study", []string{"report", "nope"}, "nope"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := hpsearch(t, context.Background(), append(tc.args, storage...)...)
			if code != exitUsage || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, stderr, exitUsage, tc.want)
			}
		})
	}
}
