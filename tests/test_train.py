"""Training: the done-when runs (moons, spiral, wine toy, a real data set), fit's history,
progress bar, divergence error and the compiled branch."""

from __future__ import annotations

import importlib.util
import math
import random
import subprocess
import sys
import types
from typing import Any

import pytest

from autograd_mini import Value, datasets, losses
from autograd_mini.nn import MLP
from autograd_mini.optim import SGD, Adam
from autograd_mini.train import History, TrainingDivergedError, evaluate, fit


def test_moons_with_micrograds_demo_loop_reaches_100_percent() -> None:
    """micrograd's notebook loop, unchanged but for the imports: MLP 2-16-16-1, max-margin
    loss, L2 1e-4, 100 SGD steps with lr = 1 − 0.9k/100."""
    random.seed(1337)
    xs, ys = datasets.moons()
    model = MLP(2, [16, 16, 1])
    for k in range(100):
        scores = [model([Value(a), Value(b)]) for a, b in xs]
        data_losses = [(1 + -y * s).relu() for y, s in zip(ys, scores, strict=True)]
        total = sum(data_losses) * (1.0 / len(data_losses)) + 1e-4 * sum(
            p * p for p in model.parameters()
        )
        model.zero_grad()
        total.backward()
        lr = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= lr * p.grad
    accuracy = sum((y > 0) == (s.data > 0) for y, s in zip(ys, scores, strict=True)) / len(ys)
    assert accuracy == 1.0
    assert total.data < 0.05


def test_spiral_three_classes_softmax_cross_entropy_adam() -> None:
    xs, ys = datasets.spiral(40, 3)
    model = MLP(2, [16, 16, 3], seed=0)
    history = fit(
        model,
        xs,
        ys,
        loss=losses.cross_entropy,
        optimizer=Adam(model.parameters(), lr=0.01),
        epochs=40,
        batch_size=10,
        progress=False,
    )
    loss, accuracy = evaluate(model, xs, ys, loss="cross_entropy")
    assert accuracy is not None and accuracy >= 0.95
    assert history.loss[-1] < history.loss[0] / 5 and loss < 0.2


def test_chapter_wine_example() -> None:
    """4-3-2 network, softmax output: (3 years, 14 %, whiteness 0.2, blackness 0.8) is red."""
    xs, ys = datasets.wine_toy(100)
    scaler = datasets.Standardizer.fit(xs)
    model = MLP(4, [3, 2], seed=0)
    fit(
        model,
        scaler.transform(xs),
        ys,
        loss="cross_entropy",
        optimizer=Adam(model.parameters(), lr=0.05),
        epochs=60,
        progress=False,
    )
    white, red = (p.data for p in losses.softmax(model(scaler.transform_one([3, 14, 0.2, 0.8]))))  # type: ignore[arg-type]
    print(f"white {white:.4f}, red {red:.4f}")
    assert red > white and red > 0.9
    assert white + red == pytest.approx(1.0, abs=1e-15)
    assert evaluate(model, scaler.transform(xs), ys, loss="cross_entropy")[1] == 1.0


def test_real_data_set_held_out_accuracy() -> None:
    pytest.importorskip("sklearn", reason="scikit-learn (the examples extra) is absent")
    data = datasets.real("wine")
    train_xs, train_ys, test_xs, test_ys = datasets.train_test_split(data.xs, data.ys, 0.3)
    scaler = datasets.Standardizer.fit(train_xs)
    model = MLP(13, [8, 3], seed=0)
    fit(
        model,
        scaler.transform(train_xs),
        train_ys,
        loss="cross_entropy",
        optimizer=Adam(model.parameters(), lr=0.01),
        epochs=40,
        batch_size=32,
        progress=False,
    )
    _, accuracy = evaluate(model, scaler.transform(test_xs), test_ys, loss="cross_entropy")
    print(f"held-out accuracy on {len(test_ys)} wines: {accuracy:.1%}")
    assert accuracy is not None and accuracy >= 0.9


