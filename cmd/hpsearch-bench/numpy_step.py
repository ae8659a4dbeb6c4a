#!/usr/bin/python3
"""Times numpy's full-batch linear gradient step, the reference for
BenchmarkLinearStepFused (trainer/models_bench_test.go):

    r = X @ w - y;  w -= lr * (2 / N) * (X.T @ r)

on the same shape (200,000 x 64 float64 by default). Run beside the Go
benchmark, on Debian's python3-numpy with libopenblas0-pthread (OpenBLAS
then uses every core by default; OPENBLAS_NUM_THREADS=1 for one):

    /usr/bin/python3 cmd/hpsearch-bench/numpy_step.py --count 5
"""
import argparse
import statistics
import time

import numpy as np


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--cols", type=int, default=64)
    ap.add_argument("--steps", type=int, default=50, help="steps per timing")
    ap.add_argument("--count", type=int, default=5, help="timings; the median is reported")
    args = ap.parse_args()

    rng = np.random.default_rng(1)
    X = rng.standard_normal((args.rows, args.cols))
    y = X @ (0.3 * np.arange(1, args.cols + 1)) + 0.5 + 0.1 * rng.standard_normal(args.rows)
    w = 0.1 * rng.standard_normal(args.cols)
    lr, n = 1e-3, args.rows

    def step():
        nonlocal w
        r = X @ w - y
        w -= lr * (2 / n) * (X.T @ r)

    for _ in range(3):
        step()
    # The CPU time (of every thread) beside the wall clock: on a machine
    # shared with other work the wall clock also counts the time others ran.
    wall, cpu = [], []
    for _ in range(args.count):
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(args.steps):
            step()
        wall.append((time.perf_counter() - t0) / args.steps * 1e3)
        cpu.append((time.process_time() - c0) / args.steps * 1e3)
    print(f"numpy {np.__version__}, {args.rows} x {args.cols}: "
          f"median {statistics.median(wall):.2f} ms per step "
          f"(min {min(wall):.2f}, max {max(wall):.2f}), "
          f"CPU {statistics.median(cpu):.2f} ms per step, all threads "
          f"({args.count} x {args.steps} steps)")


if __name__ == "__main__":
    main()
