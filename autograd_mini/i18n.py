"""English and Japanese text for the chapter's terms and the CLI's chapter commands.

The chapter is Japanese; ``autograd-mini walkthrough --lang ja`` (and ``vanishing``,
``demo``) print its own words — 線形変換, 非線形変換, 目的関数, 学習係数, 誤差逆伝播法 —
instead of the English default. :data:`TERMS` is the term table, :data:`MESSAGES` the
sentences, each a pair (English, Japanese) with ``str.format`` fields.

>>> term("objective", "ja"), term("objective")
('目的関数', 'objective function')
>>> text("step3", "ja", rho="0.01")
'Step3. 誤差逆伝播法で勾配を求め、学習係数 ρ = 0.01 で1回更新する'
>>> check_lang("fr")
Traceback (most recent call last):
  ...
ValueError: language must be 'en' or 'ja', not 'fr'
"""

from __future__ import annotations

__all__ = [
    "FONT_FAMILIES",
    "LANGUAGES",
    "MESSAGES",
    "TERMS",
    "check_lang",
    "term",
    "term_table",
    "text",
]

#: The languages offered (``--lang``); English is the default.
LANGUAGES: tuple[str, ...] = ("en", "ja")

#: matplotlib's ``font.family`` for figures in each language: Japanese labels need a CJK
#: font (Debian's fonts-noto-cjk, installed by ``scripts/ensure-system-deps.sh cjk``), listed
#: after DejaVu Sans so Latin letters and symbols keep their usual look.
FONT_FAMILIES: dict[str, tuple[str, ...]] = {
    "en": ("DejaVu Sans",),
    "ja": ("DejaVu Sans", "Noto Sans CJK JP"),
}

#: The chapter's terms: key → (English, the chapter's Japanese).
TERMS: dict[str, tuple[str, str]] = {
    "input_layer": ("input layer", "入力層"),
    "hidden_layer": ("hidden layer", "中間層"),
    "output_layer": ("output layer", "出力層"),
    "node": ("node", "ノード"),
    "layer": ("layer", "層"),
    "fully_connected": ("fully connected neural network", "全結合のニューラルネットワーク"),
    "weight": ("weight", "重み"),
    "bias": ("bias", "バイアス"),
    "parameter": ("parameter", "パラメータ"),
    "linear_transform": ("linear transform", "線形変換"),
    "nonlinear_transform": ("non-linear transform", "非線形変換"),
    "activation": ("activation function", "活性化関数"),
    "sigmoid": ("sigmoid function", "シグモイド関数"),
    "relu": ("ReLU function", "ReLU 関数"),
    "softmax": ("softmax function", "ソフトマックス関数"),
    "regression": ("regression", "回帰"),
    "classification": ("classification", "分類"),
    "discriminant_function": ("discriminant function", "識別関数"),
    "discriminative_model": ("discriminative model", "識別モデル"),
    "generative_model": ("generative model", "生成モデル"),
    "objective": ("objective function", "目的関数"),
    "mse": ("mean squared error", "平均二乗誤差"),
    "cross_entropy": ("cross-entropy", "クロスエントロピー"),
    "target": ("target (teacher data)", "教師データ"),
    "gradient_descent": ("gradient descent", "最急降下法"),
    "learning_rate": ("learning rate", "学習係数"),
    "chain_rule": ("chain rule", "チェインルール"),
    "backpropagation": ("backpropagation", "誤差逆伝播法"),
    "vanishing_gradient": ("vanishing gradients", "勾配消失（勾配が消失する問題）"),
}

