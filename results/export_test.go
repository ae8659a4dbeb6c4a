package results

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// keys returns an object's keys, sorted.
func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func sorted(s ...string) []string {
	slices.Sort(s)
	return s
}

func TestDocumentJSON(t *testing.T) {
	s, trials := fixtureStudy()
	// Stored order must not matter: the document lists trials by number.
	shuffled := slices.Clone(trials)
	slices.Reverse(shuffled)
	var b bytes.Buffer
	if err := WriteJSON(&b, NewDocument(s, shuffled)); err != nil {
		t.Fatal(err)
	}
	raw := b.Bytes()
	if !json.Valid(raw) {
		t.Fatalf("invalid JSON:\n%s", raw)
	}
	golden(t, "document.json", raw)

	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	// The field names are the DESIGN.md contract.
	if got, want := keys(doc), sorted("study", "strategy", "metric", "goal", "trials", "rounds", "best"); !slices.Equal(got, want) {
		t.Errorf("document keys = %v, want %v", got, want)
	}
	docTrials := doc["trials"].([]any)
	if len(docTrials) != len(trials) {
		t.Fatalf("%d trials, want %d", len(docTrials), len(trials))
	}
	for i, dt := range docTrials {
		if n := dt.(map[string]any)["number"].(float64); int(n) != i {
			t.Errorf("trials[%d] is trial %v, want number order", i, n)
		}
	}
	base := []string{"number", "round", "params", "status", "value", "train_loss", "iterations", "stop_reason", "seconds"}
	trialKeys := []struct {
		name string
		idx  int
		want []string
	}{
		{"ok trial", 1, sorted(base...)},
		{"failed trial has error", 4, sorted(append(slices.Clone(base), "error")...)},
		{"trial with a known best iteration", 6, sorted(append(slices.Clone(base), "best_iteration")...)},
	}
	for _, tc := range trialKeys {
		if got := keys(docTrials[tc.idx].(map[string]any)); !slices.Equal(got, tc.want) {
			t.Errorf("%s keys = %v, want %v", tc.name, got, tc.want)
		}
	}
	diverged := docTrials[2].(map[string]any)
	if diverged["value"] != nil || diverged["train_loss"] != nil {
		t.Errorf("diverged trial: value %v, train_loss %v; want null for NaN and Inf", diverged["value"], diverged["train_loss"])
	}
	round := doc["rounds"].([]any)[1].(map[string]any)
	if got, want := keys(round), sorted("round", "ranges", "best", "median"); !slices.Equal(got, want) {
		t.Errorf("round keys = %v, want %v", got, want)
	}
	if round["median"] != nil {
		t.Errorf("NaN median = %v, want null", round["median"])
	}
	best := doc["best"].(map[string]any)
	if got, want := keys(best), sorted("number", "params", "value", "best_iteration"); !slices.Equal(got, want) {
		t.Errorf("best keys = %v, want %v", got, want)
	}
	if best["number"].(float64) != 6 || best["best_iteration"].(float64) != 650 {
		t.Errorf("best is trial %v at iteration %v, want 6 at 650", best["number"], best["best_iteration"])
	}
	if it := docTrials[6].(map[string]any)["best_iteration"]; it != 650.0 {
		t.Errorf("trial 6 best_iteration = %v, want 650", it)
	}
}

func TestDocumentOrder(t *testing.T) {
	s, trials := fixtureStudy()
	var b bytes.Buffer
	if err := WriteJSON(&b, NewDocument(s, trials)); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	// Parameters and ranges keep the config's order, not Go's map order.
	first := strings.Index(out, `"learning_rate"`)
	second := strings.Index(out, `"batch_size"`)
	third := strings.Index(out, `"momentum"`)
	if !(first >= 0 && first < second && second < third) {
		t.Errorf("params out of order: learning_rate@%d batch_size@%d momentum@%d", first, second, third)
	}
	if !strings.Contains(out, `"learning_rate": [`) || !strings.Contains(out, `"batch_size": [`) {
		t.Errorf("ranges not written as name: [lo, hi] / [choices]:\n%s", out)
	}
}

