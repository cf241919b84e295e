"""Where the moons step spends its time: phases, the garbage collector, and cProfile.

    python benchmarks/profile_step.py [--cprofile] [--steps N]

1. The eager step on micrograd's graph (``nn.MLP(expand=True)``) and on the default
   ``nn.MLP``, collector paused, split into forward, ``engine.topological_order`` and the
   rest of ``backward()``: the sweep is a later ``backward()`` from the same root, which
   reuses the order cached on it, and the sort is the first ``backward()`` − the sweep.
2. The same steps with the collector on, with a ``gc.callbacks`` probe: collections of each
   generation per step, in which phase, and their time.
3. ``--cprofile``: cProfile's top functions (by own time) of the eager step on micrograd's
   graph and of the compiled step (``compile_loss`` replayed on the batch).
4. ``--compiled``: the compiled step (what ``fit(compiled=True)`` runs per batch) phase by
   phase — the joint plan (model and loss) forward and backward, the penalty's, the SGD
   update — on the moons workload and the deep MLP, collector paused, the minimum of
   repeats; and each plan's groups with how their backward pass runs.

The figures in docs/performance.md come from this script.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import math
import pstats
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path[:0] = [str(Path(__file__).resolve().parent)]

from autograd_mini import Value, engine  # noqa: E402

from engines import compiled_fit  # noqa: E402
from workloads import (  # noqa: E402
    DEEP_POINTS,
    DEEP_SIZES,
    L2,
    SIZES,
    learning_rate,
    moons,
    nn_model,
)


def forward(model: Any, xs: Any, ys: Any) -> Value:
    """The workload's loss (micrograd's demo), on autograd-mini Values."""
    scores = [model([Value(a), Value(b)]) for a, b in xs]
    losses = [(1 + -y * s).relu() for y, s in zip(ys, scores, strict=True)]
    total: Value = sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in model.parameters())
    return total


def update(model: Any, k: int) -> None:
    lr = learning_rate(k)
    for p in model.parameters():
        p.data -= lr * p.grad
        p.grad = 0.0


def phases(expand: bool, steps: int) -> dict[str, float]:
    xs, ys = moons()
    model = nn_model(expand=expand)
    times: dict[str, list[float]] = {"forward": [], "sort": [], "sweep": []}
    gc.collect()
    gc.disable()
    try:
        params = model.parameters()
        for k in range(steps):
            t0 = time.perf_counter()
            total = forward(model, xs, ys)
            t1 = time.perf_counter()
            total.backward()  # what a step pays: a sort of the fresh graph, then the sweep
            t2 = time.perf_counter()
            for _ in range(2):  # the second pass from a root caches its order on the root
                for p in params:
                    p.grad = 0.0
                total.backward()
            for p in params:
                p.grad = 0.0
            t3 = time.perf_counter()
            total.backward()  # the sweep alone (the cached order), the same gradients
            t4 = time.perf_counter()
            update(model, k)
            for name, dt in zip(times, (t1 - t0, t2 - t1 - (t4 - t3), t4 - t3), strict=True):
                times[name].append(dt)
        order = engine.topological_order(total)
    finally:
        gc.enable()
    split = {n: 1000 * statistics.median(v) for n, v in times.items()}
    what = "micrograd's graph" if expand else "nn.MLP"
    parts = ", ".join(f"{n} {v:.1f} ms" for n, v in split.items())
    per = ", ".join(f"{n} {1000 * v / len(order):.2f} µs" for n, v in split.items())
    print(f"{what}, collector paused, {len(order):,} nodes: {parts}\n  per node: {per}")
    return split


def collections(expand: bool, steps: int) -> None:
    xs, ys = moons()
    model = nn_model(expand=expand)
    phase = ["forward"]
    spent: dict[tuple[str, int], list[float]] = {}
    started = [0.0]

    def probe(event: str, info: dict[str, int]) -> None:
        if event == "start":
            started[0] = time.perf_counter()
        else:
            entry = spent.setdefault((phase[0], info["generation"]), [0, 0.0])
            entry[0] += 1
            entry[1] += time.perf_counter() - started[0]

    gc.callbacks.append(probe)
    try:
        graph = None
        start = 0.0
        for k in range(steps + 1):
            if k == 1:
                spent.clear()
                start = time.perf_counter()
            phase[0] = "forward"
            total = forward(model, xs, ys)
            phase[0] = "backward"
            total.backward()
            update(model, k)
            graph = total  # as in the workload: the graph lives until the next step's
        del graph
    finally:
        gc.callbacks.remove(probe)
    step_ms = 1000 * (time.perf_counter() - start) / steps
    what = "micrograd's graph" if expand else "nn.MLP"
    print(f"{what}, collector on: {step_ms:.1f} ms per step; collections per step:")
    for (where, generation), (count, seconds) in sorted(spent.items()):
        print(
            f"  {where:<8} generation {generation}: {count / steps:6.1f} "
            f"taking {1000 * seconds / steps:6.1f} ms"
        )


def top(profiler: cProfile.Profile, lines: int) -> str:
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(lines)
    text = out.getvalue()
    return text[text.index("ncalls") :] if "ncalls" in text else text


def profile(steps: int) -> None:
    xs, ys = moons()
    model = nn_model(expand=True)
    profiler = cProfile.Profile()
    gc.disable()
    try:
        profiler.enable()
        for k in range(steps):
            forward(model, xs, ys).backward()
            update(model, k)
        profiler.disable()
    finally:
        gc.enable()
    print(f"\ncProfile, eager step on micrograd's graph ({steps} steps, collector paused):")
    print(top(profiler, 10))
    profiler = cProfile.Profile()
    profiler.enable()
    compiled_fit("moons", 50 * steps)
    profiler.disable()
    print(f"cProfile, fit(compiled=True) ({50 * steps} steps, tracing included):")
    print(top(profiler, 12))


def best_us(f: Any, calls: int, repeats: int = 7) -> float:
    """The minimum over ``repeats`` of the mean time of ``calls`` calls of f, in µs."""
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            f()
        best = min(best, (time.perf_counter() - start) / calls)
    return 1e6 * best


def describe(plan: Any) -> list[str]:
    """One line per group of a plan: what it is and how its backward pass runs."""
    lines = []
    for g in plan.groups:
        if g.__class__.__name__ == "Layer":
            what = f"layer of {g.k} (matrix products)"
        else:
            what = f"{g.op.name} ×{g.k}" + (" (wide)" if g.wide else "")
            if g.needs_grad:
                what += ", partials " + ("computed" if g.fixed is None else "fixed")
        lines.append(what if g.needs_grad else what + ", no gradient")
    return lines


def compiled_phases(task: str, steps: int) -> None:
    from autograd_mini import losses
    from autograd_mini.compiled import compile_loss
    from autograd_mini.optim import SGD

    sizes, n = (SIZES, 100) if task == "moons" else (DEEP_SIZES, DEEP_POINTS)
    xs, ys = moons(n)
    model = nn_model(sizes, scaled=task != "moons")
    compiled = compile_loss(
        model, losses.hinge, xs[0], ys[0], penalty=lambda ps: L2 * engine.add_n([p * p for p in ps])
    )
    vec = np.array([p.data for p in model.parameters()])
    batch = compiled.prepare(xs, ys)
    step = compiled.run(vec, batch)
    assert batch.joint is not None and compiled.penalty_plan is not None
    plan, constants, _, seed = batch.joint
    penalty = compiled.penalty_plan
    samples = range(n)
    work = plan.forward(vec, batch.rows, constants, samples)
    pwork = penalty.forward(vec, np.empty((0, 1)), None, [0])
    opt = SGD(model.parameters(), lr=1e-9)
    timings = {
        "whole run()": lambda: compiled.run(vec, batch),
        "joint forward": lambda: plan.forward(vec, batch.rows, constants, samples),
        "joint backward": lambda: plan.backward(work, seed, samples),
        "penalty forward": lambda: penalty.forward(vec, np.empty((0, 1)), None, [0]),
        "penalty backward": lambda: penalty.backward(pwork, np.ones((1, 1)), [0]),
        "SGD step_vector + finite check": lambda: (
            opt.step_vector(vec, step.grads, np),
            np.isfinite(vec).all(),
        ),
    }
    gc.collect()
    gc.disable()
    try:
        got = {name: best_us(f, steps) for name, f in timings.items()}
    finally:
        gc.enable()
    print(f"\ncompiled step, {task} ({n} points, {len(vec)} parameters), collector paused:")
    for name, us in got.items():
        print(f"  {name:<32}{us:8.1f} µs")
    for name, p in (("joint plan", plan), ("penalty plan", penalty)):
        print(f"  {name}: " + "; ".join(describe(p)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cprofile", action="store_true")
    parser.add_argument("--compiled", action="store_true", help="only the compiled phases")
    parser.add_argument("--steps", type=int, default=5)
    args = parser.parse_args()
    if args.compiled:
        compiled_phases("moons", 200 * args.steps)
        compiled_phases("deep", 20 * args.steps)
        return
    for expand in (True, False):
        phases(expand, args.steps)
    for expand in (True, False):
        collections(expand, args.steps)
    if args.cprofile:
        profile(max(1, args.steps // 2))


if __name__ == "__main__":
    main()
