"""Neurons, layers and MLPs: construction, micrograd compatibility, the one-node linear
transform vs the expanded one, initialization, parameter roles and the chapter's δ recursion."""

from __future__ import annotations

import gc
import math
import random

import pytest

from autograd_mini import Value, losses
from autograd_mini import nn as amnn
from autograd_mini.engine import topological_order
from autograd_mini.nn import MLP, Layer, Neuron, ParameterRole, parameter_role
from autograd_mini.optim import SGD


class TestConstruction:
    def test_mlp_shapes_and_parameter_count(self) -> None:
        model = MLP(2, [16, 16, 1])
        assert model.nin == 2 and model.nouts == [16, 16, 1]
        assert len(model.parameters()) == 16 * 3 + 16 * 17 + 17 == 337
        assert [len(row) for row in model.neurons_by_layer()] == [16, 16, 1]

    def test_hidden_layers_use_activation_and_last_layer_is_linear(self) -> None:
        model = MLP(3, [4, 5, 2], "tanh", seed=0)
        assert [layer.activation for layer in model.layers] == ["tanh", "tanh", "linear"]
        assert repr(model.layers[0].neurons[0]) == "TanhNeuron(3)"
        assert repr(model.layers[2].neurons[0]) == "LinearNeuron(5)"

    def test_output_activation(self) -> None:
        model = MLP(2, [3, 1], output_activation="sigmoid", seed=0)
        y = model([0.3, -0.2])
        assert isinstance(y, Value) and y.op == "sigmoid" and 0 < y.data < 1

    def test_labels_in_chapter_notation(self) -> None:
        model = MLP(4, [3, 2], seed=0)
        names = [name for name, _ in model.named_parameters()]
        assert names[:5] == ["w_111", "w_112", "w_113", "w_114", "b_11"]
        assert names[-3:] == ["w_222", "w_223", "b_22"]
        assert len(set(names)) == len(names)
        model([1.0, 2.0, 3.0, 4.0])
        neuron = model.layers[0].neurons[1]
        assert neuron.u is not None and neuron.h is not None
        assert (neuron.u.label, neuron.h.label) == ("u_12", "h_12")

    def test_labels_with_two_digit_indices_use_commas(self) -> None:
        model = MLP(12, [11], seed=0)
        assert model.layers[0].neurons[10].w[11].label == "w_1,11,12"
        assert model.layers[0].neurons[10].b.label == "b_1,11"

    @pytest.mark.parametrize(
        ("args", "kwargs", "match"),
        [
            ((0, [1]), {}, "nin"),
            ((2, []), {}, "nouts"),
            ((2, [3, 0]), {}, "layer size"),
            ((2, [3]), {"activation": "softmax"}, "unknown activation 'softmax'"),
            ((2, [3]), {"seed": 1, "rng": random.Random(1)}, "either seed= or rng="),
        ],
    )
    def test_bad_arguments(self, args: tuple, kwargs: dict, match: str) -> None:
        with pytest.raises(ValueError, match=match):
            MLP(*args, **kwargs)

    def test_wrong_number_of_inputs_names_the_model(self) -> None:
        model = MLP(2, [3, 1], seed=0)
        with pytest.raises(ValueError, match=r"MLP\(2, \[3, 1\]\) takes 2 inputs, got 3"):
            model([1.0, 2.0, 3.0])
        with pytest.raises(TypeError, match="str"):
            model("ab")

    def test_accepts_values_numbers_tuples_and_numpy_rows(self) -> None:
        np = pytest.importorskip("numpy")
        model = MLP(2, [3, 1], seed=0)
        a = model([Value(0.5), Value(-1.0)]).data  # type: ignore[union-attr]
        assert model([0.5, -1.0]).data == a  # type: ignore[union-attr]
        assert model((0.5, -1.0)).data == a  # type: ignore[union-attr]
        assert model(np.array([0.5, -1.0])).data == a  # type: ignore[union-attr]
        assert MLP(1, [1], seed=0)(2.0).data == MLP(1, [1], seed=0)([2.0]).data  # type: ignore[union-attr]

    def test_zero_grad(self) -> None:
        model = MLP(2, [2, 1], seed=0)
        model([1.0, 2.0]).backward()  # type: ignore[union-attr]
        assert any(p.grad != 0 for p in model.parameters())
        model.zero_grad()
        assert all(p.grad == 0 for p in model.parameters())


