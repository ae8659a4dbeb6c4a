// Command cmdprog is the program the command-trial tests run. It performs
// its arguments in order as actions; any other argument (the trial's
// --name=value flags, for instance) is ignored.
//
//	argv             print {"argv": [every argument]} on stdout
//	env:NAME         print {"env": "NAME", "value": "..."} on stdout
//	cwd              print {"cwd": "..."} on stdout
//	print:TEXT       print TEXT on stdout
//	stderr:TEXT      print TEXT on stderr
//	stderrlines:N    print "stderr line 1" … "stderr line N" on stderr
//	sleep:DURATION   sleep
//	exit:N           exit with status N
//	kill             kill itself with SIGKILL
//	ignoreterm       ignore SIGTERM from now on
//	pidfile:PATH     write its own pid to PATH
//	spawn:PATH       start a child (cmdprog ignoreterm sleep:60s) in the
//	                 same process group, holding the same stdout, and write
//	                 the child's pid to PATH
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	for _, arg := range os.Args[1:] {
		act, val, _ := strings.Cut(arg, ":")
		if err := do(act, val); err != nil {
			fmt.Fprintln(os.Stderr, "cmdprog:", err)
			os.Exit(99)
		}
	}
}

func do(act, val string) error {
	switch act {
	case "argv":
		return printJSON(map[string]any{"argv": os.Args[1:]})
	case "env":
		return printJSON(map[string]any{"env": val, "value": os.Getenv(val)})
	case "cwd":
		wd, err := os.Getwd()
		if err != nil {
			return err
		}
		return printJSON(map[string]any{"cwd": wd})
	case "print":
		fmt.Println(val)
	case "stderr":
		fmt.Fprintln(os.Stderr, val)
	case "stderrlines":
		n, err := strconv.Atoi(val)
		if err != nil {
			return err
		}
		for i := 1; i <= n; i++ {
			fmt.Fprintf(os.Stderr, "stderr line %d\n", i)
		}
	case "sleep":
		d, err := time.ParseDuration(val)
		if err != nil {
			return err
		}
		time.Sleep(d)
	case "exit":
		n, err := strconv.Atoi(val)
		if err != nil {
			return err
		}
		os.Exit(n)
	case "kill":
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		time.Sleep(time.Minute)
	case "ignoreterm":
		signal.Ignore(syscall.SIGTERM)
	case "pidfile":
		return os.WriteFile(val, []byte(strconv.Itoa(os.Getpid())), 0o644)
	case "spawn":
		child := exec.Command(os.Args[0], "ignoreterm", "sleep:60s")
		child.Stdout, child.Stderr = os.Stdout, os.Stderr
		if err := child.Start(); err != nil {
			return err
		}
		return os.WriteFile(val, []byte(strconv.Itoa(child.Process.Pid)), 0o644)
	}
	return nil
}

func printJSON(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = fmt.Println(string(b))
	return err
}