class TestFit:
    def test_history_structure_and_determinism(self) -> None:
        xs, ys = datasets.xor(40)

        def run() -> History:
            model = MLP(2, [8, 1], "tanh", seed=1)
            return fit(model, xs, ys, loss="bce", epochs=5, batch_size=8, progress=False)

        h = run()
        assert h.epochs == 5 and len(h.accuracy) == 5 and len(h.seconds) == 5
        assert all(0 <= a <= 1 for a in h.accuracy) and all(s >= 0 for s in h.seconds)
        assert h.as_dict()["loss"] == h.loss
        again = run()
        assert (again.loss, again.accuracy) == (h.loss, h.accuracy)

    def test_full_batch_sgd_equals_a_hand_written_loop(self) -> None:
        xs, ys = datasets.moons(20)
        a, b = MLP(2, [4, 1], seed=2), MLP(2, [4, 1], seed=2)
        h = fit(
            a, xs, ys, loss="hinge", optimizer=SGD(a.parameters(), lr=0.1), epochs=3, progress=False
        )
        for _ in range(3):
            b.zero_grad()
            total = losses.mean([losses.hinge(b(x), y) for x, y in zip(xs, ys, strict=True)])  # type: ignore[arg-type]
            total.backward()
            for p in b.parameters():
                p.data -= 0.1 * p.grad
        assert [p.data for p in a.parameters()] == [p.data for p in b.parameters()]
        assert len(h.accuracy) == 3  # hinge → sign accuracy

    def test_numpy_arrays_work_like_lists(self) -> None:
        np = pytest.importorskip("numpy")
        xs, ys = datasets.spiral(6, 3)
        runs = []
        for data in [(xs, ys), (np.array(xs), np.array(ys))]:
            model = MLP(2, [5, 3], seed=0)
            runs.append(fit(model, *data, loss="cross_entropy", epochs=3, progress=False))
        assert runs[0].loss == runs[1].loss and runs[0].accuracy == runs[1].accuracy
        one_hot = np.eye(3)[ys]
        model = MLP(2, [5, 3], seed=0)
        h = fit(model, np.array(xs), one_hot, loss="cross_entropy", epochs=3, progress=False)
        assert h.loss == pytest.approx(runs[0].loss, rel=1e-12) and h.accuracy == runs[0].accuracy

    def test_regression_has_no_accuracy(self) -> None:
        xs = [[x / 10] for x in range(10)]
        ys = [2 * x[0] + 1 for x in xs]
        model = MLP(1, [1], seed=0)
        h = fit(
            model,
            xs,
            ys,
            loss="mse",
            optimizer=SGD(model.parameters(), lr=0.5),
            epochs=200,
            progress=False,
        )
        assert h.accuracy == [] and h.loss[-1] < 1e-6
        w, b = model.parameters()
        assert (w.data, b.data) == (pytest.approx(2.0, abs=1e-3), pytest.approx(1.0, abs=1e-3))

    def test_mse_has_no_accuracy_whether_named_or_passed(self) -> None:
        """``loss=losses.mse`` is the same loss as ``loss="mse"``: no accuracy, even when the
        regression targets happen to be ±1."""
        xs, ys = [[0.1], [0.4], [0.7]], [1.0, -1.0, 1.0]
        for loss in ("mse", losses.mse):
            h = fit(MLP(1, [1], seed=0), xs, ys, loss=loss, epochs=2, progress=False)
            assert h.accuracy == [] and h.epochs == 2

    def test_last_partial_batch_is_a_step_and_the_loss_is_weighted_by_size(self) -> None:
        """10 samples in batches of 4: three steps (4, 4 and 2 samples) per epoch; the epoch
        loss is the mean over all 10 samples, not the mean of the three batch means."""
        xs = [[float(i)] for i in range(10)]
        ys = [float(i * i) for i in range(10)]
        model = MLP(1, [1], "linear", seed=0)
        w, b = model.parameters()
        w.data, b.data = 1.0, 0.0  # y = x: per-sample losses (x − x²)², all distinct
        opt = SGD(model.parameters(), lr=1e-300)  # steps too small to change the loss
        h = fit(model, xs, ys, loss="mse", optimizer=opt, epochs=2, batch_size=4, progress=False)
        assert opt.steps == 6
        expected = sum((x[0] - y) ** 2 for x, y in zip(xs, ys, strict=True)) / 10
        batch_means = [(0 + 0 + 4 + 36) / 4, (144 + 400 + 900 + 1764) / 4, (3136 + 5184) / 2]
        assert expected != pytest.approx(sum(batch_means) / 3)
        assert h.loss == [pytest.approx(expected, rel=1e-12)] * 2

    def test_shuffling_depends_on_the_seed_only(self) -> None:
        xs, ys = datasets.spiral(8, 3)

        def run(seed: int, shuffle: bool = True) -> list[float]:
            model = MLP(2, [6, 3], seed=0)
            opt = SGD(model.parameters(), lr=0.1)
            fit(
                model,
                xs,
                ys,
                loss="cross_entropy",
                optimizer=opt,
                epochs=2,
                batch_size=5,
                progress=False,
                seed=seed,
                shuffle=shuffle,
            )
            return [p.data for p in model.parameters()]

        assert run(1) == run(1)
        assert run(1) != run(2)
        assert run(1, shuffle=False) == run(2, shuffle=False)

    def test_progress_bar_shows_loss_and_accuracy(self, capsys: pytest.CaptureFixture[str]) -> None:
        pytest.importorskip("tqdm")
        xs, ys = datasets.xor()
        fit(MLP(2, [4, 1], seed=0), xs, ys, loss="bce", epochs=3, progress=True)
        err = capsys.readouterr().err
        assert "fit" in err and "3/3" in err and "loss=" in err and "acc=" in err

    def test_progress_without_any_stderr_trains_without_a_bar(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """pythonw and some services run with sys.stderr = None; the default progress=True
        must not crash there (tqdm would call None.write)."""
        pytest.importorskip("tqdm")
        monkeypatch.setattr(sys, "stderr", None)
        xs, ys = datasets.xor()
        h = fit(MLP(2, [4, 1], seed=0), xs, ys, loss="bce", epochs=2, progress=True)
        assert h.epochs == 2 and len(h.accuracy) == 2

    def test_missing_tqdm_is_a_clear_error(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setitem(sys.modules, "tqdm.auto", None)
        with pytest.raises(ImportError, match="progress=False"):
            fit(MLP(2, [1], seed=0), [[0.0, 0.0]], [1], loss="hinge", epochs=1)
        h = fit(MLP(2, [1], seed=0), [[0.0, 0.0]], [1], loss="hinge", epochs=1, progress=False)
        assert h.epochs == 1 and h.accuracy == [0.0]  # score 0 is not > 0: wrong side

    def test_nan_loss_names_the_epoch_and_leaves_weights_untouched(self) -> None:
        xs, ys = datasets.xor()
        model = MLP(2, [3, 1], seed=0)
        calls = {"n": 0}

        def poisoned(y: Value, t: int) -> Value:
            calls["n"] += 1
            factor = math.nan if calls["n"] > 8 else 1.0  # epochs 1 and 2 are fine
            return losses.binary_cross_entropy_with_logits(y, t) * factor

        with pytest.raises(TrainingDivergedError, match=r"became nan at epoch 3 \(batch 1\)") as e:
            fit(
                model,
                xs,
                ys,
                loss=poisoned,
                optimizer=SGD(model.parameters(), lr=0.1),
                epochs=10,
                progress=False,
            )
        assert e.value.epoch == 3 and e.value.history.epochs == 2
        before = [p.data for p in model.parameters()]
        assert all(math.isfinite(w) for w in before)

    def test_a_real_divergence_is_caught(self) -> None:
        xs = [[float(i)] for i in range(1, 6)]
        ys = [100.0 * i for i in range(1, 6)]
        model = MLP(1, [4, 1], "linear", seed=0)  # lr = 1 is far above 2/λ_max here
        with pytest.raises(TrainingDivergedError, match=r"at epoch \d+ .*smaller learning rate"):
            fit(
                model,
                xs,
                ys,
                loss="mse",
                optimizer=SGD(model.parameters(), lr=1.0),
                epochs=500,
                progress=False,
            )

    def test_an_update_that_overflows_the_weights_is_caught(self) -> None:
        """The loss of the last batch is finite (about 1e20), but its update makes a weight
        infinite: fit must not return a broken model as if training had succeeded."""
        model = MLP(1, [1], "linear", seed=0)
        opt = SGD(model.parameters(), lr=1e300)
        with pytest.raises(
            TrainingDivergedError,
            match=r"w_111 became [+-]?inf in the update of "
            r"epoch 1 \(batch 1, loss",
        ) as e:
            fit(model, [[1e10]], [0.0], loss="mse", optimizer=opt, epochs=1, progress=False)
        assert e.value.epoch == 1 and e.value.history.epochs == 0
        assert e.value.parameter == "w_111"

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            ({"loss": "l1"}, ValueError, "unknown loss 'l1'"),
            ({"loss": "mse", "epochs": 0}, ValueError, "epochs must be a positive int"),
            ({"loss": "mse", "batch_size": -2}, ValueError, "batch_size"),
            ({"loss": 3}, TypeError, "loss must be a name or a function"),
        ],
    )
    def test_bad_arguments(self, kwargs: dict[str, Any], error: type, match: str) -> None:
        with pytest.raises(error, match=match):
            fit(MLP(1, [1], seed=0), [[1.0]], [1.0], progress=False, **kwargs)

    def test_mismatched_data(self) -> None:
        with pytest.raises(ValueError, match="2 inputs but 1 targets"):
            fit(MLP(1, [1], seed=0), [[1.0], [2.0]], [1.0], loss="mse", progress=False)


