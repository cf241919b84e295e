"""Each entry of docs/errata.md, computed with the library: the chapter's slip and its fix.

Every test names the erratum it backs (E1, E2, …) and asserts the correct value; where the
chapter's wording gives a different number, the test computes that number too and shows
that it is not what the library (or the mathematics) gives.
"""

from __future__ import annotations

import itertools
import math
import random
import re
from pathlib import Path

import pytest

from autograd_mini import Value, chapter
from autograd_mini.engine import linear
from autograd_mini.nn import Layer

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
    """E3: the chapter's u₁₃ (with b₂) is not row 3 of its own matrix form u = Wh + b (b₃)."""
    rng = random.Random(3)
    h0 = [Value(rng.uniform(-1, 1), f"h_0{i}") for i in range(1, 5)]
    layer = Layer(4, 3, "linear", rng=rng)  # the matrix form of lines 36–58, one row per u
    for j, neuron in enumerate(layer.neurons, start=1):
        neuron.b.data = 0.5 * j  # b₁, b₂, b₃ = 0.5, 1.0, 1.5
    matrix_form = layer(h0)
    assert isinstance(matrix_form, list)
    w3 = layer.neurons[2].w
    b2, b3 = layer.neurons[1].b, layer.neurons[2].b
    as_printed = linear(w3, h0, b2)  # line 32: u₁₃ = w₃₁h₀₁ + … + w₃₄h₀₄ + b₂
    assert matrix_form[2].data - as_printed.data == pytest.approx(b3.data - b2.data, rel=1e-12)
    as_printed.backward()
    assert (b2.grad, b3.grad) == (1.0, 0.0)  # as printed, u₁₃ ignores b₃ entirely
    b2.grad = b3.grad = 0.0
    matrix_form[2].backward()
    assert (b2.grad, b3.grad) == (0.0, 1.0)  # the matrix form's u₁₃ adds b₃


def test_e4_sigmoid_tends_to_0_and_1() -> None:
    """E4: σ(u) → 0 as u → −∞ and → 1 as u → +∞; it never reaches −1 (tanh does)."""
    assert Value(-40.0).sigmoid().data < 1e-17
    assert Value(40.0).sigmoid().data == 1.0
    assert all(0.0 <= Value(u / 4).sigmoid().data <= 1.0 for u in range(-200, 201))
    assert Value(-40.0).tanh().data == -1.0


def test_e5_cross_entropy_has_a_minus_sign() -> None:
    """E5: ℒ = −(1/N) Σ t log y. Without the minus sign descent lowers the true class's y."""
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


def test_e6_t_log_y_is_a_dot_product() -> None:
    """E6 (note): with vector targets, tₙ log yₙ is the dot product Σₖ tₙₖ log yₙₖ."""
    from autograd_mini.losses import cross_entropy, softmax

    logits = [Value(0.3), Value(-1.2), Value(2.0)]
    y = [v.data for v in softmax(logits)]
    for target in ([0.0, 0.0, 1.0], [0.2, 0.0, 0.8]):  # one-hot and a probability target
        dot = sum(t * math.log(p) for t, p in zip(target, y, strict=True))
        assert cross_entropy(logits, target).data == pytest.approx(-dot, rel=1e-12)
    # with a one-hot target the dot product is the log-probability of the true class
    assert cross_entropy(logits, 2).data == pytest.approx(-math.log(y[2]), rel=1e-12)