class TestMicrogradCompatibility:
    def test_neuron_and_layer_flags(self) -> None:
        assert repr(Neuron(3, nonlin=False)) == "LinearNeuron(3)"
        assert repr(Neuron(3)) == "ReLUNeuron(3)"
        layer = Layer(3, 2, nonlin=False)
        assert repr(layer) == "Layer of [LinearNeuron(3), LinearNeuron(3)]"
        assert Neuron(2).nonlin and not Neuron(2, nonlin=False).nonlin
        with pytest.raises(ValueError, match="nonlin=False means activation 'linear'"):
            Neuron(2, "relu", nonlin=False)

    def test_positional_nonlin_flag(self) -> None:
        """micrograd's signature is Neuron(nin, nonlin=True), so Neuron(3, False) is valid
        micrograd code."""
        assert repr(Neuron(3, False)) == "LinearNeuron(3)"
        assert repr(Neuron(3, True)) == "ReLUNeuron(3)"

    def test_call_returns_value_for_one_output_else_list(self) -> None:
        assert isinstance(Layer(2, 1)([1.0, 2.0]), Value)
        out = Layer(2, 3)([1.0, 2.0])
        assert isinstance(out, list) and len(out) == 3
        assert isinstance(MLP(2, [3, 1])([1.0, 2.0]), Value)
        assert isinstance(MLP(2, [1, 3])([1.0, 2.0]), list)  # a 1-wide hidden layer works

    def test_default_init_draws_micrograds_weights_from_global_random(self) -> None:
        random.seed(7)
        model = MLP(2, [4, 1])
        random.seed(7)
        expected = [random.uniform(-1, 1) for _ in range(2 * 4 + 4)]
        weights = [w.data for layer in model.layers for n in layer.neurons for w in n.w]
        assert weights == expected
        assert all(n.b.data == 0.0 for row in model.neurons_by_layer() for n in row)

    def test_same_weights_outputs_and_gradients_as_micrograd(self) -> None:
        mg_engine = pytest.importorskip("micrograd.engine", reason="micrograd is not installed")
        mg_nn = pytest.importorskip("micrograd.nn")
        random.seed(1337)
        ref = mg_nn.MLP(2, [16, 16, 1])
        random.seed(1337)
        model = MLP(2, [16, 16, 1])
        assert [p.data for p in ref.parameters()] == [p.data for p in model.parameters()]
        assert str(ref) == str(model)
        xs = [[0.3, -0.7], [1.2, 0.4]]
        ref_loss = sum(ref([mg_engine.Value(a), mg_engine.Value(b)]) ** 2 for a, b in xs)
        loss = sum(model([Value(a), Value(b)]) ** 2 for a, b in xs)  # type: ignore[operator]
        ref_loss.backward()
        loss.backward()  # type: ignore[union-attr]
        assert loss.data == pytest.approx(ref_loss.data, rel=1e-12)  # type: ignore[union-attr]
        for p, q in zip(model.parameters(), ref.parameters(), strict=True):
            assert p.grad == pytest.approx(q.grad, rel=1e-9, abs=1e-12)


def test_micrograd_notebook_loss_with_numpy_data_gives_the_notebooks_number() -> None:
    """The demo notebook's `loss()` on NumPy arrays (make_moons, seed 1337), imports swapped:
    its first printed loss is 0.8958441028683222 at 50% accuracy."""
    np = pytest.importorskip("numpy")
    sk = pytest.importorskip("sklearn.datasets")
    np.random.seed(1337)
    random.seed(1337)
    x_all, y_all = sk.make_moons(n_samples=100, noise=0.1)
    y_all = y_all * 2 - 1
    model = MLP(2, [16, 16, 1])
    inputs = [list(map(Value, xrow)) for xrow in x_all]
    scores = list(map(model, inputs))
    data_losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y_all, scores, strict=True)]
    data_loss = sum(data_losses) * (1.0 / len(data_losses))
    total_loss = data_loss + 1e-4 * sum(p * p for p in model.parameters())
    accuracy = [(yi > 0) == (s.data > 0) for yi, s in zip(y_all, scores, strict=True)]
    assert total_loss.data == pytest.approx(0.8958441028683222, rel=1e-12)
    assert sum(accuracy) / len(accuracy) == 0.5
    model.zero_grad()
    total_loss.backward()
    assert any(p.grad != 0 for p in model.parameters())


