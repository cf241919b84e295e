"""Each entry of docs/errata.md, computed with the library: the chapter's slip and its fix.

Every test names the erratum it backs (E1, E2, …) and asserts the correct value; where the
chapter's wording gives a different number, the test computes that number too and shows
that it is not what the library (or the mathematics) gives.
"""

from __future__ import annotations

import itertools
import math
import random

import pytest

from autograd_mini import Value, chapter
from autograd_mini.engine import linear

# -- the worked example (Steps 1–3) -----------------------------------------------------------


def test_e1_u12_is_minus_14() -> None:
    """E1: u₁₂ = −2×2 − 3×3 − 1×1 = −14 (the chapter prints −11)."""
    ex = chapter.build()
    assert [u.data for u in ex.u] == [11.0, -14.0]
    assert -2 * 2 - 3 * 3 - 1 * 1 == -14


def test_e2_h12_is_relu_of_minus_14() -> None:
    """E2: h₁₂ = max(0, −14) = 0 — the value 0 stands, its argument is −14."""
    ex = chapter.build()
    assert ex.h[1].parents[0] is ex.u[1]
    assert (ex.u[1].data, ex.h[1].data) == (-14.0, 0.0)
    assert [h.data for h in ex.h] == [11.0, 0.0]
    assert ex.y.data == 33.0


def test_e3_u13_adds_b3() -> None:
    """E3: u₁₃ = w₃₁h₀₁ + … + w₃₄h₀₄ + b₃; it depends on b₃ (∂u₁₃/∂b₃ = 1), not on b₂."""
    rng = random.Random(3)
    h0 = [Value(rng.uniform(-1, 1), f"h_0{i}") for i in range(1, 5)]
    rows = [[Value(rng.uniform(-1, 1)) for _ in range(4)] for _ in range(3)]
    b = [Value(0.5 * j, f"b_{j}") for j in range(1, 4)]
    u = [linear(row, h0, bj) for row, bj in zip(rows, b, strict=True)]
    u[2].backward()
    assert (b[0].grad, b[1].grad, b[2].grad) == (0.0, 0.0, 1.0)
    expected = sum(w.data * h.data for w, h in zip(rows[2], h0, strict=True)) + b[2].data
    assert u[2].data == pytest.approx(expected, rel=1e-15)


def test_e4_sigmoid_tends_to_0_and_1() -> None:
    """E4: σ(u) → 0 as u → −∞ and → 1 as u → +∞; it never reaches −1 (tanh does)."""
    assert Value(-40.0).sigmoid().data < 1e-17
    assert Value(40.0).sigmoid().data == 1.0
    assert all(0.0 <= Value(u / 4).sigmoid().data <= 1.0 for u in range(-200, 201))
    assert Value(-40.0).tanh().data == -1.0


def test_e5_cross_entropy_has_a_minus_sign() -> None:
    """E5: 𝓛 = −(1/N) Σ t log y. Without the minus sign descent lowers the true class's y."""
    from autograd_mini.losses import cross_entropy, softmax

    logits = [Value(0.0), Value(0.0)]
    y = softmax(logits)
    chapter_form = 1.0 * y[1].log()  # the chapter's t·log y with t = (0, 1)
    assert chapter_form.data == pytest.approx(math.log(0.5))
    assert chapter_form.data < 0  # a "loss" that is negative for every prediction
    chapter_form.backward()
    assert logits[1].grad == pytest.approx(0.5)  # descent would push u₂ (the true class) down

    fixed = [Value(0.0), Value(0.0)]
    loss = cross_entropy(fixed, 1)
    loss.backward()
    assert loss.data == pytest.approx(math.log(2), rel=1e-15)
    assert fixed[1].grad == pytest.approx(-0.5)  # descent pushes the true class up


def test_e6_cross_entropy_sums_over_classes() -> None:
    """E6: with one output per class, 𝓛 = −(1/N) Σₙ Σₖ tₙₖ log yₙₖ."""
    from autograd_mini.losses import cross_entropy, softmax

    logits = [Value(0.3), Value(-1.2), Value(2.0)]
    target = [0.2, 0.0, 0.8]  # a probability target: every class term counts
    y = [v.data for v in softmax(logits)]
    expected = -sum(t * math.log(p) for t, p in zip(target, y, strict=True))
    assert cross_entropy(logits, target).data == pytest.approx(expected, rel=1e-12)
    only_last = -target[-1] * math.log(y[-1])
    assert abs(expected - only_last) > 0.1