func TestEmptyDocument(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJSON(&b, NewDocument(Study{Name: "empty"}, nil)); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if tr, ok := doc["trials"].([]any); !ok || len(tr) != 0 {
		t.Errorf(`trials = %v, want []`, doc["trials"])
	}
	if r, ok := doc["rounds"].([]any); !ok || len(r) != 0 {
		t.Errorf(`rounds = %v, want []`, doc["rounds"])
	}
	if v, ok := doc["best"]; !ok || v != nil {
		t.Errorf(`best = %v (present %v), want null`, v, ok)
	}
}

func TestTrialDocument(t *testing.T) {
	tests := []struct {
		name          string
		accuracy      float64
		bestIteration int
		want          string
	}{
		{"regression omits accuracy", nan, 0, `{"number":3,"round":1,"params":{"learning_rate":0.01,"activation":"relu"},"status":"ok","value":0.5,"train_loss":0.45,"iterations":400,"stop_reason":"gradient_threshold","seconds":0.25}`},
		{"classifier has accuracy", 0.875, 0, `{"number":3,"round":1,"params":{"learning_rate":0.01,"activation":"relu"},"status":"ok","value":0.5,"train_loss":0.45,"accuracy":0.875,"iterations":400,"stop_reason":"gradient_threshold","seconds":0.25}`},
		{"known best iteration", nan, 87, `{"number":3,"round":1,"params":{"learning_rate":0.01,"activation":"relu"},"status":"ok","value":0.5,"train_loss":0.45,"iterations":400,"best_iteration":87,"stop_reason":"gradient_threshold","seconds":0.25}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := mkTrial(3, StatusOK, 0.5, 0.25, lr(0.01), act("relu"))
			tr.Accuracy, tr.BestIteration = Measured(tc.accuracy), tc.bestIteration
			got, err := json.Marshal(TrialDocument(tr))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestWriteBestYAMLGolden(t *testing.T) {
	tests := []struct {
		name string
		best BestFile
		file string
	}{
		{"typical", BestFile{
			Study: "quickstart", Metric: "validation_loss", Goal: "minimize", Value: 0.00981, Trial: 6, Iteration: 87,
			Params: Params{lr(0.0031622776601683794), batch(32), momentum(1), act("relu"),
				{Name: "optimizer", Value: "yes"}, {Name: "tag", Value: "0.5"}, {Name: "big", Value: 1e21}},
		}, "best.yaml"},
		{"no params, no iteration", BestFile{Study: "s", Metric: "m", Goal: "maximize", Value: 1, Trial: 0}, "best_empty.yaml"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteBestYAML(&b, tc.best); err != nil {
				t.Fatal(err)
			}
			golden(t, tc.file, b.Bytes())
		})
	}
}

// sameParams compares params by name, type and exact bits.
func sameParams(a, b Params) bool {
	return slices.EqualFunc(a, b, func(x, y Param) bool {
		if x.Name != y.Name || reflect.TypeOf(x.Value) != reflect.TypeOf(y.Value) {
			return false
		}
		if fx, ok := x.Value.(float64); ok {
			return math.Float64bits(fx) == math.Float64bits(y.Value.(float64))
		}
		return x.Value == y.Value
	})
}

func TestBestYAMLRoundTrip(t *testing.T) {
	tests := []struct {
		name   string
		params Params
		value  float64
	}{
		{"learning rates bit-exact", Params{lr(0.001), {Name: "b", Value: 0.1 + 0.2}, {Name: "c", Value: 1.0 / 3}, {Name: "d", Value: 5e-324}}, 0.1},
		{"whole floats stay floats", Params{{Name: "a", Value: 1.0}, {Name: "b", Value: 1e21}, {Name: "c", Value: -0.0}, {Name: "d", Value: 100000.0}}, 2},
		{"ints stay ints", Params{batch(32), {Name: "neg", Value: int64(-7)}, {Name: "max", Value: int64(math.MaxInt64)}}, 0},
		{"strings that look like other things", Params{act("relu"), {Name: "a", Value: "0.001"}, {Name: "b", Value: "true"}, {Name: "c", Value: "yes"}, {Name: "d", Value: ""}, {Name: "e", Value: "a: b"}, {Name: "f", Value: "null"}}, 0},
		{"order kept", Params{{Name: "z", Value: 1.5}, {Name: "a", Value: int64(1)}, {Name: "m", Value: "x"}}, 0},
		{"extreme value", Params{lr(0.5)}, math.MaxFloat64},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := BestFile{Study: "s", Metric: "validation_loss", Goal: "minimize", Value: tc.value, Trial: 12, Iteration: 87, Params: tc.params}
			var b bytes.Buffer
			if err := WriteBestYAML(&b, in); err != nil {
				t.Fatal(err)
			}
			out, err := ReadBestYAML(&b, "best.yaml")
			if err != nil {
				t.Fatalf("read back: %v\n%s", err, b.String())
			}
			if out.Study != in.Study || out.Metric != in.Metric || out.Goal != in.Goal || out.Trial != in.Trial || out.Iteration != in.Iteration ||
				math.Float64bits(out.Value) != math.Float64bits(in.Value) {
				t.Errorf("header: got %+v, want %+v", out, in)
			}
			if !sameParams(out.Params, in.Params) {
				t.Errorf("params: got %#v, want %#v", out.Params, in.Params)
			}
		})
	}
}

func TestReadBestYAMLHandWritten(t *testing.T) {
	// An integer too large for int64 is resolved by YAML as a float, not
	// wrapped around.
	in := "# edited by hand\nparams:\n  learning_rate: 1e-3\n  batch_size: 0x20\n  activation: 'relu'\n  hidden: \"64\"\n  big: 99999999999999999999\n"
	got, err := ReadBestYAML(strings.NewReader(in), "hand.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := Params{lr(0.001), batch(32), act("relu"), {Name: "hidden", Value: "64"}, {Name: "big", Value: 1e20}}
	if !sameParams(got.Params, want) {
		t.Errorf("params = %#v, want %#v", got.Params, want)
	}
}

func TestReadBestYAMLErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string // substrings of the error
	}{
		{"empty file", "", []string{"best.yaml: empty file"}},
		{"comment only", "# nothing\n", []string{"best.yaml: empty file"}},
		{"not a mapping", "- a\n- b\n", []string{"best.yaml:1: best settings must be a mapping", "got a list"}},
		{"missing params", "study: s\nvalue: 1\n", []string{"best.yaml:1: missing params"}},
		{"params not a mapping", "study: s\nparams: [1, 2]\n", []string{"best.yaml:2: params: want a mapping", "got a list"}},
		{"params empty", "params:\n", []string{"best.yaml:1: params: want a mapping", "got nothing"}},
		{"syntax error has a line", "study: s\nparams:\n  a: [1\n", []string{"best.yaml:", "invalid YAML"}},
		{"bad value", "value: low\nparams: {}\n", []string{`best.yaml:1: value: want a number, got "low"`}},
		{"bad trial", "trial: 1.5\nparams: {}\n", []string{`best.yaml:1: trial: want an integer, got "1.5"`}},
		{"bad iteration", "iteration: many\nparams: {}\n", []string{`best.yaml:1: iteration: want an integer, got "many"`}},
		{"unknown key", "study: s\nsead: 1\nparams: {}\n", []string{`best.yaml:2: unknown key "sead" (allowed: study, metric, goal, value, trial, iteration, params)`}},
		{"duplicate key", "params: {}\nparams: {}\n", []string{`best.yaml:2: duplicate key "params"`}},
		{"duplicate param", "params:\n  a: 1\n  a: 2\n", []string{`best.yaml:3: params: duplicate parameter "a"`}},
		{"list value", "params:\n  hidden: [16, 16]\n", []string{"best.yaml:2: params: hidden: want a number or a string, got a list"}},
		{"null value", "params:\n  lr:\n", []string{"best.yaml:2: params: lr: missing value"}},
		{"bool value", "params:\n  nesterov: true\n", []string{"best.yaml:2: params: nesterov: booleans are not parameter values"}},
		{"all problems at once", "value: x\ntrial: y\n", []string{"best.yaml:1: value", "best.yaml:2: trial", "missing params"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadBestYAML(strings.NewReader(tc.in), "best.yaml")
			if err == nil {
				t.Fatalf("no error for %q", tc.in)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestLoadBestYAML(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "best.yaml")
	want := BestFile{Study: "s", Metric: "m", Goal: "minimize", Value: 0.25, Trial: 3, Iteration: 42, Params: Params{lr(0.001)}}
	var b bytes.Buffer
	if err := WriteBestYAML(&b, want); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := LoadBestYAML(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}

	if err := os.WriteFile(path, []byte("study: s\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadBestYAML(path); err == nil || !strings.Contains(err.Error(), path+":1: missing params") {
		t.Errorf("error = %v, want it to name %s:1", err, path)
	}
	if _, err := LoadBestYAML(filepath.Join(dir, "nope.yaml")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: error = %v, want a wrapped not-exist error", err)
	}
}

func TestWriteBestYAMLRejectsOtherTypes(t *testing.T) {
	err := WriteBestYAML(&bytes.Buffer{}, BestFile{Params: Params{{Name: "flag", Value: true}}})
	if err == nil || !strings.Contains(err.Error(), "param flag") {
		t.Errorf("error = %v, want one naming param flag", err)
	}
}

func TestNewBestFile(t *testing.T) {
	s, trials := fixtureStudy()
	b, ok := Best(trials, s.Goal)
	if !ok {
		t.Fatal("fixture has no best trial")
	}
	got := NewBestFile(s, b)
	if got.Study != "quickstart" || got.Metric != "validation_loss" || got.Trial != 6 || got.Iteration != 650 || got.Value != 0.00981 || !sameParams(got.Params, b.Params) {
		t.Errorf("NewBestFile = %+v", got)
	}
	got.Params[0].Value = 99.0
	if b.Params[0].Value == 99.0 {
		t.Error("NewBestFile shares the trial's params")
	}
}

func TestWriteCSV(t *testing.T) {
	tr0 := mkTrial(0, StatusOK, 0.1, 0.5, lr(0.001), batch(32))
	tr0.BestIteration = 87
	tr1 := mkTrial(1, StatusFailed, nan, 0, lr(0.3), act("tanh"))
	tr1.TrainLoss = Measurement{}
	tr1.Error = "exit status 1, \"boom\"\nline two"
	tr2 := mkTrial(2, StatusDiverged, nan, 0.25, batch(64))
	tr2.TrainLoss = Measured(math.Inf(1))
	tr2.Accuracy = Measured(0.5)
	want := "number,round,status,learning_rate,batch_size,activation,value,train_loss,accuracy,iterations,best_iteration,stop_reason,seconds,seed,error\n" +
		"0,0,ok,0.001,32,,0.1,0.09000000000000001,,100,87,gradient_threshold,0.5,1000,\n" +
		"1,0,failed,0.3,,tanh,,,,200,,gradient_threshold,0,1001,\"exit status 1, \"\"boom\"\"\nline two\"\n" +
		"2,0,diverged,,64,,,+Inf,0.5,300,,gradient_threshold,0.25,1002,\n"
	var b bytes.Buffer
	if err := WriteCSV(&b, []Trial{tr0, tr1, tr2}); err != nil {
		t.Fatal(err)
	}
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatalf("output is not valid CSV: %v", err)
	}
	for i, r := range rows {
		if len(r) != len(rows[0]) {
			t.Errorf("row %d has %d fields, header has %d", i, len(r), len(rows[0]))
		}
	}
}

func TestWriteCSVNoTrials(t *testing.T) {
	var b bytes.Buffer
	if err := WriteCSV(&b, nil); err != nil {
		t.Fatal(err)
	}
	want := "number,round,status,value,train_loss,accuracy,iterations,best_iteration,stop_reason,seconds,seed,error\n"
	if b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
}
