"""The PyTorch hand-over and the optimizers against torch.optim (skipped without torch)."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest

torch = pytest.importorskip("torch", reason="PyTorch (the torch extra) is not installed")

from autograd_mini import Value, datasets, losses  # noqa: E402
from autograd_mini.interop.torch import from_torch, to_torch  # noqa: E402
from autograd_mini.nn import MLP  # noqa: E402
from autograd_mini.optim import SGD, Adam  # noqa: E402

nn = torch.nn


def _inputs(n: int, width: int, seed: int = 0) -> list[list[float]]:
    rng = random.Random(seed)
    return [[rng.uniform(-2, 2) for _ in range(width)] for _ in range(n)]


def _ours(model: MLP, x: list[float]) -> list[float]:
    y = model(x)
    return [y.data] if isinstance(y, Value) else [v.data for v in y]


class TestToTorch:
    @pytest.mark.parametrize(
        ("activation", "output"), [("relu", "linear"), ("tanh", "sigmoid"), ("sigmoid", "tanh")]
    )
    def test_same_weights_and_outputs(self, activation: str, output: str) -> None:
        model = MLP(3, [6, 5, 2], activation, output_activation=output, seed=4)
        seq = to_torch(model)
        kinds = [type(m).__name__ for m in seq]
        names = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid", "linear": "Linear"}
        assert kinds[:2] == ["Linear", names[activation]] and kinds.count("Linear") == 3
        assert kinds[-1] == names[output]
        assert all(p.dtype == torch.float64 for p in seq.parameters())
        assert seq[0].weight[4, 2].item() == model.layers[0].neurons[4].w[2].data
        assert seq[0].bias[1].item() == model.layers[0].neurons[1].b.data
        xs = _inputs(10, 3)
        with torch.no_grad():
            theirs = seq(torch.tensor(xs, dtype=torch.float64)).tolist()
        for x, row in zip(xs, theirs, strict=True):
            assert _ours(model, x) == pytest.approx(row, rel=1e-13, abs=1e-15)

    def test_same_gradients(self) -> None:
        model = MLP(2, [8, 3], seed=2)
        seq = to_torch(model)
        xs, ys = datasets.spiral(5, 3)
        total = losses.mean(
            [losses.cross_entropy(model(x), y) for x, y in zip(xs, ys, strict=True)]
        )  # type: ignore[arg-type]
        total.backward()
        out = seq(torch.tensor(xs, dtype=torch.float64))
        ref = torch.nn.functional.cross_entropy(out, torch.tensor(ys))
        ref.backward()
        assert total.data == pytest.approx(ref.item(), rel=1e-13)
        for k, layer in enumerate(model.layers):
            lin = seq[2 * k]
            for j, n in enumerate(layer.neurons):
                assert [w.grad for w in n.w] == pytest.approx(
                    lin.weight.grad[j].tolist(), rel=1e-10, abs=1e-15
                )
                assert n.b.grad == pytest.approx(lin.bias.grad[j].item(), rel=1e-10, abs=1e-15)

    def test_rejects_non_mlp(self) -> None:
        with pytest.raises(TypeError, match=r"expects an autograd_mini\.nn\.MLP, got int"):
            to_torch(3)  # type: ignore[arg-type]


class TestFromTorch:
    def test_round_trip_is_exact(self) -> None:
        model = MLP(4, [3, 2], "tanh", seed=1)
        back = from_torch(to_torch(model))
        assert [p.data for p in back.parameters()] == [p.data for p in model.parameters()]
        assert (back.nouts, back.activation, back.output_activation) == ([3, 2], "tanh", "linear")

    def test_float32_sequential_with_identity_and_no_bias(self) -> None:
        torch.manual_seed(0)
        seq = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Identity(), nn.Linear(4, 1, bias=False))
        model = from_torch(seq)
        assert model.nouts == [4, 1] and model.layers[1].neurons[0].b.data == 0.0
        xs = _inputs(5, 3)
        with torch.no_grad():
            theirs = seq(torch.tensor(xs)).tolist()
        for x, row in zip(xs, theirs, strict=True):
            assert _ours(model, x) == pytest.approx(row, rel=1e-5, abs=1e-6)

    @pytest.mark.parametrize(
        ("modules", "match"),
        [
            (lambda: [nn.Linear(2, 3), nn.Dropout(), nn.Linear(3, 1)], r"module 1 \(Dropout\)"),
            (lambda: [nn.Conv1d(1, 1, 1)], r"module 0 \(Conv1d\) is not supported"),
            (lambda: [nn.ReLU(), nn.Linear(2, 1)], "must follow a Linear layer"),
            (lambda: [nn.Linear(2, 3), nn.ReLU(), nn.ReLU()], "must follow a Linear layer"),
            (
                lambda: [nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 3), nn.Tanh(), nn.Linear(3, 1)],
                "different activations",
            ),
            (lambda: [nn.Linear(2, 3), nn.Linear(4, 1)], "layer 2 takes 4 inputs but layer 1"),
            (lambda: [], "no Linear layer"),
        ],
    )
    def test_unsupported_layers_are_clear_errors(
        self, modules: Callable[[], list[Any]], match: str
    ) -> None:
        with pytest.raises(ValueError, match=match):
            from_torch(nn.Sequential(*modules()))

    def test_rejects_non_sequential(self) -> None:
        with pytest.raises(TypeError, match=r"expects a torch\.nn\.Sequential, got Linear"):
            from_torch(nn.Linear(2, 1))


def _objective(w: Any, pow_: Callable[[Any, int], Any]) -> Any:
    """A non-quadratic loss of three parameters, written for Values and tensors alike."""
    return (w[0] - 1) ** 2 + 3 * (w[1] + 0.5) ** 2 + 0.1 * pow_(w[2], 4) + w[0] * w[2]


@pytest.mark.parametrize(
    ("ours", "theirs", "kwargs"),
    [
        (SGD, torch.optim.SGD, {"lr": 0.05}),
        (SGD, torch.optim.SGD, {"lr": 0.05, "momentum": 0.9, "weight_decay": 0.01}),
        (SGD, torch.optim.SGD, {"lr": 0.05, "momentum": 0.8, "nesterov": True}),
        (SGD, torch.optim.SGD, {"lr": 0.05, "momentum": 0.8, "dampening": 0.3}),
        (Adam, torch.optim.Adam, {"lr": 0.05}),
        (Adam, torch.optim.Adam, {"lr": 0.1, "betas": (0.8, 0.99), "weight_decay": 0.05}),
        # Sensitive settings: ε large enough that its placement (added to √v̂, after the bias
        # correction) changes every step, and decay combined with Nesterov and dampening.
        (Adam, torch.optim.Adam, {"lr": 0.05, "eps": 0.1, "weight_decay": 0.2}),
        (
            SGD,
            torch.optim.SGD,
            {"lr": 0.02, "momentum": 0.7, "nesterov": True, "weight_decay": 0.3},
        ),
        (
            SGD,
            torch.optim.SGD,
            {"lr": 0.03, "momentum": 0.5, "dampening": 0.9, "weight_decay": 0.1},
        ),
    ],
)
def test_optimizers_match_torch_optim(ours: type, theirs: type, kwargs: dict[str, Any]) -> None:
    start = [0.3, -1.2, 0.8]
    params = [Value(x) for x in start]
    tensor = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    opt, ref = ours(params, **kwargs), theirs([tensor], **kwargs)
    for _ in range(25):
        opt.zero_grad()
        _objective(params, lambda v, k: v**k).backward()
        opt.step()
        ref.zero_grad()
        _objective(tensor, lambda v, k: v**k).backward()
        ref.step()
        assert [p.data for p in params] == pytest.approx(tensor.tolist(), rel=1e-12, abs=1e-14)


class _LeakyAsReLU(torch.nn.ReLU):
    """A ReLU subclass computing something else: must not be read as a ReLU."""

    def forward(self, x: Any) -> Any:
        return torch.nn.functional.leaky_relu(x, 0.1)


class _ScaledLinear(torch.nn.Linear):
    def forward(self, x: Any) -> Any:
        return 2 * super().forward(x)


@pytest.mark.parametrize(
    ("modules", "name"),
    [
        (lambda: [torch.nn.Linear(2, 3), _LeakyAsReLU(), torch.nn.Linear(3, 1)], "_LeakyAsReLU"),
        (lambda: [_ScaledLinear(2, 1)], "_ScaledLinear"),
        (lambda: [torch.nn.Linear(2, 1), type("MyId", (torch.nn.Identity,), {})()], "MyId"),
    ],
)
def test_from_torch_refuses_subclasses_of_supported_modules(
    modules: Callable[[], list[Any]], name: str
) -> None:
    """Issue 15: any nn.ReLU subclass was read as ReLU, whatever its forward computes."""
    with pytest.raises(ValueError, match=rf"^from_torch: module \d \({name}\) is not supported"):
        from_torch(torch.nn.Sequential(*modules()).double())
