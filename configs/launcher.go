package configs

import (
	"fmt"
	"os/exec"
	"regexp"
	"slices"
	"strings"
)

// Launcher says where a command trial's program runs: here, or as a batch
// job of a cluster's scheduler. Its keys are named as sbatch's options, so
// that a Slurm user recognises them.
type Launcher struct {
	Kind        string   // local | slurm
	Partition   string   // sbatch --partition; "" = the cluster's default
	Time        string   // sbatch --time, Slurm's format ("02:00:00", "30", "1-00:00:00"); "" = the partition's default
	Gres        string   // sbatch --gres, e.g. "gpu:1"
	CPUsPerTask int      // sbatch --cpus-per-task; 0 = not asked
	Mem         string   // sbatch --mem, e.g. "16G"
	Account     string   // sbatch --account
	SbatchArgs  []string // further sbatch options, one argument each
	Setup       []string // lines the job script runs before the program (module load cuda)
	Retries     int      // a job ended by NODE_FAIL or PREEMPTED is submitted again up to this many times
}

// Launcher kinds.
const (
	LauncherLocal = "local"
	LauncherSlurm = "slurm"
)

var launcherKinds = []string{LauncherLocal, LauncherSlurm}

// slurmOnly are the launcher's keys that mean something to Slurm alone.
var slurmOnly = []string{"partition", "time", "gres", "cpus_per_task", "mem", "account", "sbatch_args", "setup", "retries"}

// slurmTools are the programs the Slurm launcher runs.
var slurmTools = []string{"sbatch", "scontrol", "scancel", "squeue"}

var (
	// slurmTime is every form sbatch --time takes: minutes,
	// minutes:seconds, hours:minutes:seconds, days-hours,
	// days-hours:minutes and days-hours:minutes:seconds.
	slurmTime = regexp.MustCompile(`^(\d+|\d+:\d+|\d+:\d+:\d+|\d+-\d+|\d+-\d+:\d+|\d+-\d+:\d+:\d+)$`)
	// slurmMem is sbatch --mem: a size with an optional unit.
	slurmMem = regexp.MustCompile(`^\d+[KMGT]?$`)
)

// hpsearchSbatchOptions are the sbatch options hpsearch sets for every
// job: given again in sbatch_args, the job would write its output where
// hpsearch does not read it, or not be found again.
var hpsearchSbatchOptions = []string{"-o", "--output", "-e", "--error", "-J", "--job-name", "-D", "--chdir",
	"--parsable", "--wrap", "-a", "--array", "--export", "--open-mode", "-W", "--wait", "--requeue", "--no-requeue",
	"-i", "--input", "-t", "--time", "-p", "--partition", "--gres", "-c", "--cpus-per-task", "--mem", "-A", "--account"}

// validateLauncher checks trainer.launcher: only for command trials, the
// keys of its kind, values in the forms sbatch takes, and the Slurm
// programs on PATH.
func (d *decoder) validateLauncher() {
	l := &d.cfg.Trainer.Launcher
	if !d.isCommand() {
		if d.has("trainer.launcher") {
			d.at("trainer.launcher", "applies to trainer.command only: the built-in trainer trains inside hpsearch itself; "+
				"to use a cluster for it, run `hpsearch worker` processes as Slurm jobs sharing a PostgreSQL study (README: Clusters)")
		}
		return
	}
	if l.Kind != LauncherSlurm {
		for _, k := range slurmOnly {
			if d.has("trainer.launcher." + k) {
				d.at("trainer.launcher."+k, fmt.Sprintf("applies to kind slurm only (kind is %s)", l.Kind))
			}
		}
		return
	}
	for _, tool := range slurmTools {
		if _, err := exec.LookPath(tool); err != nil {
			d.at("trainer.launcher.kind", fmt.Sprintf("slurm needs %s, not found in PATH: run hpsearch on a Slurm login node, or use kind: local", tool))
			break
		}
	}
	if l.Time != "" && !slurmTime.MatchString(l.Time) {
		d.at("trainer.launcher.time", fmt.Sprintf(`must be a Slurm time limit such as "02:00:00", "30" (minutes) or "1-12:00:00", got %q`, l.Time))
	}
	if l.Mem != "" && !slurmMem.MatchString(l.Mem) {
		d.at("trainer.launcher.mem", fmt.Sprintf(`must be a size such as "16G", "500M" or "4096" (megabytes), got %q`, l.Mem))
	}
	for _, k := range []struct{ key, v string }{{"partition", l.Partition}, {"gres", l.Gres}, {"account", l.Account}} {
		if d.has("trainer.launcher."+k.key) && strings.TrimSpace(k.v) == "" {
			d.at("trainer.launcher."+k.key, "must not be empty (leave the key out for the cluster's default)")
		}
	}
	for i, a := range l.SbatchArgs {
		name, _, _ := strings.Cut(a, "=")
		if slices.Contains(hpsearchSbatchOptions, name) {
			d.at("trainer.launcher.sbatch_args", fmt.Sprintf("item %d %q: hpsearch sets %s itself (or has a key for it: partition, time, gres, cpus_per_task, mem, account)", i, a, name))
		}
	}
	for i, line := range l.Setup {
		if strings.ContainsAny(line, "\n\r") {
			d.at("trainer.launcher.setup", fmt.Sprintf("item %d holds a line break: give each line as an item of its own", i))
		}
	}
	if len(d.cfg.Trainer.Devices) > 0 {
		d.at("trainer.devices", "does not go with trainer.launcher kind slurm: ask Slurm for devices with trainer.launcher.gres (gpu:1), and it gives each job its own (CUDA_VISIBLE_DEVICES)")
	}
	if e := d.cfg.Search.EarlyStopping; e != nil && e.Kind != "median" && e.Kind != "" {
		d.warn("search.early_stopping.kind", fmt.Sprintf("%s holds trials at rungs, and a Slurm job cannot be paused by its user: a held trial's job keeps its allocation and runs on while it waits (median holds none)", e.Kind))
	}
}
