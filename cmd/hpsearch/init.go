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
	"strings"

	"github.com/spf13/cobra"

	"github.com/hpsearch/hpsearch/configs"
	"github.com/hpsearch/hpsearch/data"
)

// shippedData matches a config's reference to a data set shipped with the
// project, which init copies beside the new config.
var shippedData = regexp.MustCompile(`\.\./data/([A-Za-z0-9_-]+\.csv)`)

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
	if bytes.Contains(text, []byte("../examples/")) {
		// The program it runs is source in this repository, not something
		// init can copy into a working program elsewhere.
		return usageErr("init: %s runs the project's own example program (examples/); run it from a checkout "+
			"(hpsearch run configs/%s.yaml), or start from another example and set trainer.command to your program", name, name)
	}
	// The shipped examples live in configs/ and read ../data/; the copy
	// reads data/ beside itself.
	var needs []string
	for _, m := range shippedData.FindAllSubmatch(text, -1) {
		needs = append(needs, string(m[1]))
	}
	text = shippedData.ReplaceAll(text, []byte("data/$1"))
	target := filepath.Join(dir, strings.TrimSuffix(name, ".yaml")+".yaml")
	if err := create(target, text, force); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s\n", target)
	for _, n := range needs {
		b, err := data.File(n)
		if err != nil {
			return err
		}
		p := filepath.Join(dir, "data", n)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("init: %w", err)
		}
		if err := create(p, b, force); err != nil && !errors.Is(err, fs.ErrExist) {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s\n", p)
	}
	fmt.Fprintf(stdout, "next: hpsearch run %s\n", target)
	return nil
}

func create(path string, b []byte, force bool) error {
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if force {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return &exitError{code: exitUsage, err: fmt.Errorf("init: %s already exists (use --force to overwrite): %w", path, fs.ErrExist)}
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