def _fake_compiled_module() -> types.ModuleType:
    """A stand-in for autograd_mini.compiled implementing its contract eagerly, to test
    fit's compiled branch on its own: ``compile_loss(...)`` gives an object with
    ``prepare(xs, ys)`` (a batch with ``.xs`` and ``.ys``), ``run(params, batch)`` (loss,
    gradient vector and (outputs, B) outputs at the parameter vector) and ``single``."""
    np = pytest.importorskip("numpy")
    module = types.ModuleType("autograd_mini.compiled")
    calls: list[int] = []

    def compile_loss(model: MLP, loss: Any, x0: Any, y0: Any, penalty: Any = None) -> Any:
        calls.append(1)

        def prepare(bx: Any, by: list[Any]) -> Any:
            return types.SimpleNamespace(xs=np.asarray(bx, dtype=float), ys=list(by))

        def run(vec: Any, batch: Any) -> Any:
            for p, v in zip(model.parameters(), vec.tolist(), strict=True):
                p.data, p.grad = v, 0.0
            outs = [model(list(x)) for x in batch.xs.tolist()]
            total = losses.mean([loss(o, t) for o, t in zip(outs, batch.ys, strict=True)])
            total.backward()
            grads = np.array([p.grad for p in model.parameters()])
            for p in model.parameters():
                p.data = p.grad = 123.0  # fit must not read these: it holds the vector
            floats = [[o.data] if isinstance(o, Value) else [v.data for v in o] for o in outs]
            return types.SimpleNamespace(loss=total.data, grads=grads, outputs=np.array(floats).T)

        return types.SimpleNamespace(prepare=prepare, run=run, single=False)

    module.compile_loss = compile_loss  # type: ignore[attr-defined]
    module.calls = calls  # type: ignore[attr-defined]
    return module