def test_e7_dl_dy_n_has_no_sum_over_n() -> None:
    """E7: ∂𝓛/∂yₙ = −(2/N)(tₙ − yₙ) for each n; the sum over n belongs to ∂𝓛/∂w."""
    w = Value(0.5, "w")
    hs, ts = [2.0, -1.0, 4.0], [1.0, 3.0, -2.0]
    ys = [w * h for h in hs]
    n = len(ys)
    loss = sum(((t - y) ** 2 for t, y in zip(ts, ys, strict=True)), Value(0.0)) / n
    loss.backward()
    per_sample = [-2 / n * (t - y.data) for t, y in zip(ts, ys, strict=True)]
    assert [y.grad for y in ys] == pytest.approx(per_sample, rel=1e-15)
    summed = -2 / n * sum(t - y.data for t, y in zip(ts, ys, strict=True))
    assert all(abs(g - summed) > 0.1 for g in per_sample)
    assert w.grad == pytest.approx(sum(h * g for h, g in zip(hs, per_sample, strict=True)))
    # with N = 1, as in the worked example, the two readings agree: ∂𝓛/∂y = 26
    ex = chapter.build()
    ex.loss.backward()
    assert ex.y.grad == 26.0


def test_e8_step3_gradients_and_updates() -> None:
    """E8: w₁ ← 3 − 0.01×286 = 0.14 and **w₂** ← 3 − 0.01×156 = 1.44 (labelled w₁ there)."""
    ex = chapter.build()
    ex.loss.backward()
    w1, w2 = ex.weight("w_1"), ex.weight("w_2")
    assert (w1.grad, w2.grad) == (286.0, 156.0)
    assert w1.grad == ex.h[0].data * ex.y.grad == 11 * 26
    assert w2.grad == ex.x[0].data * w1.data * 1.0 * ex.y.grad == 2 * 3 * 26
    after = chapter.gradient_step(ex, chapter.RHO)
    assert after.weight("w_1").data == pytest.approx(0.14, abs=1e-12)
    assert after.weight("w_2").data == pytest.approx(1.44, abs=1e-12)


def test_e9_sigmoid_derivative_is_at_most_a_quarter() -> None:
    """E9: σ′(u) = σ(u)(1 − σ(u)) ≤ 0.25, so a sigmoid multiplies a gradient by *at most* 0.25."""
    grads = []
    for k in range(-8000, 8001):
        u = Value(k / 1000)
        u.sigmoid().backward()
        grads.append(u.grad)
    assert max(grads) == 0.25
    assert grads.index(0.25) == 8000  # at u = 0
    assert min(grads) < 1e-3  # and far smaller away from 0: "at least 0.25" is false


def test_e10_two_sigmoids_give_at_most_one_sixteenth() -> None:
    """E10: through two sigmoid layers the factor is at most 0.25 × 0.25 = 0.0625."""
    factors = []
    for a in range(-40, 41):
        for c in range(-20, 21):
            x = Value(a / 10)
            y = (x.sigmoid() + c / 10 - 0.5).sigmoid()  # y = σ(σ(x) + c), a unit weight
            y.backward()
            factors.append(x.grad)
    assert max(factors) == pytest.approx(0.0625, rel=1e-12)  # at x = 0, c = 0: σ′(0)·σ′(0)
    assert min(factors) > 0


def test_e11_chapter_update_overshoots() -> None:
    """E11 (note): with ρ = 0.01 the loss *rises* after the update; ρ = 0.001 lowers it."""
    only_w1_w2 = chapter.build(((1.44, 1.0, 2.0), (-2.0, -3.0, -1.0)), (0.14, 2.0))
    assert only_w1_w2.loss.data == pytest.approx((20 - 0.14 * 7.88) ** 2, rel=1e-12)
    assert only_w1_w2.loss.data == pytest.approx(357.0891, abs=1e-4)
    every_weight = chapter.gradient_step(chapter.build(), 0.01)
    assert every_weight.loss.data == pytest.approx(399.5521, abs=1e-4)
    smaller = chapter.gradient_step(chapter.build(), 0.001)
    assert smaller.loss.data == pytest.approx(47.4764, abs=1e-4)


# -- the 4-layer network of the backprop section (i → j → k → l) ------------------------------


def _four_layer(activation: str) -> dict[str, list[list[Value]] | list[Value]]:
    """A 3 → 3 → 2 → 2 network, activation f on every layer, squared error on L = 2 outputs."""
    rng = random.Random(42)
    sizes = [3, 3, 2, 2]
    h: list[Value] = [Value(rng.uniform(-1, 1), f"h_i{i}") for i in range(sizes[0])]
    layers_u, layers_h, weights = [], [h], []
    for nin, nout in itertools.pairwise(sizes):
        w = [[Value(rng.uniform(-1, 1)) for _ in range(nin)] for _ in range(nout)]
        u = [linear(row, h, 0.1) for row in w]
        h = [getattr(v, activation)() for v in u]
        layers_u.append(u)
        layers_h.append(h)
        weights.append(w)
    targets = [0.3, -0.2]
    loss = sum(((t - y) ** 2 for t, y in zip(targets, h, strict=True)), Value(0.0)) / 2
    loss.backward()
    return {"u": layers_u, "h": layers_h, "w": weights, "loss": [loss]}  # type: ignore[dict-item]


