package configs

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/hpsearch/hpsearch/internal/regular"
	"github.com/hpsearch/hpsearch/testfunc"
	"github.com/hpsearch/hpsearch/trainer"
)

// isBenchmark reports whether the objective is a test function, also when
// its name was misspelt, so that one typo does not bring a cascade of
// problems about missing data.
func (d *decoder) isBenchmark() bool {
	return d.cfg.Benchmark != "" || d.has("benchmark")
}

// validate checks what single values cannot show: how keys fit together,
// and that the data file exists. Values that failed to decode were reported
// already and are not judged again.
func (d *decoder) validate(baseDir string) {
	d.resolvePinnedConditions()
	d.validateName()
	d.validateData(baseDir)
	d.validateModel()
	d.validateWeights()
	d.validateMonitor()
	d.validateSearch()
	d.validateParameterUse()
	d.validateCommand(baseDir)
	d.checkConditionalPlaceholders()
	d.warnIgnoredKeys()
	if d.cfg.Output.Dir == "" {
		d.at("output.dir", "must not be empty")
	}
}

var (
	namePattern = regexp.MustCompile(`^[A-Za-z0-9._{}-]+$`)
	placeholder = regexp.MustCompile(`\{[^{}]*\}`)
)

// placeholders a study name may hold; they are expanded when a study
// starts, not here, so that the config describes every run alike.
var placeholders = []string{"{date}", "{time}"}

func (d *decoder) validateName() {
	if msg := nameProblem(d.cfg.Name); msg != "" {
		d.at("name", msg, placeholders...)
	}
}

