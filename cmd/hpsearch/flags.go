package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// quietDefaults stops pflag from printing "(default -1)" after a usage that
// states its default in words, or after a required flag: there the stored
// default is a sentinel for "not given", which --help would show as if it
// were a value someone could mean.
func quietDefaults(c *cobra.Command) {
	c.Flags().VisitAll(func(f *pflag.Flag) {
		if !strings.Contains(f.Usage, "(default") && !strings.Contains(f.Usage, "(required)") {
			return
		}
		switch f.Value.Type() {
		case "int", "int64", "uint", "uint64", "float64":
			f.DefValue = "0"
		case "string":
			f.DefValue = ""
		}
	})
	for _, sub := range c.Commands() {
		quietDefaults(sub)
	}
}

// topValue is --top: how many rows of the ranked table, 0 for all. A
// negative count has no meaning, so it is refused when the flag is parsed.
type topValue int

func (t *topValue) String() string { return strconv.Itoa(int(*t)) }
func (t *topValue) Type() string   { return "int" }

func (t *topValue) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return fmt.Errorf("want a whole number of rows (allowed: 0 = all, or a positive count)")
	}
	*t = topValue(n)
	return nil
}

// topFlag adds --top to a command that prints the ranked table.
func topFlag(cmd *cobra.Command, dst *int) {
	*dst = 20
	cmd.Flags().Var((*topValue)(dst), "top", "rows of the ranked table (0 = all)")
}