#: The sentences of ``walkthrough``, ``vanishing`` and the demo page: key → (en, ja).
MESSAGES: dict[str, tuple[str, str]] = {
    # walkthrough
    "intro": (
        "The chapter's worked example: xᵀ = [2, 3, 1], t = 20, ReLU hidden layer",
        "章の数値例：xᵀ = [2, 3, 1]、教師データ t = 20、中間層の活性化関数は ReLU 関数",
    ),
    "intro_names": (
        "(w₁ is the weight from h₁₁ to y and w₂ the weight from x₁ to u₁₁, as in the\n"
        " chapter; the other six weights are numbered w₃ … w₈)",
        "（章と同じく w₁ は h₁₁ から y への重み、w₂ は x₁ から u₁₁ への重み。\n"
        " 残りの6つの重みは w₃ … w₈ と番号を付ける）",
    ),
    "step1": (
        "Step 1. Linear and non-linear transforms (u = Wx, h = ReLU(u); no bias)",
        "Step1. 線形変換と非線形変換（u = Wx、h = ReLU(u)。バイアスは省略）",
    ),
    "note_e1": ("(the chapter prints −11: errata E1)", "（章では −11：正誤表 E1）"),
    "step2": (
        "Step 2. Objective: squared error, N = 1",
        "Step2. 目的関数：平均二乗誤差（N = 1）",
    ),
    "step3": (
        "Step 3. Gradients by backpropagation, then one update with ρ = {rho}",
        "Step3. 誤差逆伝播法で勾配を求め、学習係数 ρ = {rho} で1回更新する",
    ),
    "relu_prime": ("(ReLU′(u) = 1 for u > 0)", "（u > 0 では ReLU′(u) = 1）"),
    "every_gradient": (
        "every weight: ∂L/∂(w₁ … w₈) = {grads}",
        "すべての重み：∂L/∂(w₁ … w₈) = {grads}",
    ),
    "note_e8": (
        "(the chapter labels this line w₁: errata E8)",
        "（章ではこの行の左辺が w₁ になっている：正誤表 E8）",
    ),
    "loss_w1_w2": (
        "L after updating w₁ and w₂ only (as the chapter does) = {loss}",
        "w₁ と w₂ だけを更新したとき（章の手順）の目的関数 L = {loss}",
    ),
    "loss_every": (
        "L after updating every weight (w₃ and w₄ move too) = {loss}",
        "すべての重みを更新したとき（w₃ と w₄ も動く）の目的関数 L = {loss}",
    ),
    "why_both_rise": (
        "both are above L = {before}: ρ = {rho} overshoots. y should fall from {y0} to\n"
        "t = {t}; the step takes it to {y12} (w₁, w₂) or {yall} (every weight): each extra\n"
        "weight moved downhill pushes y further past t, so the loss is larger (errata E11)",
        "どちらも更新前の L = {before} より大きい。ρ = {rho} では行き過ぎてしまう。\n"
        "y は {y0} から t = {t} まで下がればよいが、1回の更新で {y12}（w₁, w₂ のみ）\n"
        "または {yall}（すべての重み）まで下がる。勾配の逆方向に動く重みが多いほど y は t を\n"
        "大きく通り過ぎるので、目的関数も大きくなる（正誤表 E11）",
    ),
    "more_steps": (
        "{steps} gradient steps with ρ = {lr} from the initial weights",
        "初期値から、学習係数 ρ = {lr} の最急降下法で {steps} 回更新する",
    ),
    "step_line": ("step {k:>3}  L = {loss}", "{k:>3} 回目  L = {loss}"),
    # the names of walkthrough's numbers and files (the demo page's table and captions)
    "num_w_after": ("w_{i} after", "更新後の w_{i}"),
    "num_loss_w1_w2": ("L after the update (w_1, w_2 only)", "更新後の L（w_1, w_2 のみ更新）"),
    "num_loss_every": ("L after the update (every weight)", "更新後の L（すべての重みを更新）"),
    "num_loss_steps": ("L after {steps} steps (ρ = {lr})", "{steps} 回更新後の L（ρ = {lr}）"),
    "file_graph": ("annotated graph", "値・勾配・δ を書き込んだ計算グラフ"),
    "file_network": (
        "the chapter's 3-2-1 network (u, h, δ per neuron)",
        "章の 3-2-1 ネットワーク（各ノードの u, h, δ）",
    ),
    "stepper_title": ("The chapter's worked example", "章の数値例"),
    # vanishing
    "max_slope": (
        "max σ′(u) over u ∈ [−10, 10] (by backward()) = {slope} at u = {at}; "
        "ReLU′(u) = 1 for every u > 0",
        "u ∈ [−10, 10] でのシグモイド関数の微分 σ′(u) の最大値（backward() で計算）は "
        "{slope}（u = {at}）。ReLU 関数の微分は u > 0 で常に 1",
    ),
    "at_most": (
        "so each sigmoid layer multiplies the gradient by at most 0.25 "
        "(the chapter's 「最低でも」 should read 「最大でも」, errata E9)",
        "したがってシグモイド関数の層を1つ通るごとに、勾配は最大でも 0.25 倍になる"
        "（章の「最低でも」は「最大でも」の誤り：正誤表 E9）",
    ),
    "vanishing_setup": (
        "MLP(2, [{width}] × {depth} + [1]) on 40 moons points, MSE, each activation with its "
        "default initialization (Xavier for sigmoid, He for ReLU); mean |∂L/∂W| per layer",
        "MLP(2, [{width}] × {depth} + [1])、moons の40点、平均二乗誤差。初期値はそれぞれの"
        "既定（シグモイド関数は Xavier、ReLU 関数は He）。層ごとの |∂L/∂W| の平均",
    ),
    "col_layer": ("layer", "層"),
    "sigmoid_ratio": (
        "sigmoid: layer 1 gets {ratio}× the gradient of layer {n}",
        "シグモイド関数：第1層の勾配は第{n}層の {ratio} 倍",
    ),
    "num_ratio_sigmoid": ("sigmoid: layer 1 / last layer", "シグモイド関数：第1層 / 最後の層"),
    "num_ratio_relu": ("relu: layer 1 / last layer", "ReLU 関数：第1層 / 最後の層"),
    "file_numbers": ("numbers (JSON)", "数値（JSON）"),
    "file_plot": ("mean |∂L/∂W| per layer (log scale)", "層ごとの |∂L/∂W| の平均（対数目盛り）"),
    "plot_x": ("layer (1 = next to the input)", "層（1 = 入力に最も近い層）"),
    "plot_y": ("mean |∂L/∂W|", "|∂L/∂W| の平均"),
    "plot_title": (
        "Vanishing gradients: the same architecture, sigmoid vs ReLU",
        "勾配消失：同じ構造でシグモイド関数と ReLU 関数を比べる",
    ),
    "plot_reference": ("0.25ⁿ (σ′ ≤ 0.25 per layer)", "0.25ⁿ（1層ごとに σ′ ≤ 0.25）"),
    # the demo page
    "demo_title": ("autograd-mini demo", "autograd-mini デモ"),
    "demo_intro": (
        "Every number below was computed by autograd-mini in this run ({seconds} s).\n"
        "The chapter's corrections are listed in the errata (<code>docs/errata.md</code>).",
        "以下の数値はすべて、今回の実行（{seconds} 秒）で autograd-mini が計算したものです。"
        "章の誤りの訂正は正誤表（<code>docs/errata.md</code>）にまとめてあります。",
    ),
    "demo_quantity": ("quantity", "量"),
    "demo_value": ("value", "値"),
    "demo_full_output": ("full output", "出力全体"),
    "demo_docs": ("Docs", "ドキュメント"),
}


