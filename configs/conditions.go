package configs

// Conditional parameters: decoding `when: {parent: [values]}`, settling the
// conditions on a parameter pinned with --set, and refusing a command that
// names a conditional parameter on its own.

import (
	"fmt"
	"slices"

	"go.yaml.in/yaml/v3"

	"github.com/hpsearch/hpsearch/internal/choice"
)

// condition decodes `when: {parent: [values]}`. The parent must be a
// choice declared above the parameter: then every trial samples a parent
// before its children, and no chain of conditions can loop.
func (d *decoder) condition(key, name string, n, params *yaml.Node) (*Condition, bool) {
	n = resolve(n)
	earlier := d.choiceNames()
	if d.isBenchmark() {
		d.problem(n, key, "a benchmark function takes every coordinate in every trial: a coordinate cannot be conditional")
		return nil, false
	}
	if n.Kind != yaml.MappingNode || len(n.Content) != 2 {
		d.problem(n, key, fmt.Sprintf("must name one parameter and the values it applies to, e.g. {optimizer: [momentum, adam]}, got %s", show(n)), earlier...)
		return nil, false
	}
	k, v := n.Content[0], resolve(n.Content[1])
	parent, ok := d.conditionParent(key, name, k, params, earlier)
	if !ok {
		return nil, false
	}
	var items []*yaml.Node
	switch {
	case v.Kind == yaml.SequenceNode && len(v.Content) > 0:
		items = v.Content
	case v.Kind == yaml.ScalarNode && !isNull(v):
		items = []*yaml.Node{v}
	default:
		got := show(v)
		if v.Kind == yaml.SequenceNode {
			got = "an empty list"
		}
		d.problem(v, key, fmt.Sprintf("needs the values of %s it applies to, e.g. {%s: [%s]}, got %s", parent.Name, parent.Name, showValue(parent.Choices[0]), got), choiceTexts(parent.Choices)...)
		return nil, false
	}
	c := &Condition{Parent: parent.Name}
	f := d.valueField(parent.Name)
	for _, it := range items {
		it = resolve(it)
		val, msg := choiceValue(f, it)
		if msg == "" && !choice.Has(parent.Choices, val) {
			msg = fmt.Sprintf("%s is not among the values of %s", show(it), parent.Name)
		}
		if msg == "" && choice.Has(c.Values, val) {
			msg = fmt.Sprintf("lists %s twice", show(it))
		}
		if msg != "" {
			d.problem(it, key, msg, choiceTexts(parent.Choices)...)
			return nil, false
		}
		c.Values = append(c.Values, val)
	}
	return c, true
}

// conditionParent finds the parameter a condition names, or reports why it
// cannot be one.
func (d *decoder) conditionParent(key, name string, k, params *yaml.Node, earlier []string) (Parameter, bool) {
	i := slices.IndexFunc(d.cfg.Parameters, func(p Parameter) bool { return p.Name == k.Value })
	if i >= 0 {
		p := d.cfg.Parameters[i]
		if p.Dist != Choice {
			d.problem(k, key, fmt.Sprintf("%s is a %s range: a condition needs a choice parameter, whose values it can list", p.Name, p.Dist), earlier...)
			return Parameter{}, false
		}
		return p, true
	}
	var msg string
	switch later := mappingKey(params, k.Value); {
	case k.Value == name:
		msg = "a parameter cannot depend on itself"
	case later != nil && later.Line > 0 && d.nodes["parameters."+k.Value] == nil:
		msg = fmt.Sprintf("%s is declared after %s (line %d): declare the parameter a condition names above the ones that depend on it (this also rules out cycles)", k.Value, name, later.Line)
	case later != nil:
		return Parameter{}, false // declared above but invalid: reported already
	case isConfigKey(k.Value):
		msg = fmt.Sprintf("%s is a config key, not a searched parameter: a condition names a choice under parameters; with %s fixed, keep or drop %s", k.Value, k.Value, name)
	default:
		msg = fmt.Sprintf("unknown parameter %q: a condition names a choice declared above %s under parameters%s", k.Value, name, suggest(k.Value, earlier))
		if _, ok := searchable[k.Value]; ok && !d.isCommand() {
			msg = fmt.Sprintf("%s is not searched: a condition names a choice declared above %s under parameters; with %s fixed in the config, keep or drop %s", k.Value, name, searchable[k.Value], name)
		}
	}
	d.problem(k, key, msg, earlier...)
	return Parameter{}, false
}

// mappingKey returns the key node named name in mapping m, or nil.
func mappingKey(m *yaml.Node, name string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == name {
			return m.Content[i]
		}
	}
	return nil
}

// isConfigKey reports whether name is a dotted config key, such as
// trainer.optimizer.
func isConfigKey(name string) bool {
	f := fieldByPath[name]
	return f != nil && f.Type != tSection
}

// choiceNames lists the choice parameters decoded so far: what a
// condition may name.
func (d *decoder) choiceNames() []string {
	var names []string
	for _, p := range d.cfg.Parameters {
		if p.Dist == Choice {
			names = append(names, p.Name)
		}
	}
	return names
}

// resolvePinnedConditions settles the conditions on a parameter pinned with
// --set NAME=VALUE: it left the search, so its base value decides, once for
// every trial, whether each parameter depending on it applies (and is
// searched unconditionally) or not (and is not searched at all).
func (d *decoder) resolvePinnedConditions() {
	if d.isCommand() || d.isBenchmark() {
		return // their pins stay in the space as fixed values
	}
	var kept []Parameter
	for _, p := range d.cfg.Parameters {
		if c := p.When; c != nil && !slices.ContainsFunc(kept, func(q Parameter) bool { return q.Name == c.Parent }) {
			v, ok := d.baseValue(c.Parent)
			if !c.Applies(v, ok) {
				continue // its children find it gone and go too
			}
			p.When = nil
		}
		kept = append(kept, p)
	}
	d.cfg.Parameters = kept
}

// baseValue is the value a pinned hyperparameter was given, as a choice of
// it would hold it; ok is false when there is none (the parameter was not
// pinned but dropped, or its value was reported as bad).
func (d *decoder) baseValue(name string) (any, bool) {
	path, ok := searchable[name]
	n := d.nodes[path]
	if !ok || n == nil {
		return nil, false
	}
	v, msg := choiceValue(fieldByPath[path], resolve(n))
	return v, msg == ""
}

// checkConditionalPlaceholders refuses a command whose argv names a
// conditional parameter on its own: a trial where the parameter does not
// apply has no value for it. {args} and {params_file} leave it out.
func (d *decoder) checkConditionalPlaceholders() {
	if !d.isCommand() {
		return
	}
	for _, p := range d.cfg.Parameters {
		if p.When == nil {
			continue
		}
		for i, el := range d.cfg.Trainer.Command {
			for _, m := range argvPlaceholder.FindAllStringSubmatch(el, -1) {
				if m[1] == p.Name {
					d.at("parameters."+p.Name+".when", fmt.Sprintf("trainer.command item %d %q names {%s}, which a trial where %s does not apply cannot fill: pass it with {args} or {params_file}, which leave it out there", i, el, p.Name, p.Name))
				}
			}
		}
	}
}