def _fprime(activation: str, u: float) -> float:
    v = Value(u)
    getattr(v, activation)().backward()
    return float(v.grad)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
def test_e12_output_layer_gradient(activation: str) -> None:
    """E12: ∂𝓛/∂w_kl = h_k·δ_l with δ_l = f′(u_l)·∂𝓛/∂y_l (𝓛 the loss, L the output count)."""
    net = _four_layer(activation)
    u_l, h_k, y = net["u"][2], net["h"][2], net["h"][3]
    w_kl = net["w"][2]
    for l_, row in enumerate(w_kl):
        delta_l = _fprime(activation, u_l[l_].data) * y[l_].grad
        assert u_l[l_].grad == pytest.approx(delta_l, rel=1e-12)
        for k, w in enumerate(row):
            assert w.grad == pytest.approx(h_k[k].data * delta_l, rel=1e-12)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
def test_e13_hk_is_f_of_uk_and_uk_is_a_sum(activation: str) -> None:
    """E13/E14: h_k = f(u_k) (not f(u_j)) and u_k = Σ_j w_jk h_j + b_k (a sum, not one term)."""
    net = _four_layer(activation)
    h_j, u_k, h_k, w_jk = net["h"][1], net["u"][1], net["h"][2], net["w"][1]
    for k, row in enumerate(w_jk):
        assert h_k[k].data == getattr(Value(u_k[k].data), activation)().data
        total = sum(w.data * h.data for w, h in zip(row, h_j, strict=True)) + 0.1
        assert u_k[k].data == pytest.approx(total, rel=1e-14)
        one_term = row[0].data * h_j[0].data
        assert abs(u_k[k].data - one_term) > 1e-6


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
def test_e15_delta_k_sums_over_all_l_outputs(activation: str) -> None:
    """E15: δ_k = f′(u_k) Σ_{l=1}^{L} w_kl δ_l — the sum runs over the L outputs, not to N."""
    net = _four_layer(activation)
    u_k, u_l, w_kl, w_jk, h_j = net["u"][1], net["u"][2], net["w"][2], net["w"][1], net["h"][1]
    n_samples = 1
    for k in range(len(u_k)):
        terms = [w_kl[l_][k].data * u_l[l_].grad for l_ in range(len(u_l))]
        delta_k = _fprime(activation, u_k[k].data) * sum(terms)
        assert u_k[k].grad == pytest.approx(delta_k, rel=1e-12)
        to_n = _fprime(activation, u_k[k].data) * sum(terms[:n_samples])
        assert abs(to_n - delta_k) > 1e-9
        for j, w in enumerate(w_jk[k]):
            assert w.grad == pytest.approx(h_j[j].data * delta_k, rel=1e-12)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
def test_e16_first_layer_gradient_is_h_i_delta_j(activation: str) -> None:
    """E16: ∂𝓛/∂w_ij = (∂u_j/∂w_ij)·δ_j = h_i·δ_j (the chapter writes ∂u_i/∂w_ij)."""
    net = _four_layer(activation)
    h_i, u_j, w_ij = net["h"][0], net["u"][0], net["w"][0]
    u_k, w_jk = net["u"][1], net["w"][1]
    for j in range(len(u_j)):
        delta_j = _fprime(activation, u_j[j].data) * sum(
            w_jk[k][j].data * u_k[k].grad for k in range(len(u_k))
        )
        assert u_j[j].grad == pytest.approx(delta_j, rel=1e-12)
        for i, w in enumerate(w_ij[j]):
            assert w.grad == pytest.approx(h_i[i].data * delta_j, rel=1e-12)
    # u_i is an input of the layer: it does not depend on w_ij at all
    assert all(not h.parents for h in h_i)


def test_e17_softmax_output_delta_is_y_minus_t() -> None:
    """E17 (clarification): with softmax + cross-entropy, δ_l = ∂𝓛/∂u_l = y_l − t_l."""
    from autograd_mini.losses import cross_entropy, softmax

    logits = [Value(0.5), Value(-0.3), Value(1.7)]
    loss = cross_entropy(logits, 2)
    loss.backward()
    y = [v.data for v in softmax([Value(v.data) for v in logits])]
    t = [0.0, 0.0, 1.0]
    assert [u.grad for u in logits] == pytest.approx([a - b for a, b in zip(y, t, strict=True)])