def test_compiled_branch_follows_the_contract(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = _fake_compiled_module()
    monkeypatch.setitem(sys.modules, "autograd_mini.compiled", fake)
    xs, ys = datasets.spiral(10, 3)
    a, b = MLP(2, [6, 3], seed=0), MLP(2, [6, 3], seed=0)
    ha = fit(
        a,
        xs,
        ys,
        loss="cross_entropy",
        optimizer=Adam(a.parameters(), lr=0.02),
        epochs=4,
        batch_size=10,
        progress=False,
        compiled=True,
    )
    hb = fit(
        b,
        xs,
        ys,
        loss="cross_entropy",
        optimizer=Adam(b.parameters(), lr=0.02),
        epochs=4,
        batch_size=10,
        progress=False,
    )
    assert fake.calls == [1]  # type: ignore[attr-defined]
    assert ha.loss == hb.loss and ha.accuracy == hb.accuracy
    assert [p.data for p in a.parameters()] == [p.data for p in b.parameters()]


@pytest.mark.skipif(
    importlib.util.find_spec("autograd_mini.compiled") is None,
    reason="autograd_mini.compiled (the compiled batch path) is not available yet",
)
def test_compiled_training_matches_eager() -> None:
    pytest.importorskip("numpy")
    xs, ys = datasets.moons(40)
    a, b = MLP(2, [8, 8, 1], seed=0), MLP(2, [8, 8, 1], seed=0)
    ha = fit(
        a,
        xs,
        ys,
        loss="hinge",
        optimizer=SGD(a.parameters(), lr=0.1, momentum=0.9),
        epochs=5,
        batch_size=20,
        progress=False,
        compiled=True,
    )
    hb = fit(
        b,
        xs,
        ys,
        loss="hinge",
        optimizer=SGD(b.parameters(), lr=0.1, momentum=0.9),
        epochs=5,
        batch_size=20,
        progress=False,
    )
    assert ha.loss == pytest.approx(hb.loss, rel=1e-9)
    assert ha.accuracy == hb.accuracy
    assert [p.data for p in a.parameters()] == pytest.approx(
        [p.data for p in b.parameters()], rel=1e-9, abs=1e-12
    )


def test_importing_the_package_and_train_does_not_import_tqdm() -> None:
    code = (
        "import sys, autograd_mini, autograd_mini.nn, autograd_mini.train, "
        "autograd_mini.datasets, autograd_mini.interop.torch\n"
        "heavy = {'tqdm', 'numpy', 'torch', 'sklearn'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


class TestLossRegistry:
    def test_train_reads_the_loss_registry(self) -> None:
        from autograd_mini import train

        assert train.LOSSES is losses.REGISTRY

    def test_a_registered_loss_brings_its_accuracy_rule(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """One record: fit and evaluate find the loss by name, and its rule decides accuracy
        (here: correct when the output is within 0.5 of the target)."""
        monkeypatch.setattr(losses, "REGISTRY", dict(losses.REGISTRY))

        def abs_error(y: Any, t: Any) -> Value:
            return abs(y - t)

        def near(y: Any, t: Any) -> bool:
            return abs(float(y) - float(t)) < 0.5

        losses.register(losses.Loss("abs_error", abs_error, near, "|y − t|"))
        model = MLP(1, [1], seed=0)
        xs, ys = [[0.0], [1.0], [2.0]], [1.0, 3.0, 5.0]  # t = 2x + 1
        opt = SGD(model.parameters(), lr=0.05)
        h = fit(model, xs, ys, loss="abs_error", optimizer=opt, epochs=300, progress=False)
        assert h.accuracy[0] < 1.0 and h.accuracy[-1] == 1.0
        loss, accuracy = evaluate(model, xs, ys, loss="abs_error")
        assert accuracy == 1.0 and loss < 0.5
        # the function itself finds the same record, hence the same rule
        assert evaluate(model, xs, ys, loss=abs_error) == (loss, accuracy)

    def test_passing_a_registered_function_is_the_same_as_its_name(self) -> None:
        xs, ys = datasets.moons(n=20, seed=1)
        by_name = fit(MLP(2, [4, 1], seed=0), xs, ys, loss="hinge", epochs=3, progress=False)
        by_fn = fit(MLP(2, [4, 1], seed=0), xs, ys, loss=losses.hinge, epochs=3, progress=False)
        assert by_name.accuracy == by_fn.accuracy and len(by_name.accuracy) == 3
        assert by_name.loss == by_fn.loss


def _l2(ps: list[Value]) -> Value:
    from autograd_mini.engine import add_n

    return 1e-4 * add_n([p * p for p in ps])


@pytest.mark.parametrize("opt", ["sgd", "adam"])
def test_compiled_fit_with_penalty_and_schedule_equals_eager_after_100_steps(opt: str) -> None:
    """The parameters live in one array during fit(compiled=True): the same losses as
    eager mode to 1e-12 after 100 full-batch steps, and the Values written back."""
    pytest.importorskip("numpy")
    xs, ys = datasets.moons(30)
    runs = []
    for compiled in (False, True):
        model = MLP(2, [8, 8, 1], seed=1)
        params = model.parameters()
        optim = SGD(params, lr=1.0) if opt == "sgd" else Adam(params, lr=0.01)
        h = fit(
            model,
            xs,
            ys,
            loss="hinge",
            optimizer=optim,
            epochs=100,
            progress=False,
            compiled=compiled,
            penalty=_l2,
            schedule=lambda k: 1.0 - 0.9 * k / 100 if opt == "sgd" else 0.01,
        )
        runs.append((h, [p.data for p in params], [p.grad for p in params], optim))
    (eager, w_e, g_e, o_e), (fast, w_c, g_c, o_c) = runs
    # Matrix products sum in another order than eager mode's linear nodes (last-ulp
    # differences); Adam divides by √v, which amplifies them in near-zero gradients.
    rel = 1e-12 if opt == "sgd" else 1e-8
    assert fast.loss[-1] == pytest.approx(eager.loss[-1], rel=rel)
    assert fast.loss == pytest.approx(eager.loss, rel=rel)
    assert fast.accuracy == eager.accuracy
    assert w_c == pytest.approx(w_e, rel=100 * rel, abs=1e-12)
    assert g_c == pytest.approx(g_e, rel=1e-6, abs=1e-9)
    assert o_c.steps == o_e.steps == 100 and o_c.lr == o_e.lr
    if opt == "adam":  # the state is back in the per-parameter lists
        assert isinstance(o_c.m, list) and o_c.m == pytest.approx(o_e.m, rel=1e-6, abs=1e-9)


@pytest.mark.parametrize("opt", ["sgd", "momentum", "adam"])
def test_compiled_fit_with_an_optimizer_of_some_parameters_updates_only_those(opt: str) -> None:
    """An optimizer of the first layer's parameters only: fit(compiled=True) trains as eager
    fit does — the other parameters keep their values — and the optimizer's state has one
    entry per parameter it holds (the parameters are then not held in one array)."""
    pytest.importorskip("numpy")
    xs, ys = datasets.moons(20)
    runs = []
    for compiled in (False, True):
        model = MLP(2, [4, 1], seed=3)
        first, rest = model.layers[0].parameters(), model.layers[1].parameters()
        before = [p.data for p in rest]
        if opt == "adam":
            optim: Any = Adam(first, lr=0.05)
        else:
            optim = SGD(first, lr=0.5, momentum=0.9 if opt == "momentum" else 0.0)
        h = fit(model, xs, ys, loss="hinge", optimizer=optim, epochs=5, progress=False,
                compiled=compiled)  # fmt: skip
        assert [p.data for p in rest] == before
        if opt == "momentum":
            assert len(optim.buffers) == len(first)
        runs.append((h.loss, [p.data for p in first]))
    (eager_loss, eager_w), (fast_loss, fast_w) = runs
    assert eager_w != [p.data for p in MLP(2, [4, 1], seed=3).layers[0].parameters()]
    assert fast_loss == pytest.approx(eager_loss, rel=1e-12)
    assert fast_w == pytest.approx(eager_w, rel=1e-12)


def test_penalty_is_part_of_the_reported_loss() -> None:
    xs, ys = [[0.5, -0.5]], [1.0]
    a, b = MLP(2, [1], seed=0), MLP(2, [1], seed=0)
    plain = fit(a, xs, ys, loss="mse", optimizer=SGD(a.parameters(), lr=0.1), epochs=1,
                progress=False)  # fmt: skip
    reg = _l2(b.parameters()).data
    with_l2 = fit(b, xs, ys, loss="mse", optimizer=SGD(b.parameters(), lr=0.1), epochs=1,
                  progress=False, penalty=_l2)  # fmt: skip
    assert with_l2.loss[0] == pytest.approx(plain.loss[0] + reg, rel=1e-15)


def test_a_bad_schedule_is_a_clear_error() -> None:
    model = MLP(1, [1], seed=0)
    with pytest.raises(ValueError, match=r"schedule\(0\) must be a positive number, got -1"):
        fit(model, [[1.0]], [1.0], loss="mse", progress=False, schedule=lambda k: -1)


def test_compiled_fit_still_refuses_a_data_dependent_loss() -> None:
    """The guards hold inside fit(compiled=True); the Values keep their last written state."""
    pytest.importorskip("numpy")
    from autograd_mini.compiled import DataDependenceError

    model = MLP(1, [1], seed=0)
    w, b = model.parameters()
    b.data = 0.0  # y = w·x: its sign flips between the two samples

    def loss(y: Value, t: float) -> Value:
        return (y - t) ** 2 if y > 0 else (y - t).abs()  # a branch on the data

    before = [p.data for p in model.parameters()]
    with pytest.raises(DataDependenceError, match="for sample 1"):
        fit(model, [[1.0], [-1.0]], [0.0, 0.0], loss=loss, optimizer=SGD([w, b], lr=0.1),
            epochs=2, compiled=True, progress=False)  # fmt: skip
    assert [p.data for p in model.parameters()] == before
