"""Markdown tables from a benchmark run, for docs/performance.md and the README.

    python benchmarks/report.py [benchmarks/results.json]

Every figure is a ratio from the one run in the file: median (min–max) over its rounds.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import LABELS, fmt

EAGER = ("micrograd", "expand", "mlp")
BATCHED = ("compiled", "mygrad", "torch", "jax")


def ms_text(ms: float) -> str:
    return f"{ms:,.0f} ms" if ms >= 100 else f"{ms:.3g} ms"


def moons_table(t: dict[str, Any]) -> list[str]:
    on, paused = t["moons"]["gc_on"], t["moons"]["gc_paused"]
    lines = [
        "| moons step (100 points, MLP 2-16-16-1) | GC on: speed-up over micrograd "
        "| GC paused: speed-up over micrograd | time ÷ PyTorch's (GC on) |",
        "|---|---|---|---|",
    ]
    for e in EAGER + BATCHED:
        if e not in on:
            continue
        ratio = fmt(on[e].get("time_over_torch")) if e in BATCHED else ""
        lines.append(
            f"| {LABELS[e]} ({ms_text(on[e]['ms']['median'])}) "
            f"| {fmt(on[e].get('speedup_over_micrograd'))} "
            f"| {fmt(paused.get(e, {}).get('speedup_over_micrograd'))} | {ratio} |"
        )
    return lines


def ratio_table(t: dict[str, Any], task: str, title: str) -> list[str]:
    if task not in t:
        return []
    rows = t[task]["gc_on"]
    lines = [f"| {title} | time (median) | time ÷ PyTorch's |", "|---|---|---|"]
    for e in ("ours", "expand", "mlp", "compiled", "mygrad", "torch", "jax"):
        if e in rows:
            ms = rows[e]["ms"]["median"]
            ratio = fmt(rows[e].get("time_over_torch"))
            lines.append(f"| {LABELS[e]} | {ms_text(ms)} | {ratio} |")
    return lines


def scaling_table(scaling: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| nodes | forward µs/node (GC on / paused) | backward µs/node (GC on / paused) "
        "| bytes/node |",
        "|---|---|---|---|",
    ]
    by_n: dict[int, dict[str, dict[str, Any]]] = {}
    for s in scaling:
        by_n.setdefault(s["nodes"], {})[s["gc"]] = s
    for n, modes in sorted(by_n.items()):
        on, off = modes.get("gc_on", {}), modes.get("gc_paused", {})

        def pair(key: str, on: dict[str, Any] = on, off: dict[str, Any] = off) -> str:
            return f"{on.get(key, float('nan')):.2f} / {off.get(key, float('nan')):.2f}"

        nbytes = (on or off)["bytes_per_node"]
        lines.append(
            f"| {n:,} | {pair('forward_us_per_node')} | {pair('backward_us_per_node')} "
            f"| {nbytes:.0f} |"
        )
    return lines


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "results.json"
    r = json.loads(path.read_text("utf-8"))
    t = r["tables"]
    m = r["machine"]
    v = ", ".join(f"{k} {x}" for k, x in m["versions"].items() if x)
    print(
        f"One run ({r['started_utc']}, {r['settings']['rounds']} rounds in shuffled order), "
        f"{m['cpu']}, {m['cores']} cores shared with other jobs, CPython {m['python']}; "
        f"{v}. Every engine on one thread.\n"
    )
    blocks = [
        moons_table(t),
        ratio_table(t, "deep", "deep MLP 2-64-64-64-1, 256 points, one SGD step"),
        ratio_table(t, "hvp", "`hvp`, MLP 2-8-8-1 tanh, 100 points (105 weights)"),
        ratio_table(t, "hessian", "`hessian`, same MLP"),
        scaling_table(r["scaling"]),
    ]
    for block in blocks:
        if block:
            print("\n".join(block) + "\n")


if __name__ == "__main__":
    main()
