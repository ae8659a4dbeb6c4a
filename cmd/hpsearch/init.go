package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hpsearch/hpsearch/configs"
	"github.com/hpsearch/hpsearch/data"
	"github.com/hpsearch/hpsearch/examples"
	"github.com/hpsearch/hpsearch/internal/regular"
)

// shippedData matches a config's reference to a data set shipped with the
// project, which init copies beside the new config.
var shippedData = regexp.MustCompile(`\.\./data/([A-Za-z0-9_-]+\.csv)`)

// exampleProgram matches a config's reference to an example training
// program of the project (examples/NAME), which init writes beside the new
// config as NAME/main.go: `go run NAME/main.go` needs no module around it.
var exampleProgram = regexp.MustCompile(`(?:\.\./)?examples/([A-Za-z0-9_-]+)`)

func newInitCmd(stdout io.Writer) *cobra.Command {
	var (
		dir   string
		force bool
	)
	cmd := &cobra.Command{
		Use:   "init [EXAMPLE]",
		Short: "Write a shipped example config to start from",
		Long: "Write a shipped example config (default quickstart) into a directory, with any\n" +
			"data set it uses in data/. Examples: " + strings.Join(configs.Examples(), ", ") + ".",
		Args: cobra.MaximumNArgs(1),
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return configs.Examples(), cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			name := "quickstart"
			if len(args) == 1 {
				name = args[0]
			}
			return initExample(name, dir, force, stdout)
		},
	}
	cmd.Flags().StringVarP(&dir, "dir", "d", ".", "directory to write into")
	cmd.Flags().BoolVar(&force, "force", false, "overwrite an existing file")
	return cmd
}

func initExample(name, dir string, force bool, stdout io.Writer) error {
	text, err := configs.Example(name)
	if err != nil {
		return usageErr("init: %v", err)
	}
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return usageErr("init: %v", err)
	}
	target := filepath.Join(dir, strings.TrimSuffix(name, ".yaml")+".yaml")
	// The shipped examples live in configs/ and read ../data/ and
	// ../examples/; the copy reads data/ and its program beside itself.
	var needs []string
	for _, m := range shippedData.FindAllSubmatch(text, -1) {
		needs = append(needs, "data/"+string(m[1]))
	}
	text = shippedData.ReplaceAll(text, []byte("data/$1"))
	for _, m := range exampleProgram.FindAllSubmatch(text, -1) {
		if p := string(m[1]) + "/main.go"; !slices.Contains(needs, p) {
			needs = append(needs, p)
		}
	}
	text = exampleProgram.ReplaceAll(text, []byte("$1/main.go"))
	// Its comments tell how to run it: from where it now is.
	text = bytes.ReplaceAll(text, []byte("configs/"+name+".yaml"), []byte(target))
	// The config is written last, once what it reads is in place: a data
	// directory that cannot be made left a config naming missing data.
	// Whether it may be written is known first, though.
	if _, err := os.Lstat(target); err == nil && !force {
		return create(target, text, false) // refused: it already exists
	}
	for _, n := range needs {
		b, err := shippedFile(n)
		if err != nil {
			return err
		}
		p := filepath.Join(dir, filepath.FromSlash(n))
		if err := os.MkdirAll(filepath.Dir(p), 0o777); err != nil {
			return fmt.Errorf("init: %w", err)
		}
		// A data set or program another example already wrote is kept.
		if err := create(p, b, force); err != nil && !errors.Is(err, fs.ErrExist) {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s\n", p)
	}
	if err := create(target, text, force); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s\n", target)
	fmt.Fprintf(stdout, "next: hpsearch run %s\n", target)
	return nil
}

// shippedFile returns a file an example needs: data/NAME.csv or
// PROGRAM/main.go.
func shippedFile(rel string) ([]byte, error) {
	if n, ok := strings.CutPrefix(rel, "data/"); ok {
		return data.File(n)
	}
	return examples.Program(strings.TrimSuffix(rel, "/main.go"))
}

func create(path string, b []byte, force bool) error {
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if force {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
		// --force overwrites a file, nothing else: opening a FIFO waited
		// for a reader for ever, and a symbolic link was written through
		// to whatever it names.
		if st, err := os.Lstat(path); err == nil && !st.Mode().IsRegular() {
			what := (&regular.NotRegularError{Path: path, Mode: st.Mode()}).Error()
			if st.Mode()&os.ModeSymlink != 0 {
				what = path + " is a symbolic link, which init does not write through"
			}
			return &exitError{code: exitUsage, err: fmt.Errorf("init: %s; remove it first", what)}
		}
	}
	f, err := os.OpenFile(path, flags, 0o666)
	if errors.Is(err, fs.ErrExist) {
		return &exitError{code: exitUsage, err: &causedErr{msg: fmt.Sprintf("init: %s already exists (use --force to overwrite)", path), cause: err}}
	}
	if err != nil {
		return fmt.Errorf("init: %w", err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("init: write %s: %w", path, err)
	}
	return f.Close()
}
