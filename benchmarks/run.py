"""autograd-mini's benchmark suite (``make bench``): one table, and ``benchmarks/results.json``.

Side by side in one run, against micrograd 0.1.0 and PyTorch (CPU, float64, batched):

  (a) eager, unfused: the moons step with the network built exactly as micrograd builds it
      (every wᵢ·hᵢ and + its own node) — issue 2 (a) and issue 6 (a);
  (b) eager, the default ``autograd_mini.nn.MLP`` (one linear node per neuron);
  (c) compiled: the same step through ``autograd_mini.compiled`` (NumPy), and the loss
      after 100 steps compared with eager mode's;
  (d) a chain of 1,000,000 operations y = y·1.0000001 + 0.0: backward time and bytes per
      result node (tracemalloc) — issue 2 (b) and issue 6 (d);
  (e) ``import autograd_mini`` time, and which heavy modules it imports.

Each engine runs in a fresh subprocess, so one engine's garbage does not slow the next;
each figure is the median of several steps, and the ratios are computed inside this run.

CPython's cyclic garbage collector is a large part of a scalar engine's time (a step
creates ~10⁵ container objects). Every engine is measured twice, in the same way: with
the collector on (what a user's script gets) and with it paused for the timed steps
(``gc.disable()``), and both ratios are reported. micrograd's graphs are reference cycles
(closures), so without the collector its memory is never freed.

Usage: python benchmarks/run.py [--quick]
"""

from __future__ import annotations

import gc
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE), str(ROOT)]

from workloads import (  # noqa: E402
    SIZES,
    MicrogradStyleMLP,
    initial_weights,
    moons,
)

CHAIN_OPS = 1_000_000
#: The reference engines (pip install micrograd==0.1.0 'torch==2.13.0'; `make bench` does).
REFERENCES = {"micrograd": "micrograd 0.1.0", "torch": "torch", "micrograd_memory": "micrograd"}
STEPS = {"micrograd": 5, "unfused": 15, "mlp": 40, "compiled": 300, "torch": 300}


# -- workers (each runs in its own process) ---------------------------------------------------


def _timed_steps(step: Any, steps: int, warmup: int, gc_on: bool) -> list[float]:
    """Seconds per call of ``step(k)``; the collector on or paused for the timed calls."""
    for k in range(warmup):
        step(k)
    gc.collect()
    times = []
    if not gc_on:
        gc.disable()
    try:
        for k in range(warmup, warmup + steps):
            start = time.perf_counter()
            step(k)
            times.append(time.perf_counter() - start)
    finally:
        gc.enable()
    return times


def _micrograd_graph_steps(value: Any, steps: int, gc_on: bool) -> dict[str, Any]:
    """Time the shared workload's loop with the network built from ``value`` (a Value class)
    exactly as micrograd builds it."""
    xs, ys = moons()
    model = MicrogradStyleMLP(value)
    state: dict[str, Any] = {}

    def step(k: int) -> None:
        # The shared workload's loop keeps the previous step's graph alive while the next
        # is built (its variables are reassigned only afterwards); so do we.
        state["loss"] = _micrograd_loop_step(model, value, xs, ys, k, state)

    times = _timed_steps(step, steps, 1, gc_on)
    return {"times": times, "loss": state["loss"]}


def worker_micrograd(steps: int, gc_on: bool) -> dict[str, Any]:
    from micrograd.engine import Value

    return _micrograd_graph_steps(Value, steps, gc_on)


def _micrograd_loop_step(
    model: Any, value: Any, xs: Any, ys: Any, k: int, state: dict[str, Any]
) -> float:
    """The body of moons_workload.micrograd_baseline, keeping its graph until the next."""
    scores = [model([value(a), value(b)]) for a, b in xs]
    losses = [(1 + -y * s).relu() for y, s in zip(ys, scores, strict=True)]
    total = sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in model.parameters())
    for p in model.parameters():
        p.grad = 0.0
    total.backward()
    lr = 1.0 - 0.9 * k / 100
    for p in model.parameters():
        p.data -= lr * p.grad
    state["graph"] = total  # alive until the next step replaces it, as in the workload
    return float(total.data)