// nameProblem says why a study name cannot be used, or "". The name becomes
// a directory under output.dir, so it must not escape it.
func nameProblem(name string) string {
	// Judged as expanded, since the expansion is what names the directory.
	expanded := strings.NewReplacer("{date}", "2006-01-02", "{time}", "150405").Replace(name)
	if len(expanded) > MaxStudyNameLen {
		return CheckStudyName(expanded).Error()
	}
	switch {
	case strings.ContainsAny(name, `/\`):
		return fmt.Sprintf("%q must not contain a path separator", name)
	case !namePattern.MatchString(name):
		return fmt.Sprintf("%q may hold only letters, digits, '.', '_', '-' and {date} or {time}", name)
	case name == "." || name == "..":
		return fmt.Sprintf("%q is not a usable directory name", name)
	}
	unknown := ""
	rest := placeholder.ReplaceAllStringFunc(name, func(m string) string {
		if !slices.Contains(placeholders, m) && unknown == "" {
			unknown = m
		}
		return ""
	})
	if unknown != "" {
		return fmt.Sprintf("unknown placeholder %s in %q", unknown, name)
	}
	if strings.ContainsAny(rest, "{}") {
		return fmt.Sprintf("unbalanced brace in %q", name)
	}
	if err := CheckStudyName(expanded); err != nil {
		return err.Error()
	}
	return ""
}

func (d *decoder) validateData(baseDir string) {
	c := d.cfg
	if d.isBenchmark() || d.isCommand() || c.Model.Kind == "function" {
		return // the objective needs no data; any given are ignored
	}
	syn, csv := c.Data.Synthetic, c.Data.CSV
	switch {
	case syn == nil && csv == nil:
		d.at("data", "needs data.synthetic or data.csv (only model.kind function and benchmark need no data)", "synthetic", "csv")
	case syn != nil && csv != nil:
		d.at("data.csv", "give data.synthetic or data.csv, not both")
	}
	if syn != nil {
		d.validateSynthetic(syn)
	}
	if csv != nil {
		d.validateCSV(csv, baseDir)
	}
}

func (d *decoder) validateSynthetic(s *Synthetic) {
	if s.Kind == "" && !d.has("data.synthetic.kind") {
		d.at("data.synthetic.kind", "is required", syntheticKinds...)
	}
	if s.Kind == "moons" {
		if s.Features != 2 {
			d.at("data.synthetic.features", fmt.Sprintf("moons has exactly 2 features, got %d", s.Features))
		}
		if s.Classes != 2 {
			d.at("data.synthetic.classes", fmt.Sprintf("moons has exactly 2 classes, got %d", s.Classes))
		}
	}
}

// validateCSV resolves the path against the config's directory, so a config
// runs the same from any working directory, and reports the path it tried.
func (d *decoder) validateCSV(csv *CSV, baseDir string) {
	if csv.Target == "" {
		d.at("data.csv.target", "is required: the column to predict")
	} else if slices.Contains(csv.Features, csv.Target) {
		d.at("data.csv.features", fmt.Sprintf("lists the target %q", csv.Target))
	}
	if csv.Path == "" {
		d.at("data.csv.path", "is required")
		return
	}
	if !filepath.IsAbs(csv.Path) {
		csv.Path = filepath.Join(baseDir, csv.Path)
	}
	info, err := os.Stat(csv.Path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		d.at("data.csv.path", fmt.Sprintf("data file %s does not exist", csv.Path))
	case err != nil:
		// A symbolic link loop, a name too long, a directory not searchable:
		// the system's reason, not "does not exist".
		d.at("data.csv.path", fmt.Sprintf("data file %s cannot be read: %v", csv.Path, errors.Unwrap(err)))
	case info.IsDir():
		d.at("data.csv.path", fmt.Sprintf("%s is a directory, not a data file", csv.Path))
	case !info.Mode().IsRegular():
		// A device never ends (/dev/zero) and a FIFO blocks its reader.
		d.at("data.csv.path", (&regular.NotRegularError{Path: csv.Path, Mode: info.Mode()}).Error())
	}
}

// task is what the data set asks of a model.
type task int

const (
	taskUnknown task = iota // a CSV: known only once read
	taskRegression
	taskClassification
)

func dataTask(c *Config) task {
	if c.Data.Synthetic == nil {
		return taskUnknown
	}
	switch c.Data.Synthetic.Kind {
	case "moons", "blobs":
		return taskClassification
	case "linear", "polynomial", "sine":
		return taskRegression
	}
	return taskUnknown
}

var (
	regressionLosses = []string{"rss", "mse"}
	classifierLosses = []string{"cross_entropy"}
	classifierKinds  = []string{"logistic", "softmax", "mlp"}
	regressionKinds  = []string{"linear", "polynomial", "mlp"}
)

// validateMonitor refuses trainer.monitor validation_loss where the
// built-in trainer has no validation split to watch.
func (d *decoder) validateMonitor() {
	c := d.cfg
	if c.Trainer.Monitor != "validation_loss" {
		return
	}
	switch {
	case d.isCommand():
		d.at("trainer.monitor", "validation_loss applies to the built-in trainer; with trainer.command your program decides when to stop (allowed: training_loss, or leave it out)")
	case d.isBenchmark():
		d.at("trainer.monitor", "validation_loss applies to the built-in trainer; a benchmark trains nothing (allowed: training_loss, or leave it out)")
	case c.Model.Kind == "function":
		d.at("trainer.monitor", "validation_loss needs a validation split of the data; model.kind function has none (allowed: training_loss)")
	}
}

func (d *decoder) validateModel() {
	c := d.cfg
	m := &c.Model
	if d.isBenchmark() || d.isCommand() {
		return
	}
	if m.Kind == "function" {
		if m.Function == "" && !d.has("model.function") {
			d.at("model.function", "is required for model.kind function", functions...)
		}
		return
	}
	if !slices.Contains(losses, m.Loss) {
		return // reported when decoded
	}
	t := dataTask(c)
	switch m.Kind {
	case "linear", "polynomial":
		d.checkLoss(regressionLosses)
		if t == taskClassification {
			d.at("model.kind", fmt.Sprintf("%s is a regression model but data.synthetic.kind %s is a classification set", m.Kind, c.Data.Synthetic.Kind), classifierKinds...)
		}
	case "logistic", "softmax":
		d.checkLoss(classifierLosses)
		switch {
		case t == taskRegression:
			d.at("model.kind", fmt.Sprintf("%s is a classifier but data.synthetic.kind %s is a regression set", m.Kind, c.Data.Synthetic.Kind), regressionKinds...)
		case m.Kind == "logistic" && t == taskClassification && c.Data.Synthetic.Classes > 2:
			d.at("model.kind", fmt.Sprintf("logistic is binary but the data have %d classes", c.Data.Synthetic.Classes), "softmax", "mlp")
		}
	case "mlp":
		switch {
		case t == taskClassification:
			d.checkLoss(classifierLosses)
		case t == taskRegression:
			d.checkLoss(regressionLosses)
		}
	}
}

// checkLoss reports a loss the model and data do not take.
func (d *decoder) checkLoss(allowed []string) {
	m := d.cfg.Model
	if !slices.Contains(allowed, m.Loss) {
		d.at("model.loss", fmt.Sprintf("%s does not suit model %s on these data", m.Loss, m.Kind), allowed...)
	}
}

// isClassifier reports whether trials report an accuracy.
func isClassifier(c *Config) bool {
	switch c.Model.Kind {
	case "logistic", "softmax":
		return true
	case "mlp":
		return c.Model.Loss == "cross_entropy"
	}
	return false
}

func (d *decoder) validateSearch() {
	c := d.cfg
	s := c.Search
	command := d.isCommand() // a command's metric is any name it prints
	if !command && !slices.Contains(metrics, s.Metric) {
		d.at("search.metric", fmt.Sprintf("unknown value %q%s", s.Metric, suggest(s.Metric, metrics)), metrics...)
	}
	if !command && s.Metric == "accuracy" && (c.Benchmark != "" || !isClassifier(c)) {
		d.at("search.metric", "accuracy needs a classifier: model logistic, softmax, or mlp with loss cross_entropy", "validation_loss", "train_loss")
	}
	if !command && d.has("search.goal") && slices.Contains(goals, s.Goal) && slices.Contains(metrics, s.Metric) {
		if natural := naturalGoal(s.Metric); s.Goal != natural {
			better := map[string]string{"minimize": "lower", "maximize": "higher"}[natural]
			d.at("search.goal", fmt.Sprintf("%s would rank the worst trial first: %s is better %s", s.Goal, s.Metric, better), natural)
		}
	}
	if e := s.EarlyStopping; e != nil {
		d.validateEarlyStopping(e)
	}
	if d.has("search.trials") && d.has("search.rounds") && d.has("search.trials_per_round") &&
		s.Rounds > 0 && s.TrialsPerRound > 0 && s.Trials > s.Rounds*s.TrialsPerRound {
		d.at("search.trials", fmt.Sprintf("%d exceeds rounds × trials_per_round = %d", s.Trials, s.Rounds*s.TrialsPerRound))
	}
	d.validateBudget()
}

// validateBudget bounds the trials the search plans. Rounds and
// trials_per_round are bounded each, so their product cannot overflow.
func (d *decoder) validateBudget() {
	s := d.cfg.Search
	if !d.has("search.trials") && s.Rounds*s.TrialsPerRound > MaxTrials {
		d.at("search.trials_per_round", fmt.Sprintf("rounds × trials_per_round = %d × %d = %d trials, more than the %d allowed: lower one, or give search.trials", s.Rounds, s.TrialsPerRound, s.Rounds*s.TrialsPerRound, MaxTrials))
		return
	}
	total := s.Trials
	if !d.has("search.trials") {
		total = s.Rounds * s.TrialsPerRound
	}
	if total > warnTrials {
		d.warn("search.trials", fmt.Sprintf("%d trials: each is stored, and show, report and --resume read them all (100000 benchmark trials took 9 s and 240 MB; a trained model's trials take as long as their training)", total))
	}
}

// validateWeights bounds the model each trial trains, at its largest
// searched size, and says what a large one costs. A CSV's width is known
// only once it is read: the trainer checks the bound again then.
func (d *decoder) validateWeights() {
	c := d.cfg
	if d.isBenchmark() || d.isCommand() || !slices.Contains(modelKinds, c.Model.Kind) {
		return
	}
	features, classes, known := 1, 0, true
	switch {
	case c.Data.Synthetic != nil:
		features = c.Data.Synthetic.Features
		if k := c.Data.Synthetic.Kind; k == "moons" || k == "blobs" {
			classes = c.Data.Synthetic.Classes
		}
	case c.Data.CSV != nil && len(c.Data.CSV.Features) > 0:
		features = len(c.Data.CSV.Features)
	default:
		known = c.Model.Kind == "function"
	}
	spec := trainer.ModelSpec{Kind: c.Model.Kind, Degree: c.Model.Degree, Hidden: c.Model.Hidden, Dimension: c.Model.Dimension}
	key, most := "", trainer.Weights(spec, features, classes)
	for _, p := range c.Parameters {
		if p.Name != "hidden" && p.Name != "degree" {
			continue
		}
		for _, v := range sizeValues(p) {
			s := spec
			if p.Name == "hidden" {
				s.Hidden = v
			} else {
				s.Degree = v[0]
			}
			if w := trainer.Weights(s, features, classes); w > most {
				key, most = "parameters."+p.Name, w
			}
		}
	}
	if key == "" {
		key = map[string]string{"mlp": "model.hidden", "polynomial": "model.degree", "function": "model.dimension"}[c.Model.Kind]
		if key == "" {
			return // linear, logistic, softmax: a weight per feature, bounded by the data
		}
	}
	of := fmt.Sprintf("%d features", features)
	if features == 1 {
		of = "1 feature"
	}
	if !known {
		of = "each feature of the CSV"
	}
	switch {
	case most > trainer.MaxWeights:
		d.at(key, fmt.Sprintf("makes a model of %d weights (with %s), more than the %d allowed", most, of, trainer.MaxWeights))
	case most > warnWeights:
		d.warn(key, fmt.Sprintf("makes a model of %d weights (with %s): about %d MB per running trial", most, of, most*trainer.BytesPerWeight>>20))
	}
}

// sizeValues lists the layer sizes (or, for degree, the single degree) a
// searched hidden or degree parameter can take at its largest: every
// choice, or a range's upper end.
func sizeValues(p Parameter) [][]int {
	var out [][]int
	switch p.Dist {
	case Choice:
		for _, v := range p.Choices {
			switch x := v.(type) {
			case int64:
				out = append(out, []int{int(x)})
			case string:
				if layers, msg := parseLayers(x); msg == "" {
					out = append(out, layers)
				}
			}
		}
	case Int:
		out = append(out, []int{int(p.High)})
	case PowersOfTen:
		out = append(out, []int{int(math.Pow(10, p.High))})
	}
	return out
}

// validateParameterUse rejects searching what the model ignores: every such
// trial would be a duplicate of another.
func (d *decoder) validateParameterUse() {
	c := d.cfg
	if d.isBenchmark() {
		if c.Benchmark == "" {
			return // a misspelt benchmark was reported when decoded
		}
		if n := resolve(d.params); n == nil || len(n.Content) == 0 {
			d.at("parameters", fmt.Sprintf("benchmark %s needs parameters x0, x1, …", c.Benchmark))
			return
		}
		d.validateCoordinates()
		return
	}
	if d.isCommand() {
		return // the program, not the model, takes the parameters
	}
	for _, p := range c.Parameters {
		h, ok := trainer.LookupHyperparam(p.Name)
		if ok && h.Models != nil && !slices.Contains(h.Models, c.Model.Kind) && slices.Contains(modelKinds, c.Model.Kind) {
			d.at("parameters."+p.Name, fmt.Sprintf("is used by model.kind %s only, got %s", strings.Join(h.Models, ", "), c.Model.Kind))
		}
	}
}

// validateCoordinates checks a benchmark's parameters: x0, x1, … with no
// gap, since the function takes them as one vector (a missing x2 would
// make x3 the third coordinate), and as many as the function's dimension.
// Parameters that failed to decode were reported already; checking the
// rest would only report a gap they left.
func (d *decoder) validateCoordinates() {
	c := d.cfg
	if d.isCommand() {
		return // benchmark and trainer.command together was reported already
	}
	if n := resolve(d.params); n == nil || len(n.Content)/2 != len(c.Parameters) {
		return
	}
	seen := make([]bool, len(c.Parameters))
	for _, p := range c.Parameters {
		i, err := strconv.Atoi(p.Name[1:])
		if err != nil || strconv.Itoa(i) != p.Name[1:] {
			// x07 would be a seventh coordinate the function never reads.
			d.at("parameters."+p.Name, fmt.Sprintf("write x%d: coordinates are named x0, x1, … without leading zeros", i))
			return
		}
		if i < len(seen) {
			seen[i] = true
		}
	}
	if i := slices.Index(seen, false); i >= 0 {
		d.at("parameters", fmt.Sprintf("benchmark %s: the %d parameters must be x0…x%d, without a gap; x%d is missing", c.Benchmark, len(seen), len(seen)-1, i))
		return
	}
	fn, err := testfunc.Get(c.Benchmark)
	if err != nil {
		return // a misspelt benchmark was reported when decoded
	}
	if err := fn.CheckDim(len(c.Parameters)); err != nil {
		d.at("parameters", err.Error())
	}
}

func (d *decoder) validateEarlyStopping(e *EarlyStopping) {
	if !d.isCommand() && e.Interval > 0 && e.MaxResource/e.Interval > MaxReports {
		d.at("search.early_stopping.interval", fmt.Sprintf("max_resource / interval = %d / %d = %d reports per trial, more than the %d allowed: raise interval", e.MaxResource, e.Interval, e.MaxResource/e.Interval, MaxReports))
	}
	if e.Kind == "" && !d.has("search.early_stopping.kind") {
		d.at("search.early_stopping.kind", "is required", earlyStoppingKinds...)
	}
	if d.isBenchmark() {
		d.at("search.early_stopping", "a benchmark function has no intermediate values to judge")
		return
	}
	if e.MaxResource == 0 && d.isCommand() && !d.has("search.early_stopping.max_resource") {
		d.at("search.early_stopping.max_resource", "is required with trainer.command: the steps a full run of the program reports")
		return
	}
	if e.Kind != "auto" && e.Kind != "" && d.has("search.early_stopping.budget") {
		d.at("search.early_stopping.budget", fmt.Sprintf("applies to kind auto only (%s keeps a fixed share at each rung)", e.Kind))
	}
	if e.MinResource >= e.MaxResource && e.MaxResource > 0 {
		d.at("search.early_stopping.min_resource", fmt.Sprintf("must be below max_resource (%d), got %d", e.MaxResource, e.MinResource))
	}
	if (e.Kind == "successive_halving" || e.Kind == "hyperband" || e.Kind == "auto") && len(d.cfg.Trainer.Devices) > 0 && d.isCommand() {
		// A trial waiting at a rung keeps its device (its program, paused,
		// still holds the device's memory), so the rest of its group could
		// never get one to reach the rung.
		d.at("search.early_stopping.kind", fmt.Sprintf("%s waits at each rung for the whole round, and a waiting trial keeps its device: with trainer.devices the round could never get there (allowed with devices: median)", e.Kind))
	}
}
