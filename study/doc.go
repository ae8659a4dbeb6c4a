// Package study runs hyperparameter studies: it sits between the hpsearch
// command and the algorithms (search), the trainer (trainer) and the
// trial records (results).
//
// A Go program runs a study of its own objective function without any
// YAML through Optimize:
//
//	space := []study.Param{study.LogFloat("learning_rate", 1e-4, 1), study.Int("layers", 1, 4)}
//	out, err := study.Optimize(ctx, space, func(ctx context.Context, t study.Trial) (float64, error) {
//		lr, _ := t.Float("learning_rate")
//		layers, _ := t.Int("layers")
//		return train(ctx, lr, layers, t.Seed)
//	}, study.Options{Strategy: "coarse-to-fine", Rounds: 4, TrialsPerRound: 20, Keep: 0.25, Seed: 1})
//	best, ok := out.Best()
//
// A caller that runs trials itself (on its own cluster, in another
// language) drives a study with NewAskTell: Ask gives the next trial, Tell
// its value.
//
// A study from a config file — what `hpsearch run` does — is Load then
// Run: Load reads the config and builds the objective it names (the
// built-in trainer, the user's command, or a benchmark function) and its
// search space; Run holds the study's lease (one writer per study),
// applies the resume rules and the warm start, runs the trials here or,
// in a store shared through PostgreSQL, alongside any workers (Worker,
// Rebuild), stops at search.max_failed_trials, records how the study
// ended (results.StudyStatus) and hands the Outcome to the caller to
// print and export. The CLI is one client of this API. Optimize is the
// other front door to the same lifecycle: it holds the study's lease in
// Options.Store and stops at Options.MaxFailed failures the same way.
//
// Errors that a caller must tell apart are *Error values whose Kind says
// Usage (the config, the options or a stored study is wrong; nothing
// ran), NotFinished (no trial succeeded, too many failed, a store could
// not be written) or Interrupted (the context ended; what finished is
// kept). The hpsearch command exits 2, 1 and 130 for them.
//
// One name per concept: early stopping is the rule that stops unpromising
// trials at their reported steps (search.EarlyStopping, the config's
// search.early_stopping); a trial it stopped is pruned
// (results.StatusPruned), and search.Pruner is what applies the rule.
package study
