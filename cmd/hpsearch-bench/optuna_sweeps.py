#!/usr/bin/env python3
"""Real gradient-descent sweeps: hpsearch's strategies against Optuna.

For BENCHMARKS.md "Model-guided strategies (issue 19)". Every study is a
config as a user would run it, with `seed` set on the command line:

  * an hpsearch strategy S:   hpsearch run CONFIG --storage memory:
                                  --set search.strategy=S --set seed=SEED --json
  * an Optuna sampler (TPE, random, defaults, seeded with SEED) asks for
    trial 0, 1, … up to the config's budget (search.trials); each trial is
    trained by `hpsearch eval CONFIG --params TRIAL.yaml --set seed=SEED
    --json`, TRIAL.yaml holding the sampled params and the trial number, and
    its value is told back. A trial's seed comes from the study seed and its
    number, so trial t of Optuna's study and trial t of `hpsearch run` start
    from the same initial weights and the same data split: only the params
    differ. A trial that is not ok (diverged, failed) is told as failed, as
    an objective returning NaN is.

The search space is read from `hpsearch validate CONFIG --json`: uniform and
log_uniform become suggest_float (log=True for the latter), int suggest_int,
choice suggest_categorical, powers_of_ten a suggest_int of the exponent; a
parameter with `when` is suggested only in trials where its parent took one
of the listed values (Optuna's define-by-run conditional space).

The best value of the config's metric of each study is appended to -raw as
TSV (config, method, seed, best); studies already there are not run again,
so an interrupted run continues where it stopped. Then the Markdown table
is printed: median and min–max over the seeds, and for each hpsearch
strategy whether its median is at or below -against's (Optuna TPE) and on
how many seeds its best is (same seed, same data and initial weights).

Needs Optuna (Debian bookworm: apt-get install python3-optuna, 3.1.0) and an
hpsearch binary:

    go build -o /tmp/hpsearch ./cmd/hpsearch
    nice -n 10 /usr/bin/python3 cmd/hpsearch-bench/optuna_sweeps.py -hpsearch /tmp/hpsearch \\
        -raw sweeps.tsv -seeds 10 -jobs 2
"""
import argparse
import concurrent.futures
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import threading

DEFAULT_CONFIGS = ",".join([
    "configs/quickstart.yaml",
    "configs/iris-mlp.yaml",
    "search/testdata/earlystop/adam-tiny.yaml",
    "search/testdata/earlystop/larger-data.yaml",
    "search/testdata/earlystop/mlp-momentum-slow.yaml",
    "search/testdata/earlystop/mlp-overfit.yaml",
    "search/testdata/earlystop/plateau-late.yaml",
])
DEFAULT_METHODS = "coarse-to-fine,coarse-to-fine-gp,bayes,random,optuna-tpe,optuna-random"


def hpsearch_json(args):
    # Exit status 1 is a trial (eval) or a study (run) without success: its
    # JSON is still printed, and such a trial is data. Anything else is not.
    out = subprocess.run(args, capture_output=True, text=True)
    if out.returncode not in (0, 1) or not out.stdout.strip():
        raise RuntimeError(f"{' '.join(args)}: exit {out.returncode}: {out.stderr.strip()[-500:]}")
    return json.loads(out.stdout)


def describe(hps, config, seed):
    return hpsearch_json([hps, "validate", config, "--set", f"seed={seed}", "--json"])


def run_strategy(hps, config, strategy, seed, tmpdir):
    # An output directory per run: runs of one study name with stores of
    # their own (memory:) at once into one directory are refused, as they
    # would overwrite each other's best.yaml and trials.csv.
    out = tempfile.mkdtemp(dir=tmpdir)
    d = hpsearch_json([hps, "run", config, "--storage", "memory:", "--parallel", "1",
                       "--set", f"search.strategy={strategy}", "--set", f"seed={seed}",
                       "--set", f"output.dir={out}", "--json"])
    best = d.get("best")
    return math.nan if not best or best.get("value") is None else float(best["value"])


