package main

import (
	"io"
	"os"
	"strconv"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/hpsearch/hpsearch/results"
)

// wideFlag adds --wide to a command that prints tables.
func wideFlag(cmd *cobra.Command, dst *bool) {
	cmd.Flags().BoolVar(dst, "wide", false, "print every column, however wide the terminal")
}

// tableOut is stdout for tables: fitted to the terminal's width (see
// results.FitWidth), or complete with --wide or when stdout is no terminal
// and COLUMNS is not set, so a pipe always gets every column.
func tableOut(stdout io.Writer, wide bool) io.Writer {
	if wide {
		return stdout
	}
	return results.FitWidth(stdout, terminalWidth(stdout))
}

// terminalWidth is COLUMNS when it is set (tmux panes, tests, a user who
// wants another width), else the width of the terminal stdout is, else 0.
func terminalWidth(stdout io.Writer) int {
	if c, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && c > 0 {
		return c
	}
	f, ok := stdout.(interface{ Fd() uintptr })
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return 0
	}
	w, _, err := term.GetSize(int(f.Fd()))
	if err != nil {
		return 0
	}
	return w
}