def worker_unfused(steps: int, gc_on: bool) -> dict[str, Any]:
    from autograd_mini import Value

    return _micrograd_graph_steps(Value, steps, gc_on)


def _nn_model() -> Any:
    """The default nn.MLP 2-16-16-1 (linear node per neuron) with micrograd's weights."""
    from autograd_mini.nn import MLP

    model = MLP(SIZES[0], list(SIZES[1:]))
    for layer, weights in zip(model.layers, initial_weights(), strict=True):
        for neuron, ws in zip(layer.neurons, weights, strict=True):
            for w, x in zip(neuron.w, ws, strict=True):
                w.data = x
            neuron.b.data = 0.0
    return model


def _penalty(params: list[Any]) -> Any:
    from autograd_mini.engine import add_n

    return 1e-4 * add_n([p * p for p in params])


def _eager_nn_step(model: Any, xs: Any, ys: Any, k: int, state: dict[str, Any]) -> float:
    """The moons step with the library's idioms: hinge, mean, an L2 penalty node."""
    from autograd_mini import losses

    params = model.parameters()
    scores = [model(x) for x in xs]
    total = losses.mean([losses.hinge(s, t) for s, t in zip(scores, ys, strict=True)])
    total = total + _penalty(params)
    for p in params:
        p.grad = 0.0
    total.backward()
    lr = 1.0 - 0.9 * k / 100
    for p in params:
        p.data -= lr * p.grad
    state["graph"] = total
    return float(total.data)


def worker_mlp(steps: int, gc_on: bool) -> dict[str, Any]:
    xs, ys = moons()
    model = _nn_model()
    state: dict[str, Any] = {}

    def step(k: int) -> None:
        state["loss"] = _eager_nn_step(model, xs, ys, k, state)

    times = _timed_steps(step, steps, 1, gc_on)
    return {"times": times, "loss": state["loss"]}


def worker_compiled(steps: int, gc_on: bool) -> dict[str, Any]:
    from autograd_mini import losses
    from autograd_mini.compiled import compile_loss

    xs, ys = moons()
    model = _nn_model()
    params = model.parameters()
    start = time.perf_counter()
    compiled = compile_loss(model, losses.hinge, xs[0], ys[0], penalty=_penalty)
    compile_seconds = time.perf_counter() - start
    state: dict[str, Any] = {}

    def step(k: int) -> None:
        result = compiled(xs, ys)
        lr = 1.0 - 0.9 * k / 100
        for p, g in zip(params, result.grads, strict=True):
            p.data -= lr * g
        state["loss"] = result.loss

    times = _timed_steps(step, steps, 3, gc_on)
    return {"times": times, "loss": state["loss"], "compile_seconds": compile_seconds}


def worker_agreement(steps: int, gc_on: bool) -> dict[str, Any]:
    """The loss after `steps` SGD steps, eager (nn.MLP) and compiled, from the same start."""
    from autograd_mini import losses
    from autograd_mini.compiled import compile_loss

    xs, ys = moons()
    model = _nn_model()
    state: dict[str, Any] = {}
    eager = [_eager_nn_step(model, xs, ys, k, state) for k in range(steps)]
    model = _nn_model()
    params = model.parameters()
    compiled = compile_loss(model, losses.hinge, xs[0], ys[0], penalty=_penalty)
    fast = []
    for k in range(steps):
        result = compiled(xs, ys)
        fast.append(result.loss)
        lr = 1.0 - 0.9 * k / 100
        for p, g in zip(params, result.grads, strict=True):
            p.data -= lr * g
    return {"eager": eager[-1], "compiled": fast[-1], "steps": steps}


