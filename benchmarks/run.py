"""autograd-mini's benchmark (``make bench``): one table of every engine, and a JSON file.

Engines: micrograd 0.1.0; autograd-mini eager on micrograd's graph (``nn.MLP(expand=True)``)
and on the default ``nn.MLP`` (one ``linear`` node per neuron); autograd-mini compiled
(NumPy); mygrad, PyTorch eager (float64) and JAX ``jit`` (float64), all three batched.
Workloads (``benchmarks/workloads.py``): the moons step of ``benchmarks/moons_workload.py``,
the deep MLP 2-64-64-64-1 on 256 points, the second-order rows (``hvp`` and ``hessian`` of
an MLP 2-8-8-1 tanh on 100 points, 105 weights), and a scaling table (per-node forward and
backward time and bytes, 10³ to 10⁶ nodes).

How: every (workload, engine, collector mode) runs in its own process; a round runs all of
them once in a shuffled order; ratios are taken inside a round (engine ÷ reference of the
same round) and the table shows their median and min–max over the rounds. Each engine is
timed with the cyclic garbage collector on (what a user's script gets) and paused for the
timed steps. A peer that is not installed is a skipped row. Nothing here fails on a slow
machine: the figures are reported, never judged.

Usage: python benchmarks/run.py [--quick | --smoke] [--rounds N] [--out FILE]
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE), str(ROOT)]

import engines  # noqa: E402

LABELS = {
    "micrograd": "micrograd 0.1.0",
    "expand": "autograd-mini eager, micrograd's graph (expand=True)",
    "mlp": "autograd-mini eager, default nn.MLP",
    "compiled": "autograd-mini fit(compiled=True) (NumPy)",
    "ours": "autograd-mini (functional)",
    "mygrad": "mygrad, batched",
    "torch": "PyTorch eager f64, batched",
    "jax": "JAX jit f64",
}
#: the distribution each peer comes from, for the versions recorded
DISTRIBUTIONS = ("autograd-mini", "numpy", "micrograd", "torch", "mygrad", "jax", "jaxlib")
#: steps timed per process (after a warm-up): about a second of work each on this machine
STEPS: dict[str, dict[str, int]] = {
    "moons": {
        "micrograd": 3,
        "expand": 10,
        "mlp": 25,
        "compiled": 200,
        "mygrad": 100,
        "torch": 200,
        "jax": 500,
    },
    "deep": {"mlp": 1, "compiled": 20, "mygrad": 30, "torch": 60, "jax": 200},
    "hvp": {"ours": 3, "torch": 30, "jax": 100},
    "hessian": {"ours": 1, "torch": 5, "jax": 50},
}
SCALING_SIZES = (1_000, 10_000, 100_000, 1_000_000)
MODES = {True: "gc_on", False: "gc_paused"}


# -- the arithmetic of the table (tested in tests/test_benchmarks.py) -------------------------


def spread(values: Sequence[float]) -> dict[str, float]:
    """Median, min and max of per-round figures."""
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def round_ratios(
    rounds: Sequence[dict[str, float]], numerator: str, denominator: str
) -> list[float]:
    """numerator ÷ denominator inside each round where both were measured."""
    return [r[numerator] / r[denominator] for r in rounds if numerator in r and denominator in r]


def summarize(rounds: Sequence[dict[str, float]], references: dict[str, str]) -> dict[str, Any]:
    """Per engine: its milliseconds and, for each named reference, the per-round ratios.

    ``references`` maps a ratio's name to ``"speedup:ENGINE"`` (ENGINE's time ÷ this one's)
    or ``"time:ENGINE"`` (this one's time ÷ ENGINE's).
    """
    names = sorted({name for r in rounds for name in r})
    table: dict[str, Any] = {}
    for name in names:
        row: dict[str, Any] = {"ms": spread([1000 * r[name] for r in rounds if name in r])}
        for key, spec in references.items():
            kind, ref = spec.split(":")
            ratios = (
                round_ratios(rounds, ref, name)
                if kind == "speedup"
                else round_ratios(rounds, name, ref)
            )
            if ratios:
                row[key] = spread(ratios)
        table[name] = row
    return table


def fmt(s: dict[str, float] | None, unit: str = "×") -> str:
    """'9.6× (8.1–11)': the median and the min–max of the rounds."""
    if s is None:
        return "—"

    def num(v: float) -> str:
        return f"{v:.3g}" if v < 1000 else f"{v:,.0f}"

    return f"{num(s['median'])}{unit} ({num(s['min'])}–{num(s['max'])})"


# -- the workers ------------------------------------------------------------------------------


def worker(spec: dict[str, Any]) -> dict[str, Any]:
    """Run one job in this process (``--worker``)."""
    task = spec["task"]
    try:
        if task == "scaling":
            return engines.scaling(spec["n"], spec["gc"], spec.get("budget", 200_000))
        if task == "agreement":
            return engines.agreement(spec["steps"])
        if task in ("hvp", "hessian"):
            return engines.SECOND_ENGINES[spec["engine"]](task, spec["steps"], spec["gc"])
        return engines.MOONS_ENGINES[spec["engine"]](task, spec["steps"], spec["gc"])
    except ModuleNotFoundError as error:
        return {"skipped": f"{error.name} is not installed"}


#: Every engine runs on one thread. autograd-mini is single-threaded; on a shared 2-core
#: machine PyTorch's two intra-op threads made its moons step 10× slower (0.7 → 8-12 ms).
ONE_THREAD = {
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
}


def run_job(spec: dict[str, Any]) -> dict[str, Any]:
    command = [sys.executable, str(Path(__file__)), "--worker", json.dumps(spec)]
    env = os.environ | ONE_THREAD
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"benchmark job {spec} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def versions() -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for dist in DISTRIBUTIONS:
        try:
            found[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            found[dist] = None
    return found


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "system": f"{platform.system()} {platform.release()}",
        "load_average_at_start": list(load) if load else None,
        "versions": versions(),
    }


def import_time(repeats: int) -> dict[str, Any]:
    """Median wall time of a fresh ``import autograd_mini`` minus a bare interpreter."""

    def median_run(code: str) -> float:
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
            times.append(time.perf_counter() - start)
        return statistics.median(times)

    probe = (
        "import sys, autograd_mini; print(','.join(m for m in ('numpy', 'torch', 'graphviz',"
        " 'matplotlib', 'hypothesis') if m in sys.modules))"
    )
    heavy = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout.strip()
    return {
        "ms": 1000 * (median_run("import autograd_mini") - median_run("pass")),
        "heavy_modules_imported": heavy.split(",") if heavy else [],
    }


# -- the driver -------------------------------------------------------------------------------


class Plan(NamedTuple):
    rounds: int
    steps: dict[str, dict[str, int]]
    sizes: tuple[int, ...]
    budget: int  # nodes built per scaling measurement (small sizes are repeated)
    agreement_steps: int
    import_repeats: int


def plan(profile: str) -> Plan:
    """What a profile runs: full (``make bench``), quick, or smoke (the harness end to end in
    a few seconds, for tests/test_benchmarks.py)."""
    if profile == "smoke":
        return Plan(2, {"moons": {"mlp": 1, "compiled": 2}}, (1_000, 4_000), 8_000, 3, 1)
    if profile == "quick":
        steps = {t: {e: max(1, n // 5) for e, n in es.items()} for t, es in STEPS.items()}
        return Plan(2, steps, SCALING_SIZES[:3], 100_000, 100, 3)
    return Plan(5, STEPS, SCALING_SIZES, 200_000, 100, 9)


def jobs_of_round(steps: dict[str, dict[str, int]], rng: random.Random) -> list[dict[str, Any]]:
    jobs = []
    for task, by_engine in steps.items():
        for engine, n in by_engine.items():
            modes = (True, False) if task == "moons" else (True,)
            jobs += [{"task": task, "engine": engine, "steps": n, "gc": gc} for gc in modes]
    rng.shuffle(jobs)
    return jobs


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description="autograd-mini's benchmark")
    parser.add_argument("--quick", action="store_true", help="2 rounds, fewer steps")
    parser.add_argument("--smoke", action="store_true", help="the harness in a few seconds")
    parser.add_argument("--rounds", type=int, help="rounds (default 5)")
    parser.add_argument("--out", type=Path, default=HERE / "results.json", help="JSON file")
    parser.add_argument("--seed", type=int, default=0, help="seed of the shuffled order")
    args = parser.parse_args(argv)
    profile = "smoke" if args.smoke else "quick" if args.quick else "full"
    p = plan(profile)
    rounds, steps = args.rounds or p.rounds, p.steps
    rng = random.Random(args.seed)
    started = time.time()
    results: dict[str, Any] = {
        "machine": machine(),
        "settings": {
            "profile": profile,
            "rounds": rounds,
            "steps": steps,
            "seed": args.seed,
            "environment": ONE_THREAD,
        },
        "started_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
    }
    raw: list[dict[str, Any]] = []
    skipped: dict[str, str] = {}
    for r in range(rounds):
        for job in jobs_of_round(steps, rng):
            if job["engine"] in skipped:
                continue
            out = run_job(job)
            if "skipped" in out:
                skipped[job["engine"]] = out["skipped"]
                print(f"note: {LABELS[job['engine']]}: {out['skipped']}; its rows are skipped")
                continue
            raw.append({"round": r, **job, **out})
        print(f"round {r + 1}/{rounds} done ({time.time() - started:.0f} s)", flush=True)
    results["skipped"] = skipped
    results["raw"] = raw
    results["tables"] = tables(raw, rounds)
    results["agreement"] = checks(raw, run_job({"task": "agreement", "steps": p.agreement_steps}))
    results["scaling"] = [
        run_job({"task": "scaling", "n": n, "gc": gc, "budget": p.budget}) | {"gc": MODES[gc]}
        for n in p.sizes
        for gc in (True, False)
    ]
    results["import"] = import_time(p.import_repeats)
    results["seconds"] = time.time() - started
    print_tables(results)
    tmp = args.out.with_suffix(".tmp")
    tmp.write_text(json.dumps(results, indent=2) + "\n", "utf-8")
    tmp.replace(args.out)  # atomic
    print(f"\nwrote {args.out}")
    return results


def tables(raw: list[dict[str, Any]], rounds: int) -> dict[str, Any]:
    """Per task and collector mode: the per-round seconds, summarized with their ratios."""
    out: dict[str, Any] = {}
    tasks = sorted({j["task"] for j in raw})
    for task in tasks:
        for gc_on, mode in MODES.items():
            per_round: list[dict[str, float]] = [{} for _ in range(rounds)]
            for j in raw:
                if j["task"] == task and j["gc"] == gc_on:
                    per_round[j["round"]][j["engine"]] = j["seconds"]
            if not any(per_round):
                continue
            refs = {"time_over_torch": "time:torch"}
            if task == "moons":
                refs["speedup_over_micrograd"] = "speedup:micrograd"
            out.setdefault(task, {})[mode] = summarize(per_round, refs)
    return out


def checks(raw: list[dict[str, Any]], agree: dict[str, Any]) -> dict[str, Any]:
    """Do the engines compute the same thing? The moons loss at step 1 of every engine
    (same initial weights), the second-order checksums, eager vs compiled after 100 steps."""
    first = {j["engine"]: j["first_loss"] for j in raw if j["task"] == "moons"}
    first_deep = {j["engine"]: j["first_loss"] for j in raw if j["task"] == "deep"}
    sums = {
        task: {j["engine"]: j["checksum"] for j in raw if j["task"] == task}
        for task in ("hvp", "hessian")
    }
    relative = abs(agree["compiled"] - agree["eager"]) / abs(agree["eager"])
    return {
        "moons_first_step_loss": first,
        "deep_first_step_loss": first_deep,
        "second_order_checksums": sums,
        "eager_vs_compiled_after_100_steps": agree | {"relative_difference": relative},
    }


def print_tables(r: dict[str, Any]) -> None:
    m = r["machine"]
    v = {k: x for k, x in m["versions"].items() if x}
    print(f"\nmachine: {m['cpu']}, {m['cores']} cores, CPython {m['python']}")
    print("versions: " + ", ".join(f"{k} {x}" for k, x in v.items()))
    print(f"rounds: {r['settings']['rounds']} (shuffled order); median (min–max) of per-round")
    print("ratios. A shared 2-core machine varies by ±50% from run to run.\n")
    t = r["tables"]
    order = ["micrograd", "expand", "mlp", "compiled", "ours", "mygrad", "torch", "jax"]
    if "moons" in t:
        print("moons step (100 points, MLP 2-16-16-1, one SGD step)")
        print(
            f"{'engine':<54}{'GC on: ms':>10}  {'speed-up over micrograd':<22} "
            f"{'time ÷ PyTorch':<22}{'GC paused: ms':>14}  {'speed-up':<22} {'÷ PyTorch':<22}"
        )
        for e in order:
            if e not in t["moons"].get("gc_on", {}):
                continue
            line = f"{LABELS[e]:<54}"
            for mode in MODES.values():
                row = t["moons"].get(mode, {}).get(e, {})
                line += f"{row['ms']['median']:>10.3f}  " if row else f"{'—':>10}  "
                line += f"{fmt(row.get('speedup_over_micrograd')):<22} "
                line += f"{fmt(row.get('time_over_torch')):<22}"
            print(line)
    titles = {
        "deep": "deep MLP 2-64-64-64-1, 256 points, one SGD step (GC on)",
        "hvp": "second order: hvp, MLP 2-8-8-1 tanh, 100 points, 105 weights (GC on)",
        "hessian": "second order: hessian, same MLP (GC on)",
    }
    for task, title in titles.items():
        if task not in t:
            continue
        print(f"\n{title}\n{'engine':<54}{'ms':>12}  time ÷ PyTorch")
        for e in order:
            row = t[task]["gc_on"].get(e)
            if row:
                ratio = fmt(row.get("time_over_torch"))
                print(f"{LABELS[e]:<54}{row['ms']['median']:>12.3f}  {ratio}")
    a = r["agreement"]
    e = a["eager_vs_compiled_after_100_steps"]
    print(
        f"\nloss after {e['steps']} steps: eager {e['eager']!r}, compiled {e['compiled']!r} "
        f"(relative difference {e['relative_difference']:.1e})"
    )
    losses = a["moons_first_step_loss"]
    if losses:
        lo, hi = min(losses.values()), max(losses.values())
        print(f"moons loss at step 1, all engines: {lo!r} … {hi!r} (spread {hi - lo:.1e})")
    print("\nscaling: the chain y = y·1.0000001 + 0.0 (µs per node; bytes kept per node)")
    print(f"{'nodes':>10} {'collector':<10} {'forward':>9} {'backward':>9} {'bytes':>7}")
    for s in r["scaling"]:
        print(
            f"{s['nodes']:>10,} {s['gc']:<10} {s['forward_us_per_node']:>9.3f} "
            f"{s['backward_us_per_node']:>9.3f} {s['bytes_per_node']:>7.1f}"
        )
    imp = r["import"]
    heavy = ", ".join(imp["heavy_modules_imported"]) or "none"
    print(f"\nimport autograd_mini: {imp['ms']:.1f} ms; heavy modules imported: {heavy}")
    if r["skipped"]:
        print("skipped: " + "; ".join(f"{LABELS[k]}: {x}" for k, x in r["skipped"].items()))
    print(f"whole run: {r['seconds']:.0f} s")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--worker":
        print(json.dumps(worker(json.loads(sys.argv[2]))))
    else:
        main()
