package configs

// Warnings for built-in trainer keys that the optimisers a config can run
// ignore: the sweep runs what was asked, but those values change nothing.

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hpsearch/hpsearch/trainer"
)

// warnIgnoredKeys warns about a built-in trainer key given for an
// optimiser that ignores it: searched without a condition, its values
// differ between trials where they change nothing, and coarse-to-fine
// narrows on noise; set in the trainer, it does nothing. A warning, not a
// problem: the sweep still runs what was asked.
func (d *decoder) warnIgnoredKeys() {
	if d.isCommand() || d.isBenchmark() {
		return
	}
	ops := d.possibleOptimizers()
	for _, h := range trainer.Hyperparams() {
		if h.Optimizers == nil {
			continue // every optimiser reads it
		}
		i := slices.IndexFunc(d.cfg.Parameters, func(p Parameter) bool { return p.Name == h.Name })
		if i < 0 {
			d.warnIgnoredBase(h, ops)
			continue
		}
		p := d.cfg.Parameters[i]
		applies := ops
		if p.When != nil && p.When.Parent == "optimizer" {
			applies = choiceTexts(p.When.Values)
		}
		ignore := slices.DeleteFunc(slices.Clone(applies), h.UsedBy)
		useful := slices.DeleteFunc(slices.Clone(applies), func(o string) bool { return !h.UsedBy(o) })
		key, uses := "parameters."+h.Name, strings.Join(h.Optimizers, ", ")
		switch {
		case len(ignore) == 0:
		case len(useful) == 0:
			d.warn(key, fmt.Sprintf("optimizer %s ignores %s, so its values change nothing (it is used by %s): search one of those optimizers or drop %s", strings.Join(ignore, ", "), h.Name, uses, h.Name))
		case p.When != nil && p.When.Parent == "optimizer":
			d.warn(key+".when", fmt.Sprintf("optimizer %s ignores %s (it is used by %s): leave it out of the condition", strings.Join(ignore, ", "), h.Name, uses))
		default:
			d.warn(key, fmt.Sprintf("optimizer %s ignores %s, yet trials with it get a value too, which changes nothing: add when: {optimizer: [%s]}", strings.Join(ignore, ", "), h.Name, strings.Join(useful, ", ")))
		}
	}
}

// warnIgnoredBase warns about the base value of h given while no optimiser
// a trial can have uses it.
func (d *decoder) warnIgnoredBase(h trainer.Hyperparam, ops []string) {
	if !d.has(h.Key) || slices.ContainsFunc(ops, h.UsedBy) {
		return
	}
	d.warn(h.Key, fmt.Sprintf("optimizer %s ignores it (%s is used by %s)", strings.Join(ops, ", "), h.Name, strings.Join(h.Optimizers, ", ")))
}

// possibleOptimizers lists the optimisers a trial can have: the searched
// choices (and the trainer's, where a conditional optimizer is absent), or
// the trainer's.
func (d *decoder) possibleOptimizers() []string {
	base := d.cfg.Trainer.Optimizer
	i := slices.IndexFunc(d.cfg.Parameters, func(p Parameter) bool { return p.Name == "optimizer" })
	if i < 0 {
		return []string{base}
	}
	p := d.cfg.Parameters[i]
	ops := choiceTexts(p.Choices)
	if p.When != nil && !slices.Contains(ops, base) {
		ops = append(ops, base)
	}
	return ops
}