class TestInitialization:
    def test_seed_is_reproducible_and_leaves_global_random_alone(self) -> None:
        state = random.getstate()
        a = [p.data for p in MLP(3, [8, 2], seed=5).parameters()]
        assert random.getstate() == state
        assert a == [p.data for p in MLP(3, [8, 2], rng=random.Random(5)).parameters()]
        assert a != [p.data for p in MLP(3, [8, 2], seed=6).parameters()]

    def test_he_bound_for_relu_and_xavier_for_tanh_sigmoid_linear(self) -> None:
        model = MLP(50, [40, 30, 10], "relu", seed=0)
        tanh = MLP(50, [40, 10], "tanh", seed=0)
        for layer, bound in [
            (model.layers[0], math.sqrt(6 / 50)),
            (model.layers[1], math.sqrt(6 / 40)),
            (model.layers[2], math.sqrt(6 / (30 + 10))),  # linear output: Xavier
            (tanh.layers[0], math.sqrt(6 / (50 + 40))),
        ]:
            ws = [w.data for n in layer.neurons for w in n.w]
            assert max(abs(w) for w in ws) <= bound
            assert max(abs(w) for w in ws) > 0.9 * bound  # the full range is used
            variance = sum(w * w for w in ws) / len(ws)
            assert variance == pytest.approx(bound**2 / 3, rel=0.1)  # U(−a, a): a²/3
        assert all(n.b.data == 0 for row in model.neurons_by_layer() for n in row)


class TestOneNodeVersusExpanded:
    @pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
    def test_identical_values_and_gradients(self, activation: str) -> None:
        fused = MLP(3, [5, 4, 2], activation, seed=3)
        expanded = MLP(3, [5, 4, 2], activation, seed=3, expand=True)
        x = [0.7, -1.3, 0.25]
        for model, kwargs in [(fused, {}), (expanded, {}), (fused, {"expand": True})]:
            model.zero_grad()
            out = model(x, **kwargs)
            loss = losses.cross_entropy(out, 1)  # type: ignore[arg-type]
            loss.backward()
            if model is fused and not kwargs:
                ref_out, ref_loss = [o.data for o in out], loss.data  # type: ignore[union-attr]
                ref_grads = [p.grad for p in model.parameters()]
                ref_deltas = model.deltas()
            else:
                assert [o.data for o in out] == ref_out  # type: ignore[union-attr]
                assert loss.data == ref_loss
                assert [p.grad for p in model.parameters()] == ref_grads
                assert model.deltas() == ref_deltas

    def test_graph_shapes(self) -> None:
        model = MLP(3, [2], "linear", seed=0)
        fused = model([1.0, 2.0, 3.0])
        assert isinstance(fused, list)
        assert fused[0].op == "linear" and len(fused[0].args) == 3 + 3 + 1
        expanded = model([1.0, 2.0, 3.0], expand=True)
        ops = [v.op for v in topological_order(expanded[0])]  # type: ignore[index]
        assert ops.count("mul") == 3 and ops.count("add") == 3 and "linear" not in ops


class TestParameterRole:
    def test_every_parameter_has_its_role(self) -> None:
        model = MLP(3, [4, 2], seed=0)
        for k, layer in enumerate(model.layers, 1):
            for j, n in enumerate(layer.neurons, 1):
                for i, w in enumerate(n.w, 1):
                    assert parameter_role(w) == ParameterRole(k, j, "w", i)
                assert parameter_role(n.b) == ParameterRole(k, j, "b", None)
        assert parameter_role(Value(1.0)) is None
        u = model([1.0, 2.0, 3.0])
        assert parameter_role(u[0]) is None  # type: ignore[index]

    def test_registry_forgets_collected_models(self) -> None:
        gc.collect()
        before = amnn.tracked_parameters()
        model = MLP(3, [4, 2], seed=0)
        assert amnn.tracked_parameters() == before + len(model.parameters())
        del model
        gc.collect()
        assert amnn.tracked_parameters() == before

    def test_replaced_parameter_has_no_role(self) -> None:
        n = Neuron(2, seed=0)
        old = n.w[0]
        n.w[0] = Value(1.0)
        assert parameter_role(old) is None
        assert parameter_role(n.w[0]) is None


def _f_prime(activation: str, u: float) -> float:
    if activation == "tanh":
        return 1 - math.tanh(u) ** 2
    if activation == "sigmoid":
        s = 1 / (1 + math.exp(-u))
        return s * (1 - s)
    return 1.0 if u > 0 else 0.0


