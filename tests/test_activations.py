"""The activation registry: every record works in nn, repr, initialization, the command line,
model files and the torch hand-over, and adding an activation is one record."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import pytest

from autograd_mini import Value, activations, modelfile
from autograd_mini.activations import Activation, he, register, xavier
from autograd_mini.cli import build_parser
from autograd_mini.nn import MLP, Neuron, init_bound

HAS_TORCH = importlib.util.find_spec("torch") is not None
needs_torch = pytest.mark.skipif(not HAS_TORCH, reason="PyTorch (the torch extra) is missing")

#: What each built-in activation computes at u, written out independently of the op table.
EXPECTED = {
    "relu": lambda u: max(0.0, u),
    "sigmoid": lambda u: 1.0 / (1.0 + math.exp(-u)),
    "tanh": math.tanh,
    "softplus": lambda u: math.log1p(math.exp(u)),
    "leaky_relu": lambda u: u if u > 0 else 0.01 * u,
    "elu": lambda u: u if u > 0 else math.expm1(u),
    "silu": lambda u: u / (1 + math.exp(-u)),
    "gelu": lambda u: 0.5 * u * (1 + math.tanh(math.sqrt(2 / math.pi) * (u + 0.044715 * u**3))),
    "linear": lambda u: u,
}


@pytest.fixture
def fresh_registry(monkeypatch: pytest.MonkeyPatch) -> dict[str, Activation]:
    """A copy of the registry without softplus, restored after the test."""
    registry = {k: v for k, v in activations.REGISTRY.items() if k != "softplus"}
    monkeypatch.setattr(activations, "REGISTRY", registry)
    return registry


def test_builtin_records_are_the_registry() -> None:
    """Every built-in activation has its independent expectation above (add one row with a
    new record), and the registry holds exactly the built-in records."""
    assert activations.names() == tuple(a.name for a in activations.BUILTIN)
    assert set(EXPECTED) == set(activations.REGISTRY)
    assert {"relu", "sigmoid", "tanh", "softplus"} <= activations.activation_ops()
    assert "linear" not in activations.activation_ops()


@pytest.mark.parametrize("name", list(EXPECTED))
def test_each_activation_in_a_neuron(name: str) -> None:
    record = activations.get(name)
    neuron = Neuron(2, name, seed=1)
    x = [0.7, -0.4]
    u = math.fsum([neuron.b.data, *(w.data * xi for w, xi in zip(neuron.w, x, strict=True))])
    assert neuron(x).data == pytest.approx(EXPECTED[name](u), rel=1e-12, abs=1e-15)
    assert repr(neuron) == f"{record.display}Neuron(2)"
    assert init_bound(name, 6, 3) == record.init(6, 3)
    assert all(abs(w.data) <= record.init(2, 1) for w in neuron.w)


def test_initialization_rules() -> None:
    assert he(6, 100) == 1.0 and xavier(4, 2) == 1.0
    assert activations.get("relu").init is he and activations.get("softplus").init is he
    assert {activations.get(n).init for n in ("sigmoid", "tanh", "linear")} == {xavier}


def test_unknown_activation_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown activation 'swish'; choose one of 'relu'"):
        activations.get("swish")
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        MLP(2, [3, 1], activation="swish")


def test_register_refuses_a_taken_name_an_unknown_op_a_wrong_arity_a_taken_torch_class() -> None:
    with pytest.raises(ValueError, match="'relu' is already registered"):
        register(Activation("relu", "relu", "ReLU", None, he))
    with pytest.raises(ValueError, match="names op 'swish', which is not in the op table"):
        register(Activation("swish", "swish", "Swish", None, he))
    with pytest.raises(ValueError, match=r"torch\.nn\.Tanh already stands for 'tanh'"):
        register(Activation("tanh2", "tanh", "Tanh2", "Tanh", xavier))
    with pytest.raises(TypeError, match="expected an Activation, got str"):
        register("relu")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"op 'mul' to u and 0 constant\(s\), but mul takes 2"):
        register(Activation("times", "mul", "Times", None, he))
    with pytest.raises(ValueError, match=r"op 'relu' to u and 1 constant\(s\), but relu takes 1"):
        register(Activation("relu2", "relu", "ReLU2", None, he, args=(2.0,)))
    assert not {"swish", "tanh2", "times", "relu2"} & set(activations.REGISTRY)


def test_a_new_activation_is_one_record(
    fresh_registry: dict[str, Activation], tmp_path: Path
) -> None:
    """Before the record: unknown to nn, the CLI and model files. After one register call:
    a network with it computes, prints, saves, loads and is offered by the CLI."""
    content = modelfile.to_dict(MLP(2, [3, 1], seed=0))
    content["architecture"]["activation"] = "soft_relu"
    with pytest.raises(ValueError, match="unknown activation 'soft_relu'"):
        MLP(2, [3, 1], activation="soft_relu")
    with pytest.raises(modelfile.ModelFileError, match="'soft_relu' is not one of"):
        modelfile.from_dict(content)
    with pytest.raises(SystemExit):
        build_parser().parse_args(["train", "--activation", "soft_relu"])

    register(Activation("soft_relu", "softplus", "SoftReLU", "Softplus", he))

    model = MLP(2, [3, 1], activation="soft_relu", seed=0)
    assert (
        repr(model.layers[0])
        == "Layer of [SoftReLUNeuron(2), SoftReLUNeuron(2), SoftReLUNeuron(2)]"
    )
    hidden = model.layers[0].neurons[0]
    model([0.3, -0.8])
    assert hidden.h is not None and hidden.u is not None
    assert hidden.h.data == pytest.approx(math.log1p(math.exp(hidden.u.data)), rel=1e-12)
    assert build_parser().parse_args(["train", "--activation", "soft_relu"]).activation == (
        "soft_relu"
    )
    path = tmp_path / "m.json"
    model.save(path)
    again = MLP.load(path)
    assert again.activation == "soft_relu"
    assert again([0.3, -0.8]).data == model([0.3, -0.8]).data  # type: ignore[union-attr]
    assert modelfile.from_dict(content).activation == "soft_relu"


@needs_torch
def test_a_new_activation_is_handed_to_torch_and_back(
    fresh_registry: dict[str, Activation],
) -> None:
    import torch

    from autograd_mini.interop.torch import from_torch, to_torch

    register(Activation("soft_relu", "softplus", "SoftReLU", "Softplus", he))
    model = MLP(2, [4, 1], activation="soft_relu", seed=2)
    seq = to_torch(model)
    assert [type(m).__name__ for m in seq] == ["Linear", "Softplus", "Linear"]
    with torch.no_grad():
        theirs = seq(torch.tensor([[0.3, -0.8]], dtype=torch.float64)).item()
    assert theirs == pytest.approx(model([0.3, -0.8]).data, rel=1e-12)  # type: ignore[union-attr]
    assert from_torch(seq).activation == "soft_relu"


@needs_torch
@pytest.mark.parametrize("name", [a.name for a in activations.BUILTIN if a.torch_class])
def test_every_builtin_round_trips_through_torch(name: str) -> None:
    import torch

    from autograd_mini.interop.torch import from_torch, to_torch

    model = MLP(3, [4, 2], activation=name, output_activation=name, seed=5)
    seq = to_torch(model)
    record = activations.get(name)
    assert [type(m).__name__ for m in seq].count(str(record.torch_class)) == 2
    back = from_torch(seq)
    assert (back.activation, back.output_activation) == (name, name)
    x = [0.5, -1.5, 2.0]
    with torch.no_grad():
        theirs = seq(torch.tensor([x], dtype=torch.float64))[0].tolist()
    assert [v.data for v in back(x)] == pytest.approx(theirs, rel=1e-12)  # type: ignore[union-attr]


@needs_torch
def test_from_torch_matches_the_exact_class_and_its_settings() -> None:
    import torch

    from autograd_mini.interop.torch import from_torch

    class ShiftedReLU(torch.nn.ReLU):  # a subclass may compute anything
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return super().forward(x - 1.0)

    seq = torch.nn.Sequential(torch.nn.Linear(2, 3), ShiftedReLU(), torch.nn.Linear(3, 1))
    with pytest.raises(ValueError, match=r"module 1 \(ShiftedReLU\) is not supported"):
        from_torch(seq)
    seq = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Softplus(beta=2.0))
    with pytest.raises(ValueError, match=r"module 1 \(Softplus\) has settings \(beta=2"):
        from_torch(seq)


@needs_torch
def test_to_torch_refuses_an_activation_torch_has_no_module_for(
    fresh_registry: dict[str, Activation],
) -> None:
    from autograd_mini.interop.torch import to_torch

    register(Activation("absolute", "abs", "Abs", None, xavier))
    model = MLP(2, [2, 1], activation="absolute", seed=0)
    hidden = model.layers[0].neurons[0]
    model([1.0, -1.0])
    assert hidden.h is not None and hidden.u is not None and hidden.h.data == abs(hidden.u.data)
    assert repr(hidden) == "AbsNeuron(2)"
    with pytest.raises(ValueError, match=r"activation 'absolute' has no torch\.nn module"):
        to_torch(model)


def test_the_records_apply_the_op_table_ops() -> None:
    u = Value(0.25)
    for name in ("relu", "sigmoid", "tanh", "softplus"):
        h = activations.get(name)(u)
        assert h.data == getattr(Value(0.25), name)().data
    assert activations.get("linear")(u) is u


def test_constant_arguments_go_after_u(fresh_registry: dict[str, Activation]) -> None:
    """``args`` are the op's constants after u (a leaky ReLU's slope): here powc's exponent."""
    register(Activation("square", "powc", "Square", None, xavier, args=(2.0,)))
    neuron = Neuron(2, "square", seed=4)
    h = neuron([0.5, -1.5])
    assert neuron.u is not None and h.data == neuron.u.data**2
    h.backward()
    assert neuron.b.grad == pytest.approx(2 * neuron.u.data, rel=1e-12)
    assert activations.get("square")(Value(3.0)).data == 9.0