def worker_torch(steps: int, gc_on: bool) -> dict[str, Any]:
    import torch

    xs, ys = moons()
    x = torch.tensor(xs, dtype=torch.float64)
    t = torch.tensor(ys, dtype=torch.float64)
    layers = []
    for weights in initial_weights():
        w = torch.tensor(weights, dtype=torch.float64, requires_grad=True)
        b = torch.zeros(len(weights), dtype=torch.float64, requires_grad=True)
        layers.append((w, b))
    params = [p for wb in layers for p in wb]
    state: dict[str, Any] = {}

    def step(k: int) -> None:
        h = x
        for i, (w, b) in enumerate(layers):
            h = h @ w.T + b
            if i < len(layers) - 1:
                h = torch.relu(h)
        loss = torch.relu(1 - t * h[:, 0]).mean() + 1e-4 * sum((p * p).sum() for p in params)
        for p in params:
            p.grad = None
        loss.backward()
        lr = 1.0 - 0.9 * k / 100
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad
        state["loss"] = loss.detach().item()

    times = _timed_steps(step, steps, 5, gc_on)
    return {
        "times": times,
        "loss": state["loss"],
        "threads": torch.get_num_threads(),
        "version": torch.__version__,
    }


def worker_chain(steps: int, gc_on: bool) -> dict[str, Any]:
    """Bytes per result node (tracemalloc) and backward time of y = y·1.0000001 + 0.0."""
    import tracemalloc

    from autograd_mini import Value

    def build() -> tuple[Value, Value]:
        x = Value(1.0)
        y = x
        for _ in range(CHAIN_OPS // 2):
            y = y * 1.0000001 + 0.0
        return x, y

    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    x, y = build()
    per_node = (tracemalloc.get_traced_memory()[0] - before) / CHAIN_OPS
    tracemalloc.stop()
    del x, y
    gc.collect()
    build_start = time.perf_counter()
    x, y = build()
    build_seconds = time.perf_counter() - build_start
    start = time.perf_counter()
    y.backward()
    backward_seconds = time.perf_counter() - start
    expected = 1.0000001 ** (CHAIN_OPS // 2)
    assert abs(x.grad - expected) < 1e-6 * expected, (x.grad, expected)
    return {
        "bytes_per_node": per_node,
        "build_seconds": build_seconds,
        "backward_seconds": backward_seconds,
    }


def worker_micrograd_memory(steps: int, gc_on: bool) -> dict[str, Any]:
    """micrograd's bytes per node on a shorter chain (its recursive backward cannot do 1M)."""
    import tracemalloc

    from micrograd.engine import Value

    n = 100_000
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    y = Value(1.0)
    for _ in range(n // 2):
        y = y * 1.0000001 + 0.0
    per_node = (tracemalloc.get_traced_memory()[0] - before) / n
    tracemalloc.stop()
    return {"bytes_per_node": per_node}


WORKERS = {name[len("worker_") :]: f for name, f in globals().items() if name.startswith("worker_")}


# -- the driver ---------------------------------------------------------------------------------


def run_worker(name: str, steps: int = 0, gc_on: bool = True) -> dict[str, Any]:
    command = [sys.executable, str(Path(__file__)), "--worker", name, str(steps), str(int(gc_on))]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
    if done.returncode != 0 and name in REFERENCES and "ModuleNotFoundError" in done.stderr:
        print(f"note: {REFERENCES[name]} is not installed; its column is left empty")
        return {"missing": REFERENCES[name], "ms": math.nan}
    if done.returncode != 0:
        raise RuntimeError(f"benchmark worker {name} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    if "times" in result:
        result["ms"] = 1000 * statistics.median(result["times"])
        del result["times"]
    return result


def import_time(repeats: int = 9) -> dict[str, Any]:
    """Median wall time of a fresh ``import autograd_mini`` minus a bare interpreter."""

    def median_run(code: str) -> float:
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
            times.append(time.perf_counter() - start)
        return statistics.median(times)

    bare = median_run("pass")
    with_import = median_run("import autograd_mini")
    probe = (
        "import sys, autograd_mini; "
        "print(','.join(m for m in ('numpy', 'torch', 'graphviz', 'matplotlib', 'tqdm', "
        "'sklearn') if m in sys.modules))"
    )
    heavy = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout.strip()
    report = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import autograd_mini"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stderr
    cumulative = [
        int(line.split("|")[1])
        for line in report.splitlines()
        if line.rstrip().endswith(" autograd_mini")
    ]
    return {
        "ms": 1000 * (with_import - bare),
        "importtime_ms": cumulative[-1] / 1000 if cumulative else None,
        "heavy_modules_imported": heavy.split(",") if heavy else [],
    }


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "system": f"{platform.system()} {platform.release()}",
    }


def main(quick: bool = False) -> dict[str, Any]:
    steps = {k: max(2, v // 5) if quick else v for k, v in STEPS.items()}
    results: dict[str, Any] = {"machine": machine(), "steps": steps}
    for gc_on in (True, False):
        mode = "gc_on" if gc_on else "gc_paused"
        results[mode] = {
            name: run_worker(name, steps[name], gc_on)
            for name in ("micrograd", "unfused", "mlp", "compiled", "torch")
        }
    results["agreement"] = run_worker("agreement", 100)
    results["chain"] = run_worker("chain")
    results["chain_micrograd"] = run_worker("micrograd_memory")
    results["import"] = import_time(5 if quick else 9)
    results["targets"] = targets(results)
    print_table(results)
    out = HERE / "results.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwrote {out.relative_to(ROOT)}")
    return results


def targets(r: dict[str, Any]) -> dict[str, Any]:
    on = r["gc_on"]
    micro = on["micrograd"]["ms"]
    agree = r["agreement"]
    relative = abs(agree["compiled"] - agree["eager"]) / abs(agree["eager"])
    return {
        "a_unfused_speedup": micro / on["unfused"]["ms"],
        "b_mlp_speedup": micro / on["mlp"]["ms"],
        "c_compiled_over_torch": on["compiled"]["ms"] / on["torch"]["ms"],
        "c_loss_relative_difference_after_100_steps": relative,
        "d_bytes_per_node": r["chain"]["bytes_per_node"],
        "e_import_ms": r["import"]["ms"],
    }


def print_table(r: dict[str, Any]) -> None:
    m = r["machine"]
    print(f"machine: {m['cpu']}, {m['cores']} cores, {m['implementation']} {m['python']}")
    print(f"{'moons step (100 points, MLP 2-16-16-1)':<44}{'GC on':>16}{'GC paused':>20}")
    rows = [
        ("micrograd 0.1.0", "micrograd"),
        ("(a) ours, unfused (micrograd's graph)", "unfused"),
        ("(b) ours, nn.MLP (linear node/neuron)", "mlp"),
        ("(c) ours, compiled (NumPy)", "compiled"),
        ("PyTorch CPU float64, batched", "torch"),
    ]
    for label, key in rows:
        cells = []
        for mode in ("gc_on", "gc_paused"):
            ms = r[mode][key]["ms"]
            ratio = r[mode]["micrograd"]["ms"] / ms
            cells.append(
                f"{ms:9.2f} ms {ratio:5.1f}×" if key != "micrograd" else f"{ms:9.1f} ms   1×"
            )
        print(f"{label:<44}{cells[0]:>16}{cells[1]:>20}")
    t = r["targets"]
    torch_ms = r["gc_on"]["torch"]["ms"]
    print(f"  (× = speed-up over micrograd in the same column; PyTorch {torch_ms:.3f} ms/step,")
    print(f"   {r['gc_on']['torch'].get('threads', '?')} threads)")
    agree = r["agreement"]
    print(
        f"(c) compiled / PyTorch time: {t['c_compiled_over_torch']:.2f}×; loss after 100 steps "
        f"eager {agree['eager']:.15g}, compiled {agree['compiled']:.15g} "
        f"(relative difference {t['c_loss_relative_difference_after_100_steps']:.1e})"
    )
    c = r["chain"]
    print(
        f"(d) 1,000,000-op chain: {c['bytes_per_node']:.1f} bytes/node "
        f"(micrograd {r['chain_micrograd'].get('bytes_per_node', math.nan):.0f}), "
        f"build {c['build_seconds']:.2f} s, backward {c['backward_seconds']:.2f} s"
    )
    imp = r["import"]
    heavy = ", ".join(imp["heavy_modules_imported"]) or "none"
    print(
        f"(e) import autograd_mini: {imp['ms']:.1f} ms (-X importtime: "
        f"{imp['importtime_ms']} ms); heavy modules imported: {heavy}"
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        name, steps_arg, gc_arg = sys.argv[2], int(sys.argv[3]), bool(int(sys.argv[4]))
        print(json.dumps(WORKERS[name](steps_arg, gc_arg)))
    else:
        main(quick="--quick" in sys.argv)