class TestDeltaRecursion:
    """The chapter's backpropagation on a 4-layer network i → j → k → l."""

    def test_chapters_worked_example(self) -> None:
        """x = (2, 3, 1), ReLU hidden layer, no biases, t = 20: y = 33, L = 169,
        ∂L/∂w₁ = 11 × 26 = 286 and ∂L/∂w₂ = 2 × 3 × 26 = 156; one step with ρ = 0.01 gives
        w₁ = 0.14 and w₂ = 1.44."""
        model = MLP(3, [2, 1], seed=0)
        for n, ws in zip(model.layers[0].neurons, [[3, 1, 2], [-2, -3, -1]], strict=True):
            for w, v in zip(n.w, ws, strict=True):
                w.data = v
        for w, v in zip(model.layers[1].neurons[0].w, [3, 2], strict=True):
            w.data = v
        y = model([2.0, 3.0, 1.0])
        loss = losses.mse(y, 20.0)  # type: ignore[arg-type]
        loss.backward()
        assert (y.data, loss.data) == (33.0, 169.0)  # type: ignore[union-attr]
        assert model.deltas() == [[3 * 26.0, 0.0], [26.0]]
        w1 = model.layers[1].neurons[0].w[0]  # h_11 → y
        w2 = model.layers[0].neurons[0].w[0]  # x_1 → u_11
        assert (w1.label, w2.label) == ("w_211", "w_111")
        assert (w1.grad, w2.grad) == (286.0, 156.0)
        SGD(model.parameters(), lr=0.01).step()
        assert (w1.data, w2.data) == (pytest.approx(0.14), pytest.approx(1.44))

    @pytest.mark.parametrize(
        ("activation", "expand"), [("tanh", False), ("sigmoid", True), ("relu", False)]
    )
    def test_recursion_and_numerical_gradients_for_every_weight(
        self, activation: str, expand: bool
    ) -> None:
        model = MLP(3, [4, 3, 2], activation, seed=11, expand=expand)
        x, t = [0.5, -1.2, 0.8], [0.3, -0.4]

        def loss_value() -> Value:
            return losses.mse(model(x), t)  # type: ignore[arg-type]

        loss = loss_value()
        model.zero_grad()
        loss.backward()
        deltas = model.deltas()
        layers = model.neurons_by_layer()
        # Output layer (linear): δ_l = ∂L/∂y_l = 2(y_l − t_l)/N.
        for n, d, tl in zip(layers[-1], deltas[-1], t, strict=True):
            assert n.h is not None
            assert d == pytest.approx(2 * (n.h.data - tl) / 2, rel=1e-12)
        if activation == "relu":  # both branches of f′ are exercised
            signs = {n.u.data > 0 for row in layers[:-1] for n in row}  # type: ignore[union-attr]
            assert signs == {True, False}
        # Hidden layers: δ_j = f′(u_j) · Σ_k w_jk δ_k.
        for depth in range(len(layers) - 1):
            for j, n in enumerate(layers[depth]):
                assert n.u is not None
                back = sum(
                    m.w[j].data * dk
                    for m, dk in zip(layers[depth + 1], deltas[depth + 1], strict=True)
                )
                assert deltas[depth][j] == pytest.approx(
                    _f_prime(activation, n.u.data) * back, rel=1e-10, abs=1e-15
                )
        # Every weight: ∂L/∂w_jk = h_j · δ_k (h_0 = x), and ∂L/∂b_k = δ_k.
        for depth, row in enumerate(layers):
            inputs = x if depth == 0 else [n.h.data for n in layers[depth - 1]]  # type: ignore[union-attr]
            for n, dk in zip(row, deltas[depth], strict=True):
                for w, hj in zip(n.w, inputs, strict=True):
                    assert w.grad == pytest.approx(hj * dk, rel=1e-12, abs=1e-15)
                assert n.b.grad == dk
        # And numerically, by central differences, for every parameter.
        eps = 1e-6
        for p in model.parameters():
            keep = p.data
            p.data = keep + eps
            up = loss_value().data
            p.data = keep - eps
            down = loss_value().data
            p.data = keep
            assert p.grad == pytest.approx((up - down) / (2 * eps), rel=1e-5, abs=1e-9)

    def test_deltas_before_any_call_is_a_clear_error(self) -> None:
        with pytest.raises(RuntimeError, match="u_11 has no forward value"):
            MLP(2, [2, 1], seed=0).deltas()
        assert Neuron(2, seed=0).delta is None

    def test_delta_after_create_graph_is_a_float(self) -> None:
        n = Neuron(2, "tanh", seed=0)
        (n([1.0, 2.0]) ** 2).backward(create_graph=True)
        assert isinstance(n.delta, float)
        assert n.u is not None
        assert n.delta == pytest.approx(2 * math.tanh(n.u.data) * (1 - math.tanh(n.u.data) ** 2))