def test_e7_dl_dy_n_has_no_sum_over_n() -> None:
    """E7: ∂ℒ/∂yₙ = −(2/N)(tₙ − yₙ) for each n; the sum over n belongs to ∂ℒ/∂w."""
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
    # with N = 1, as in the worked example, the two readings agree: ∂ℒ/∂y = 26
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
    """E11 (note): with ρ = 0.01 the loss *rises*: 357.089 (w₁, w₂ only), 399.552 (all)."""
    only_w1_w2 = chapter.build(((1.44, 1.0, 2.0), (-2.0, -3.0, -1.0)), (0.14, 2.0))
    assert only_w1_w2.loss.data == pytest.approx((20 - 0.14 * 7.88) ** 2, rel=1e-12)
    c = chapter.compare_updates(0.01)
    assert c.loss_w1_w2 == pytest.approx(only_w1_w2.loss.data, rel=1e-12)
    assert round(c.loss_w1_w2, 3) == 357.089
    assert round(c.loss_every_weight, 3) == 399.552
    # why the second is larger: y overshoots t = 20 further when more weights move downhill
    assert 20.0 - c.y_every_weight > 20.0 - c.y_w1_w2 > c.y_before - 20.0
    every = chapter.gradient_step(chapter.build(), 0.01)
    assert [round(every.weight(w).data, 10) for w in ("w_3", "w_4")] == [-1.34, 1.22]
    smaller = chapter.gradient_step(chapter.build(), 0.001)
    assert smaller.loss.data == pytest.approx(47.4764, abs=1e-4)
    assert chapter.gradient_step(smaller, 0.001).loss.data < smaller.loss.data


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
    """E12: ∂ℒ/∂w_kl = h_k·δ_l with δ_l = f′(u_l)·∂ℒ/∂y_l (ℒ the loss, L the output count)."""
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
    assert len(u_l) == 2  # L = 2 output units, one sample (N = 1)
    for k in range(len(u_k)):
        terms = [w_kl[l_][k].data * u_l[l_].grad for l_ in range(len(u_l))]
        delta_k = _fprime(activation, u_k[k].data) * sum(terms)
        assert u_k[k].grad == pytest.approx(delta_k, rel=1e-12)  # the full sum is backward()
        for j, w in enumerate(w_jk[k]):
            assert w.grad == pytest.approx(h_j[j].data * delta_k, rel=1e-12)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
def test_e16_first_layer_gradient_is_h_i_delta_j(activation: str) -> None:
    """E16: ∂ℒ/∂w_ij = (∂u_j/∂w_ij)·δ_j = h_i·δ_j (the chapter writes ∂u_i/∂w_ij)."""
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
    """E17 (clarification): with softmax + cross-entropy, δ_l = ∂ℒ/∂u_l = y_l − t_l."""
    from autograd_mini.losses import cross_entropy, softmax

    logits = [Value(0.5), Value(-0.3), Value(1.7)]
    loss = cross_entropy(logits, 2)
    loss.backward()
    y = [v.data for v in softmax([Value(v.data) for v in logits])]
    t = [0.0, 0.0, 1.0]
    assert [u.grad for u in logits] == pytest.approx([a - b for a, b in zip(y, t, strict=True)])


def test_e18_the_input_side_layers_lose_the_gradient() -> None:
    """E18: the layers whose gradient shrinks are those nearest the *input* (w_ij, δ_j)."""
    net = _four_layer("sigmoid")
    mean_delta = [sum(abs(u.grad) for u in layer) / len(layer) for layer in net["u"]]
    assert mean_delta[0] < mean_delta[1] < mean_delta[2]  # input side smallest
    u_j, u_k, u_l = net["u"]
    w_jk, w_kl = net["w"][1], net["w"][2]
    for j in range(len(u_j)):
        # δ_j reaches the output's δ_l through two sigmoid factors, each at most 0.25
        paths = sum(
            abs(w_jk[k][j].data * w_kl[l_][k].data * u_l[l_].grad)
            for k in range(len(u_k))
            for l_ in range(len(u_l))
        )
        assert abs(u_j[j].grad) <= 0.0625 * paths + 1e-15


def test_e19_the_wine_answer_is_a_softmax() -> None:
    """E19: the chapter's 0.15 / 0.85 is a softmax output; chapter.wine_network() gives it."""
    from autograd_mini.losses import softmax

    net = chapter.wine_network()
    outputs = net(list(chapter.WINE_QUERY))
    assert isinstance(outputs, list) and len(outputs) == 2
    probs = [p.data for p in softmax(outputs)]
    assert [round(p, 2) for p in probs] == [0.15, 0.85]
    assert sum(probs) == pytest.approx(1.0, rel=1e-15)
    raw = [y.data for y in outputs]
    assert sum(raw) != pytest.approx(1.0)  # the raw outputs are not probabilities
    expected = [math.exp(v) / sum(math.exp(r) for r in raw) for v in raw]
    assert probs == pytest.approx(expected, rel=1e-12)
    assert chapter.WINE_CLASSES[probs.index(max(probs))] == "red"


# -- the quotes of docs/errata.md, against the chapter itself --------------------------------