def test_nn_activations_is_a_live_view_of_functions(fresh_registry: dict[str, Activation]) -> None:
    from autograd_mini.nn import ACTIVATIONS

    assert "softplus" not in ACTIVATIONS and ACTIVATIONS["linear"] is None
    relu = ACTIVATIONS["relu"]
    assert relu is not None and relu(Value(-2.0)).data == 0.0 and relu(Value(3.0)).data == 3.0
    register(Activation("soft_relu", "softplus", "SoftReLU", "Softplus", he))
    soft = ACTIVATIONS["soft_relu"]
    assert soft is not None and soft(Value(0.0)).data == pytest.approx(math.log(2.0))
    assert list(ACTIVATIONS) == list(activations.REGISTRY)
    assert len(ACTIVATIONS) == len(activations.BUILTIN)  # softplus out, soft_relu in
    with pytest.raises(KeyError):
        ACTIVATIONS["swish"]


NEW = ["leaky_relu", "elu", "silu", "gelu"]


@pytest.mark.parametrize("name", NEW)
def test_the_new_activations_in_a_model_the_cli_and_the_drawing(name: str) -> None:
    """leaky_relu, elu, silu and gelu: one record each, so repr(model), the CLI's
    --activation, a saved model and the drawing's δ recursion all know them."""
    from autograd_mini.viz import draw_graph

    record = activations.get(name)
    model = MLP(2, [2, 1], activation=name, seed=0)
    shown = f"{record.display}Neuron(2)"
    assert repr(model) == f"MLP of [Layer of [{shown}, {shown}], Layer of [LinearNeuron(2)]]"
    assert build_parser().parse_args(["train", "--activation", name]).activation == name
    again = modelfile.from_dict(modelfile.to_dict(model))
    assert again.activation == name and again([0.5, -1.0]).data == model([0.5, -1.0]).data  # type: ignore[union-attr]
    loss = (model([0.5, -1.0]) - 1.0) ** 2  # type: ignore[operator]
    loss.backward()
    hidden = model.layers[0].neurons[0]
    assert hidden.u is not None and hidden.u.op == "linear"
    # the grad of u₁₁ is δ₁₁ = f′(u₁₁) · w · δ: the drawing names it so
    src = draw_graph(loss).source
    assert "δ₁₁ = f′(u₁₁) · w₂₁₁ · δ₂₁" in src
    assert f'∂f/∂b₁₁ = δ₁₁</TD></TR><TR><TD COLSPAN="2" ALIGN="LEFT">= {hidden.b.grad:.4g}' in src


def test_the_new_activations_compute_their_ops() -> None:
    u = Value(-0.5)
    assert activations.get("leaky_relu")(u).data == Value(-0.5).leaky_relu(0.01).data == -0.005
    assert activations.get("elu")(u).data == Value(-0.5).elu(1.0).data == math.expm1(-0.5)
    assert activations.get("silu")(u).data == Value(-0.5).silu().data
    assert activations.get("gelu")(u).data == Value(-0.5).gelu().data