def test_torch_hand_over_without_torch_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    """The hand-over module imports without torch and fails clearly only when used."""
    import sys

    from autograd_mini.interop import torch as interop

    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(ImportError, match=r"pip install 'autograd-mini\[torch\]'"):
        interop.to_torch(MLP(2, [1], seed=0))


_NOTEBOOK_LOOP = """
def loss(batch_size=None):
    if batch_size is None:
        Xb, yb = X, y
    else:
        ri = np.random.permutation(X.shape[0])[:batch_size]
        Xb, yb = X[ri], y[ri]
    inputs = [list(map(Value, xrow)) for xrow in Xb]
    scores = list(map(model, inputs))
    losses = [(1 + -yi*scorei).relu() for yi, scorei in zip(yb, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    alpha = 1e-4
    reg_loss = alpha * sum((p*p for p in model.parameters()))
    total_loss = data_loss + reg_loss
    accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(yb, scores)]
    return total_loss, sum(accuracy) / len(accuracy)

for k in range(STEPS):
    total_loss, acc = loss()
    model.zero_grad()
    total_loss.backward()
    learning_rate = 1.0 - 0.9*k/100
    for p in model.parameters():
        p.data -= learning_rate * p.grad
    history.append((total_loss.data, acc))
"""


def test_micrograd_notebook_loop_runs_unchanged_and_matches_micrograd() -> None:
    """The demo notebook's `loss()` and training loop, verbatim, on make_moons NumPy data:
    with autograd_mini's Value and MLP it gives micrograd's own numbers, step by step."""
    np = pytest.importorskip("numpy")
    sk = pytest.importorskip("sklearn.datasets")
    mg_engine = pytest.importorskip("micrograd.engine", reason="micrograd is not installed")
    mg_nn = pytest.importorskip("micrograd.nn")
    runs = []
    for value_cls, mlp_cls in [(mg_engine.Value, mg_nn.MLP), (Value, MLP)]:
        np.random.seed(1337)
        random.seed(1337)
        x_all, y_all = sk.make_moons(n_samples=30, noise=0.1)
        scope = {"np": np, "X": x_all, "y": y_all * 2 - 1, "Value": value_cls, "STEPS": 3}
        scope["model"] = mlp_cls(2, [16, 16, 1])
        scope["history"] = []
        exec(_NOTEBOOK_LOOP, scope)  # the notebook's own code (fixed text above)
        runs.append((scope["history"], [p.data for p in scope["model"].parameters()]))
    (ref_history, ref_params), (history, params) = runs
    assert [a for _, a in history] == [a for _, a in ref_history]
    assert [v for v, _ in history] == pytest.approx([v for v, _ in ref_history], rel=1e-12)
    assert params == pytest.approx(ref_params, rel=1e-9, abs=1e-12)
    assert history[-1][0] < history[0][0]


class TestJupyterDisplay:
    """``_repr_mimebundle_`` is IPython's display hook: viz's drawing, or the plain repr."""

    def test_uses_viz_mimebundle_when_it_exists(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from autograd_mini import viz

        seen: list[object] = []

        def fake(module: object) -> dict[str, str]:
            seen.append(module)
            return {"text/html": "<svg>drawn</svg>", "text/plain": "drawn"}

        monkeypatch.setattr(viz, "mimebundle", fake, raising=False)
        model = MLP(2, [2, 1], seed=0)
        assert model._repr_mimebundle_() == {"text/html": "<svg>drawn</svg>", "text/plain": "drawn"}
        assert model.layers[0]._repr_mimebundle_(include=["text/html"])["text/plain"] == "drawn"
        assert seen == [model, model.layers[0]]

    def test_falls_back_to_repr_without_viz_mimebundle(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from autograd_mini import viz

        monkeypatch.delattr(viz, "mimebundle", raising=False)
        model = MLP(2, [2, 1], seed=0)
        assert model._repr_mimebundle_() == {"text/plain": repr(model)}
        neuron = Neuron(3, "tanh", seed=0)
        assert neuron._repr_mimebundle_() == {"text/plain": "TanhNeuron(3)"}

    def test_falls_back_to_repr_when_viz_cannot_be_imported(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        import sys

        monkeypatch.setitem(sys.modules, "autograd_mini.viz", None)  # import raises ImportError
        layer = Layer(2, 2, seed=0)
        assert layer._repr_mimebundle_() == {
            "text/plain": "Layer of [ReLUNeuron(2), ReLUNeuron(2)]"
        }