def yaml_scalar(v):
    if isinstance(v, bool):
        raise ValueError(f"unsupported value {v!r}")
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        r = repr(v)
        return r if ("." in r or "e" in r or "inf" in r or "nan" in r) else r + ".0"
    return json.dumps(str(v))  # a JSON string is a YAML double-quoted scalar


def suggest(trial, space):
    """The params of one trial, in the config's order, from space (validate's)."""
    params = {}
    for dim in space:
        name, dist, rng = dim["name"], dim["distribution"], dim["range"]
        when = dim.get("when")
        if when:
            parent, values = next(iter(when.items()))
            if parent not in params or str(params[parent]) not in {str(v) for v in values}:
                continue
        if dist == "uniform":
            params[name] = trial.suggest_float(name, rng[0], rng[1])
        elif dist == "log_uniform":
            params[name] = trial.suggest_float(name, rng[0], rng[1], log=True)
        elif dist == "int":
            params[name] = trial.suggest_int(name, int(rng[0]), int(rng[1]), log=bool(dim.get("log")))
        elif dist == "choice":
            params[name] = trial.suggest_categorical(name, rng)
        elif dist == "powers_of_ten":
            lo, hi = round(math.log10(rng[0])), round(math.log10(rng[1]))
            params[name] = float(10.0 ** trial.suggest_int("log10_" + name, lo, hi))
        else:
            raise ValueError(f"{name}: distribution {dist!r} not supported by this driver")
    return params


def run_optuna(hps, config, sampler_name, seed, tmpdir):
    import optuna
    desc = describe(hps, config, seed)
    budget = desc["plan"]["trials"]
    sampler = {"tpe": optuna.samplers.TPESampler, "random": optuna.samplers.RandomSampler}[sampler_name](seed=seed)
    goal = desc["goal"]
    study = optuna.create_study(sampler=sampler, direction="maximize" if goal == "maximize" else "minimize")
    path = os.path.join(tmpdir, f"{os.getpid()}-{threading.get_ident()}.yaml")
    best = math.nan
    for number in range(budget):
        trial = study.ask()
        params = suggest(trial, desc["space"])
        with open(path, "w") as f:
            f.write(f"study: {yaml_scalar(desc['study'])}\nmetric: {desc['metric']}\ngoal: {goal}\n"
                    f"trial: {number}\nparams:\n")
            for k, v in params.items():
                f.write(f"  {k}: {yaml_scalar(v)}\n")
        t = hpsearch_json([hps, "eval", config, "--params", path, "--storage", "memory:",
                           "--set", f"seed={seed}", "--json"])
        if t["number"] != number:
            raise RuntimeError(f"{config}: eval ran trial {t['number']}, asked for {number}")
        value = t.get("value")
        if t.get("status") == "ok" and value is not None and math.isfinite(value):
            study.tell(trial, value)
            if math.isnan(best) or (value > best if goal == "maximize" else value < best):
                best = value
        else:
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
    return best


def run_one(hps, config, method, seed, tmpdir):
    if method.startswith("optuna-"):
        return run_optuna(hps, config, method[len("optuna-"):], seed, tmpdir)
    return run_strategy(hps, config, method, seed, tmpdir)


def load_raw(path):
    done = {}
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                if line.startswith("#") or line.startswith("config\t") or not line.strip():
                    continue
                c, m, s, v = line.rstrip("\n").split("\t")
                done[(c, m, int(s))] = float(v)
    return done


def fmt(v):
    return "—" if math.isnan(v) else f"{v:.4g}"