def check_lang(lang: str) -> str:
    """``lang`` if it is one of :data:`LANGUAGES`, else a one-line ValueError."""
    if lang not in LANGUAGES:
        raise ValueError(f"language must be 'en' or 'ja', not {str(lang)[:20]!r}")
    return lang


def term(key: str, lang: str = "en") -> str:
    """The chapter term ``key`` in ``lang`` (``term("learning_rate", "ja") == "学習係数"``)."""
    if key not in TERMS:
        raise KeyError(f"i18n: no term {key[:40]!r}")
    return TERMS[key][LANGUAGES.index(check_lang(lang))]


def text(key: str, lang: str = "en", **fields: object) -> str:
    """The sentence ``key`` in ``lang``, its ``{fields}`` filled in."""
    if key not in MESSAGES:
        raise KeyError(f"i18n: no message {key[:40]!r}")
    return MESSAGES[key][LANGUAGES.index(check_lang(lang))].format(**fields)


def term_table() -> str:
    """The term table as Markdown rows: | English | 日本語 |.

    >>> print(term_table().splitlines()[2])
    | input layer | 入力層 |
    """
    rows = ["| English | 日本語 |", "|---------|--------|"]
    rows += [f"| {en} | {ja} |" for en, ja in TERMS.values()]
    return "\n".join(rows)
