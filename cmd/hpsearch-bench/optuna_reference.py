#!/usr/bin/env python3
"""Optuna reference figures for BENCHMARKS.md "Search quality (issue 6)".

Runs Optuna's random, TPE and CMA-ES samplers (defaults, seeds 0..N-1) on the
same benchmark functions and domains as cmd/hpsearch-bench and prints the
median regret (best - known minimum) per function and sampler, as TSV that
`hpsearch-bench -reference FILE` reads to mark each row.

Needs Optuna 3.1 and, for CMA-ES, the cmaes package (Debian bookworm:
apt-get install python3-optuna python3-cmaes, Optuna 3.1.0 and cmaes 0.9.1;
run them with the system's /usr/bin/python3):
    /usr/bin/python3 cmd/hpsearch-bench/optuna_reference.py -budget 100 > ref100.tsv
"""
import argparse
import math
import statistics
import sys

import numpy as np
import optuna

PI = math.pi


def branin(x):
    a, b, c, r, s, t = 1.0, 5.1 / (4 * PI**2), 5 / PI, 6.0, 10.0, 1 / (8 * PI)
    return a * (x[1] - b * x[0] ** 2 + c * x[0] - r) ** 2 + s * (1 - t) * math.cos(x[0]) + s


H3_A = [[3, 10, 30], [0.1, 10, 35], [3, 10, 30], [0.1, 10, 35]]
H3_P = [[3689, 1170, 2673], [4699, 4387, 7470], [1091, 8732, 5547], [381, 5743, 8828]]
H6_A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
H6_P = [[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
        [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]]
ALPHA = [1.0, 1.2, 3.0, 3.2]


def hartmann(A, P):
    def f(x):
        s = 0.0
        for i in range(4):
            inner = sum(A[i][j] * (x[j] - P[i][j] * 1e-4) ** 2 for j in range(len(x)))
            s -= ALPHA[i] * math.exp(-inner)
        return s
    return f


def styblinski_tang(x):
    return 0.5 * sum(v**4 - 16 * v**2 + 5 * v for v in x)


def rosenbrock(x):
    return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(len(x) - 1))


def ackley(x):
    n = len(x)
    s1 = sum(v * v for v in x) / n
    s2 = sum(math.cos(2 * PI * v) for v in x) / n
    return -20 * math.exp(-0.2 * math.sqrt(s1)) - math.exp(s2) + 20 + math.e


def rastrigin(x):
    return 10 * len(x) + sum(v * v - 10 * math.cos(2 * PI * v) for v in x)


def levy(x):
    w = [1 + (v - 1) / 4 for v in x]
    s = math.sin(PI * w[0]) ** 2
    for i in range(len(w) - 1):
        s += (w[i] - 1) ** 2 * (1 + 10 * math.sin(PI * w[i] + 1) ** 2)
    s += (w[-1] - 1) ** 2 * (1 + math.sin(2 * PI * w[-1]) ** 2)
    return s


# name -> (function, domain of dimension n, known minimum of dimension n, fixed dimension or 0)
FUNCS = {
    "branin": (branin, lambda n: [(-5, 10), (0, 15)], lambda n: 0.39788735772973816, 2),
    "hartmann3": (hartmann(H3_A, H3_P), lambda n: [(0, 1)] * 3, lambda n: -3.8627797873326628, 3),
    "hartmann6": (hartmann(H6_A, H6_P), lambda n: [(0, 1)] * 6, lambda n: -3.3223680114155147, 6),
    "styblinski_tang": (styblinski_tang, lambda n: [(-5, 5)] * n, lambda n: -39.16616570377142 * n, 0),
    "rosenbrock": (rosenbrock, lambda n: [(-2, 2)] * n, lambda n: 0.0, 0),
    "ackley": (ackley, lambda n: [(-32.768, 32.768)] * n, lambda n: 0.0, 0),
    "rastrigin": (rastrigin, lambda n: [(-5.12, 5.12)] * n, lambda n: 0.0, 0),
    "levy": (levy, lambda n: [(-10, 10)] * n, lambda n: 0.0, 0),
}

DEFAULT_FUNCS = ("branin,hartmann6,styblinski_tang:4,rosenbrock:4,ackley:5,hartmann3,rastrigin:2,rastrigin:4,"
                 "levy:4,rosenbrock:2,styblinski_tang:2,ackley:2,styblinski_tang:8,levy:8")


def run(sampler_name, fn, domain, budget, seed):
    samplers = {
        "random": lambda: optuna.samplers.RandomSampler(seed=seed),
        "tpe": lambda: optuna.samplers.TPESampler(seed=seed),
        "cmaes": lambda: optuna.samplers.CmaEsSampler(seed=seed),
    }
    study = optuna.create_study(sampler=samplers[sampler_name]())

    def objective(trial):
        x = [trial.suggest_float(f"x{i}", lo, hi) for i, (lo, hi) in enumerate(domain)]
        return fn(x)

    study.optimize(objective, n_trials=budget)
    return study.best_value


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-budget", type=int, default=100)
    ap.add_argument("-seeds", type=int, default=20)
    ap.add_argument("-functions", default=DEFAULT_FUNCS)
    ap.add_argument("-samplers", default="random,tpe,cmaes")
    args = ap.parse_args()
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    import warnings
    warnings.filterwarnings("ignore")
    print("function\tbudget\tsampler\tmedian_regret")
    for spec in args.functions.split(","):
        name, _, dim = spec.partition(":")
        fn, domain_of, min_of, fixed = FUNCS[name]
        n = int(dim) if dim else fixed
        domain = domain_of(n)
        label = name if fixed else f"{name}:{n}"
        for s in args.samplers.split(","):
            regrets = [run(s, fn, domain, args.budget, seed) - min_of(n) for seed in range(args.seeds)]
            print(f"{label}\t{args.budget}\t{s}\t{statistics.median(regrets):.6g}", flush=True)


if __name__ == "__main__":
    main()
