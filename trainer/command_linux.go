//go:build linux

package trainer

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// dieWithParent makes the kernel kill the program (SIGKILL) when hpsearch
// dies, kill -9 included, so that it never runs on unwatched beside the
// run that resumes its trial.
func dieWithParent(attr *syscall.SysProcAttr) { attr.Pdeathsig = syscall.SIGKILL }

// groupKeeper is a /bin/sh, one per hpsearch process, that outlives it to
// end what its trials started. The parent-death signal reaches a trial's
// program alone; what the program started in turn (a wrapper script's
// python, say) stays in its process group and would run on, holding its
// GPU. The keeper reads "+ PGID" and "- PGID" lines on its stdin as
// groups start and end; when hpsearch ends, however it ends (kill -9
// included), the kernel closes the pipe's other end, and at end of input
// the keeper kills every group still on its list. It has a process group
// of its own, so the terminal's Ctrl-C does not end it first.
var groupKeeper struct {
	once sync.Once
	mu   sync.Mutex
	w    *os.File // nil when the keeper could not be started: the resume's stray stop remains
}

// keeperScript is the keeper: the list of groups, then one SIGKILL each.
// A removed group's number is dropped at once: numbers are reused.
const keeperScript = `groups=
while read -r op g; do
	case $op in
	+) groups="$groups $g" ;;
	-) kept=; for x in $groups; do [ "$x" = "$g" ] || kept="$kept $x"; done; groups=$kept ;;
	esac
done
for g in $groups; do kill -s KILL -- "-$g" 2>/dev/null; done
`

func startGroupKeeper() {
	r, w, err := os.Pipe()
	if err != nil {
		return
	}
	cmd := exec.Command("/bin/sh", "-c", keeperScript)
	cmd.Stdin = r
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	err = cmd.Start()
	r.Close()
	if err != nil {
		w.Close()
		return
	}
	go cmd.Wait() // reaped if it ever ends before hpsearch
	groupKeeper.w = w
}

// readyGroupKeeper starts the keeper before the first program, so that
// registering a group right after its start is one write, not a fork.
func readyGroupKeeper() { groupKeeper.once.Do(startGroupKeeper) }

// keepGroup puts the process group pgid on the keeper's list.
func keepGroup(pgid int) { tellKeeper('+', pgid) }

// releaseGroup takes pgid off the list once the group is gone.
func releaseGroup(pgid int) { tellKeeper('-', pgid) }

func tellKeeper(op byte, pgid int) {
	readyGroupKeeper()
	groupKeeper.mu.Lock()
	defer groupKeeper.mu.Unlock()
	if groupKeeper.w != nil {
		// A keeper that died is a lost safeguard, not a failed trial.
		_, _ = fmt.Fprintf(groupKeeper.w, "%c %d\n", op, pgid)
	}
}

// canStopStrays: /proc tells which processes still run a trial.
const canStopStrays = true

// spawner is the one goroutine that starts programs, locked to its OS
// thread for the life of the process. The parent-death signal fires when
// the *thread* that forked the child exits (golang.org/issue/27505), and
// the Go runtime ends a thread whose goroutine exits while locked to it: a
// thread of its own that never exits keeps the signal for hpsearch's
// death alone.
var spawner struct {
	once sync.Once
	reqs chan func()
}

// startProgram starts cmd from the spawner's thread, and tells the group
// keeper of its process group there at once, before anything else runs on
// that thread: a kill -9 of hpsearch between the start and the keeper's
// "+ PGID" line left what the program started running (the window was
// wide enough under load for TestKilledRunLeavesNoTrialRunning to see).
func startProgram(cmd *exec.Cmd) error {
	spawner.once.Do(func() {
		spawner.reqs = make(chan func())
		go func() {
			runtime.LockOSThread() // never unlocked: the thread lives as long as hpsearch
			for f := range spawner.reqs {
				f()
			}
		}()
	})
	done := make(chan error, 1)
	spawner.reqs <- func() {
		err := cmd.Start()
		if err == nil {
			keepGroup(cmd.Process.Pid)
		}
		done <- err
	}
	return <-done
}

// strayWait bounds how long stopping a stray run waits for it to be gone.
const strayWait = 10 * time.Second

// stopStray kills every process that runs with HPSEARCH_TRIAL_RUN=token,
// with the process group of each (what the program started keeps the
// variable, unless it cleared its environment, and its group), and waits
// until none is left. It reports whether there was one. The token is
// random for every run of a trial, so nothing else is ever touched, a
// process that took a stray's pid since included.
func stopStray(token string) (bool, error) {
	pids, err := runningWith(token)
	if err != nil || len(pids) == 0 {
		return false, err
	}
	for _, pid := range pids {
		if pgid, err := syscall.Getpgid(pid); err == nil && pgid > 1 {
			_ = syscall.Kill(-pgid, syscall.SIGKILL) // ESRCH: gone meanwhile
		}
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	deadline := time.Now().Add(strayWait)
	for {
		pids, err := runningWith(token)
		if err != nil || len(pids) == 0 {
			return true, err
		}
		if time.Now().After(deadline) {
			return true, fmt.Errorf("processes %v still run %s after SIGKILL", pids, strayWait)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// runningWith lists the live processes (zombies are not) whose environment
// holds HPSEARCH_TRIAL_RUN=token.
func runningWith(token string) ([]int, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, fmt.Errorf("list processes: %w", err)
	}
	want := []byte(trialRunVar + "=" + token)
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		env, err := os.ReadFile("/proc/" + e.Name() + "/environ")
		if err != nil || !hasEntry(env, want) {
			continue // gone, another user's, or not this run
		}
		if !zombie(e.Name()) {
			pids = append(pids, pid)
		}
	}
	return pids, nil
}

// hasEntry reports whether a NUL-separated environment holds entry.
func hasEntry(env, entry []byte) bool {
	for kv := range bytes.SplitSeq(env, []byte{0}) {
		if bytes.Equal(kv, entry) {
			return true
		}
	}
	return false
}

// zombie reports whether process pid has exited (and waits to be reaped).
func zombie(pid string) bool {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return true
	}
	// pid (comm) state …; comm may hold spaces and ')'.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	return len(f) == 0 || f[0] == "Z" || f[0] == "X"
}

// processStart is when process pid started, in clock ticks since boot
// (/proc/PID/stat's 22nd field), and whether it runs: with its pid it
// names one process for good, a pid handed out again being another start.
func processStart(pid int) (uint64, bool) {
	if pid <= 0 {
		return 0, false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	// The command name, field 2, is in parentheses and may hold spaces
	// and parentheses itself: the fields after it start after the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 20 || f[0] == "Z" || f[0] == "X" {
		return 0, false // a zombie, or a dead process, has ended
	}
	start, err := strconv.ParseUint(f[19], 10, 64)
	return start, err == nil
}
