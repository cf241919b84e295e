"""Where the eager moons step spends its time: forward, sort, sweep and the garbage collector.

    python benchmarks/profile_step.py [--cprofile]

Splits the unfused moons step (micrograd's graph built from autograd-mini Values) into the
forward pass, the topological sort and the backward sweep (collector paused), then runs it
with the collector on and reports, through ``gc.callbacks``, how many collections of each
generation happen per step, in which phase, and how long they take. ``--cprofile`` adds
cProfile's top functions. The figures in docs/performance.md come from this script.
"""

from __future__ import annotations

import cProfile
import gc
import pstats
import statistics
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from autograd_mini import Value, engine  # noqa: E402

from workloads import MicrogradStyleMLP, moons  # noqa: E402

STEPS = 8


def forward(model: Any, xs: Any, ys: Any) -> Value:
    scores = [model([Value(a), Value(b)]) for a, b in xs]
    losses = [(1 + -y * s).relu() for y, s in zip(ys, scores, strict=True)]
    total: Value = sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in model.parameters())
    return total


def update(model: Any, k: int) -> None:
    lr = 1.0 - 0.9 * k / 100
    for p in model.parameters():
        p.data -= lr * p.grad
        p.grad = 0.0


def phases() -> None:
    xs, ys = moons()
    model = MicrogradStyleMLP(Value)
    times: dict[str, list[float]] = {"forward": [], "sort": [], "sweep": []}
    gc.disable()
    try:
        for k in range(STEPS):
            t0 = time.perf_counter()
            total = forward(model, xs, ys)
            t1 = time.perf_counter()
            order = engine.topological_order(total)
            t2 = time.perf_counter()
            engine._backward_float(total, order)
            t3 = time.perf_counter()
            update(model, k)
            for name, dt in zip(times, (t1 - t0, t2 - t1, t3 - t2), strict=True):
                times[name].append(dt)
    finally:
        gc.enable()
    split = ", ".join(f"{n} {1000 * statistics.median(v):.1f} ms" for n, v in times.items())
    print(f"collector paused, {len(order)} nodes: {split}")


def collections() -> None:
    xs, ys = moons()
    model = MicrogradStyleMLP(Value)
    phase = "forward"
    spent: dict[tuple[str, int], list[float]] = {}
    started = [0.0]

    def probe(event: str, info: dict[str, int]) -> None:
        if event == "start":
            started[0] = time.perf_counter()
        else:
            entry = spent.setdefault((phase, info["generation"]), [0, 0.0])
            entry[0] += 1
            entry[1] += time.perf_counter() - started[0]

    gc.callbacks.append(probe)
    try:
        graph = None
        start = 0.0
        for k in range(STEPS):
            if k == 2:
                spent.clear()
                start = time.perf_counter()
            phase = "forward"
            total = forward(model, xs, ys)
            phase = "backward"
            total.backward()
            update(model, k)
            graph = total  # as in the workload: the graph lives until the next step's
        del graph
    finally:
        gc.callbacks.remove(probe)
    steps = STEPS - 2
    step_ms = 1000 * (time.perf_counter() - start) / steps
    print(f"collector on: {step_ms:.1f} ms per step; collections per step:")
    for (where, generation), (count, seconds) in sorted(spent.items()):
        print(
            f"  {where:<8} generation {generation}: {count / steps:6.1f} "
            f"taking {1000 * seconds / steps:6.1f} ms"
        )


def profile() -> None:
    xs, ys = moons()
    model = MicrogradStyleMLP(Value)
    profiler = cProfile.Profile()
    gc.disable()
    try:
        profiler.enable()
        for k in range(3):
            forward(model, xs, ys).backward()
            update(model, k)
        profiler.disable()
    finally:
        gc.enable()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(12)


if __name__ == "__main__":
    phases()
    collections()
    if "--cprofile" in sys.argv:
        profile()
