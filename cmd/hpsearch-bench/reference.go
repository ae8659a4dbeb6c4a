package main

import (
	"bufio"
	"bytes"
	_ "embed"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// shippedReference is Optuna 3.1's median regret on the default rows at
// budgets 50, 100 and 200, written by optuna_reference.py on the machine
// the BENCHMARKS.md figures were measured on.
//
//go:embed reference/optuna-3.1.tsv
var shippedReference []byte

// refKey indexes reference figures.
type refKey struct {
	function string
	budget   int
	sampler  string // random | tpe | cmaes
}

// refSamplers are the reference columns, in order, with their headers.
var refSamplers = []struct{ key, header string }{
	{"random", "Optuna random"},
	{"tpe", "Optuna TPE"},
	{"cmaes", "Optuna CMA-ES"},
}

// loadReference reads a reference TSV (function, budget, sampler, median
// regret): the shipped one when path is "", none when it is "none".
func loadReference(path string) (map[refKey]float64, error) {
	data := shippedReference
	switch path {
	case "none":
		return map[refKey]float64{}, nil
	case "":
	default:
		var err error
		if data, err = os.ReadFile(path); err != nil {
			return nil, fmt.Errorf("reference: %w", err)
		}
	}
	return parseReference(data, path)
}

func parseReference(data []byte, path string) (map[refKey]float64, error) {
	if path == "" {
		path = "shipped reference"
	}
	ref := map[refKey]float64{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") || strings.HasPrefix(text, "function\t") {
			continue
		}
		f := strings.Split(text, "\t")
		if len(f) != 4 {
			return nil, fmt.Errorf("%s:%d: want 4 tab-separated fields (function, budget, sampler, median regret), got %d", path, line, len(f))
		}
		budget, err1 := strconv.Atoi(f[1])
		v, err2 := strconv.ParseFloat(f[3], 64)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("%s:%d: budget %q or regret %q is not a number", path, line, f[1], f[3])
		}
		ref[refKey{f[0], budget, f[2]}] = v
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return ref, nil
}