def table(done, configs, methods, seeds, against):
    out = ["| config | " + " | ".join(methods) + " | " + " | ".join(f"{m} ≤ {against}" for m in methods if m != against
                                                                      and not m.startswith("optuna-")) + " |"]
    out.append("| --- " * (1 + len(methods) + sum(1 for m in methods if m != against and not m.startswith("optuna-"))) + "|")
    for c in configs:
        medians, cells = {}, []
        for m in methods:
            vs = [done[(c, m, s)] for s in seeds if (c, m, s) in done]
            vs = [v for v in vs if not math.isnan(v)]
            if not vs:
                medians[m] = math.nan
                cells.append("—")
                continue
            medians[m] = statistics.median(vs)
            cells.append(f"{fmt(medians[m])} ({fmt(min(vs))}–{fmt(max(vs))})")
        marks = []
        for m in methods:
            if m == against or m.startswith("optuna-"):
                continue
            a, b = medians[m], medians.get(against, math.nan)
            if math.isnan(a) or math.isnan(b):
                marks.append("—")
                continue
            # Paired by seed: the same seed is the same data, split and
            # initial weights of trial t for both, so this is the sharper test.
            pairs = [(done[(c, m, s)], done[(c, against, s)]) for s in seeds if (c, m, s) in done and (c, against, s) in done]
            wins = sum(1 for x, y in pairs if x <= y)
            verdict = "yes" if a <= b else f"no (×{a / b:.3f})"
            marks.append(f"{verdict}, {wins}/{len(pairs)}")
        out.append(f"| `{c}` | " + " | ".join(cells) + " | " + " | ".join(marks) + " |")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-hpsearch", default="hpsearch", help="the hpsearch binary")
    ap.add_argument("-configs", default=DEFAULT_CONFIGS, help="configs, comma-separated")
    ap.add_argument("-methods", default=DEFAULT_METHODS,
                    help="hpsearch strategies and optuna-tpe / optuna-random, comma-separated")
    ap.add_argument("-seeds", type=int, default=10, help="seeds first-seed … first-seed+seeds−1")
    ap.add_argument("-first-seed", type=int, default=1)
    ap.add_argument("-jobs", type=int, default=2, help="studies run at once")
    ap.add_argument("-raw", default="sweeps.tsv", help="per-study best values (TSV), appended and reused")
    ap.add_argument("-against", default="optuna-tpe", help="the column each hpsearch strategy is compared with")
    args = ap.parse_args()
    import optuna
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    import warnings
    warnings.filterwarnings("ignore")

    configs = [c for c in args.configs.split(",") if c]
    methods = [m for m in args.methods.split(",") if m]
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    done = load_raw(args.raw)
    todo = [(c, m, s) for c in configs for m in methods for s in seeds if (c, m, s) not in done]
    new_file = not os.path.exists(args.raw)
    lock = threading.Lock()
    with open(args.raw, "a") as raw, tempfile.TemporaryDirectory() as tmpdir:
        if new_file:
            version = subprocess.run([args.hpsearch, "--version"], capture_output=True, text=True).stdout.strip()
            raw.write(f"# Optuna {optuna.__version__}, {version}; best value of each study\nconfig\tmethod\tseed\tbest\n")
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
            futures = {pool.submit(run_one, args.hpsearch, c, m, s, tmpdir): (c, m, s) for c, m, s in todo}
            for i, fut in enumerate(concurrent.futures.as_completed(futures), 1):
                c, m, s = futures[fut]
                try:
                    v = fut.result()
                except Exception:
                    pool.shutdown(wait=False, cancel_futures=True)  # stop at once, keep what is done
                    raise
                with lock:
                    done[(c, m, s)] = v
                    raw.write(f"{c}\t{m}\t{s}\t{v!r}\n")
                    raw.flush()
                print(f"{i}/{len(todo)} {c} {m} seed {s}: {v:.6g}", file=sys.stderr, flush=True)
    print(f"Median best (min–max) over seeds {seeds[0]}–{seeds[-1]}, Optuna {optuna.__version__}:\n")
    print(table(done, configs, methods, seeds, args.against))


if __name__ == "__main__":
    main()