ROOT = Path(__file__).resolve().parent.parent
ERRATA = ROOT / "docs" / "errata.md"
CHAPTER = ROOT.parent / "shared" / "seed" / "neural-networks-chapter.ja.md"
QUOTE = re.compile(r"`([^`]+)`|「([^」]+)」")
#: Every line the errata's prose refers to ("line 54"), with a fragment that line must hold.
REFERENCES: dict[str, tuple[tuple[int, ...], str]] = {
    "lines 36–58": ((36, 58), "$$"),
    "line 54": ((54,), "b_{3}"),
    "lines 206 and 208": ((206, 208), "w_{2}^{(1)}"),
    "line 292": ((292,), r"u_{l}&=\cdots +w_{kl}h_{k}+\cdots"),
    "line 300": ((300,), r"\sum ^{L}_{l=1}"),
    "line 313": ((313,), r"\sum_{l=1}^{L}"),
    "line 19": ((19,), "2層で1セット"),
    "line 111": ((111,), "目的関数"),
    "line 333": ((333,), "手計算で確認"),
}


def _chapter_lines() -> list[str]:
    if not CHAPTER.is_file():
        pytest.skip("the chapter's Markdown is not next to the repository")
    return CHAPTER.read_text(encoding="utf-8").splitlines()


def _cited_lines(field: str, last: int) -> list[int]:
    """'153–158, 177' → [153, …, 158, 177]; '77 and after' → [77, …, last]."""
    lines: list[int] = []
    for a, b in re.findall(r"(\d+)(?:–(\d+))?", field):
        lines += range(int(a), int(b or a) + 1)
    if "and after" in field:
        lines += range(lines[-1], last + 1)
    return lines


def _table_rows(text: str) -> list[tuple[str, str]]:
    """(line field, as-printed field) of every row of the errata's tables."""
    rows = []
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
        if not line.startswith("| ") or len(cells) < 3 or set(cells[0]) <= {"-", "|"}:
            continue
        if re.fullmatch(r"E\d+|—", cells[0]):
            rows.append((cells[1], cells[2]))
        elif re.match(r"\d", cells[0]):
            rows.append((cells[0], cells[1]))
    return rows


def test_errata_quotes_match_the_chapter() -> None:
    """Every quote of docs/errata.md is on the line(s) it names, and every line it mentions
    holds what the errata say it holds."""
    chapter_lines = _chapter_lines()
    text = ERRATA.read_text(encoding="utf-8")
    rows = _table_rows(text)
    assert len(rows) >= 30
    checked = 0
    for field, printed in rows:
        cited = _cited_lines(field, len(chapter_lines))
        assert cited and max(cited) <= len(chapter_lines), f"no such line: {field}"
        source = "\n".join(chapter_lines[n - 1] for n in cited)
        quotes = [a or b for a, b in QUOTE.findall(printed)]
        if printed != "same line":
            assert quotes, f"line {field}: no quote in {printed[:40]!r}"
        for quote in quotes:
            for fragment in filter(None, (f.strip() for f in quote.split("…"))):
                assert fragment in source, f"line {field}: {fragment[:50]!r} is not there"
                checked += 1
    assert checked >= 40
    for mention in re.findall(r"lines? \d+(?:(?:–| and )\d+)?", text):
        assert mention in REFERENCES, f"errata.md mentions {mention!r}: add it to REFERENCES"
    for numbers, fragment in REFERENCES.values():
        for n in numbers:
            assert fragment in chapter_lines[n - 1], f"line {n} does not hold {fragment!r}"


def test_japanese_summary_cites_the_same_lines() -> None:
    """The 日本語の要約 gives each entry the line numbers of its table row."""
    text = ERRATA.read_text(encoding="utf-8")
    table = {m.group(1): m.group(2) for m in re.finditer(r"^\| (E\d+) \| ([^|]+?) \|", text, re.M)}
    summary = text[text.index("## 日本語の要約") :]
    cited = re.findall(r"\*\*(E\d+)\*\*（(?:注、)?([\d–, ]+)行目）", summary)
    assert {e for e, _ in cited} == set(table)
    for entry, lines in cited:
        assert lines == table[entry], f"{entry}: 要約は {lines}行目, 表は {table[entry]}"
