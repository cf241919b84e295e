"""The benchmark harness (benchmarks/run.py): its ratio arithmetic, a skipped peer, and a
smoke run end to end with tiny settings (two rounds, one step, small chains)."""

from __future__ import annotations

import gc
import json
import sys
from pathlib import Path
from typing import Any

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import run  # noqa: E402


class TestArithmetic:
    def test_spread(self) -> None:
        assert run.spread([3.0, 1.0, 2.0, 10.0]) == {"median": 2.5, "min": 1.0, "max": 10.0}

    def test_ratios_are_taken_inside_each_round(self) -> None:
        rounds = [{"a": 2.0, "ref": 1.0}, {"a": 9.0, "ref": 3.0}, {"a": 5.0}]
        # the third round has no reference: it gives no ratio
        assert run.round_ratios(rounds, "a", "ref") == [2.0, 3.0]

    def test_summarize_speedup_and_time_ratio(self) -> None:
        rounds = [
            {"micrograd": 1.0, "ours": 0.1, "torch": 0.01},
            {"micrograd": 1.2, "ours": 0.2, "torch": 0.02},
            {"micrograd": 0.9, "ours": 0.3, "torch": 0.01},
        ]
        refs = {"speedup": "speedup:micrograd", "over_torch": "time:torch"}
        table = run.summarize(rounds, refs)
        ours = table["ours"]
        assert ours["ms"] == {"median": 200.0, "min": 100.0, "max": 300.0}
        assert ours["speedup"]["median"] == pytest.approx(6.0)  # 10, 6, 3
        assert ours["speedup"]["min"] == pytest.approx(3.0)
        assert ours["speedup"]["max"] == pytest.approx(10.0)
        assert ours["over_torch"]["median"] == pytest.approx(10.0)  # 10, 10, 30
        assert ours["over_torch"]["max"] == pytest.approx(30.0)
        assert table["micrograd"]["speedup"] == {"median": 1.0, "min": 1.0, "max": 1.0}

    def test_tables_group_by_task_and_collector_mode(self) -> None:
        raw = [
            {"round": r, "task": "moons", "engine": e, "gc": gc, "seconds": s * (1 + r)}
            for r in range(2)
            for gc in (True, False)
            for e, s in (("micrograd", 1.0), ("mlp", 0.05), ("torch", 0.001))
        ]
        t = run.tables(raw, 2)
        assert set(t["moons"]) == {"gc_on", "gc_paused"}
        mlp = t["moons"]["gc_paused"]["mlp"]
        assert mlp["speedup_over_micrograd"]["median"] == pytest.approx(20.0)
        assert mlp["time_over_torch"]["median"] == pytest.approx(50.0)

    def test_format(self) -> None:
        assert run.fmt({"median": 9.6, "min": 8.123, "max": 11.0}) == "9.6× (8.12–11)"
        assert run.fmt({"median": 3466.1, "min": 2000.0, "max": 4000.0}) == ("3,466× (2,000–4,000)")
        assert run.fmt(None) == "—"


def test_a_missing_peer_is_a_skipped_row(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "mygrad", None)  # makes `import mygrad` fail
    spec = {"task": "moons", "engine": "mygrad", "steps": 1, "gc": True}
    assert run.worker(spec) == {"skipped": "mygrad is not installed"}


def test_smoke_run_writes_the_json(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    run.main(["--smoke", "--out", str(out)])
    r: dict[str, Any] = json.loads(out.read_text("utf-8"))
    assert r["machine"]["cores"] >= 1
    assert r["machine"]["versions"]["autograd-mini"]
    assert r["settings"]["rounds"] == 2
    assert len(r["raw"]) == 2 * 2 * 2  # rounds × engines (mlp, compiled) × collector modes
    for mode in ("gc_on", "gc_paused"):
        for engine in ("mlp", "compiled"):
            ms = r["tables"]["moons"][mode][engine]["ms"]
            assert 0 < ms["min"] <= ms["median"] <= ms["max"]
    losses = r["agreement"]["moons_first_step_loss"]
    assert losses["mlp"] == pytest.approx(losses["compiled"], rel=1e-12)
    agree = r["agreement"]["eager_vs_compiled_after_100_steps"]
    assert agree["steps"] == 3 and agree["relative_difference"] < 1e-12
    assert [s["nodes"] for s in r["scaling"]] == [1000, 1000, 4000, 4000]
    for s in r["scaling"]:
        assert 60 < s["bytes_per_node"] < 400
        assert s["forward_us_per_node"] > 0 and s["backward_us_per_node"] > 0
    assert r["import"]["heavy_modules_imported"] == []


class TestFloor:
    """benchmarks/floor.py's minimal engines compute the same losses as their references, so
    their speed is a fair floor (an engine that computed less would flatter it)."""

    def test_linear_nodes_floor_follows_nn_mlp(self) -> None:
        import floor

        floor.check_linear_graph(steps=3)

    def test_micrograd_graph_floor_follows_micrograd(self) -> None:
        pytest.importorskip("micrograd")
        import floor

        floor.check_micrograd_graph(steps=3)

    @pytest.mark.parametrize(
        ("name", "least"), [("micrograd_graph", 65_000), ("linear_graph", 7_000)]
    )
    def test_floor_keeps_the_previous_graph_alive_as_the_workload_loop_does(
        self, name: str, least: int
    ) -> None:
        # micrograd_baseline's loop (and the eager rows of make bench) hold step k's graph
        # while step k + 1 is built, so the collector's passes traverse it: so must the floor
        import floor

        step = getattr(floor, name)()
        step(0)
        gc.collect()
        alive = sum(1 for o in gc.get_objects() if type(o) is floor.Node)  # no __class__ lookups
        assert alive >= least

    def test_floor_gradient_of_a_linear_node(self) -> None:
        import floor

        w, h, b = floor.Node(2.0), floor.Node(-3.0), floor.Node(0.5)
        (u,) = floor.layer([[w, floor.Node(4.0)]], [h, 1.5], [b])
        assert u.data == 0.5 + 2.0 * -3.0 + 4.0 * 1.5
        floor.backward(floor.relu(u) * 2.0)
        assert (w.grad, h.grad, b.grad) == (2.0 * -3.0, 2.0 * 2.0, 2.0)


class TestProfileStep:
    """profile_step.py's split of backward(): the sweep is a later backward() from the same
    root (its cached order), and that pass leaves the step's own gradients."""

    def test_a_later_backward_from_the_root_gives_the_same_gradients(self) -> None:
        pytest.importorskip("numpy")  # profile_step also profiles the compiled path
        import profile_step
        from workloads import moons, nn_model

        xs, ys = moons(20)
        model = nn_model()
        total = profile_step.forward(model, xs, ys)
        total.backward()
        first = [p.grad for p in model.parameters()]
        for _ in range(3):
            for p in model.parameters():
                p.grad = 0.0
            total.backward()
        assert [p.grad for p in model.parameters()] == first
        assert any(g != 0.0 for g in first)

    def test_phases_are_positive_times(self) -> None:
        pytest.importorskip("numpy")
        import profile_step

        split = profile_step.phases(expand=False, steps=1)
        assert set(split) == {"forward", "sort", "sweep"}
        assert split["forward"] > 0 and split["sweep"] > 0
