"""The expression grapher's functions come from the op table, with each op's arity:
``maximum(a, b)``, ``clip(a, 0, 1)``, ``leaky_relu(a, 0.2)``; a wrong number of arguments is
one line naming the function and how it is called; ``graph --help`` lists them all."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograd_mini import Value
from autograd_mini.cli import build_parser, main
from autograd_mini.expression import ARITIES, FUNCTIONS, ExpressionError, evaluate, usage
from autograd_mini.ops import OPS


def test_the_functions_and_their_arities_are_the_tables() -> None:
    assert set(FUNCTIONS) == {name for name, op in OPS.items() if op.method}
    assert {"maximum", "minimum", "clip", "leaky_relu", "elu", "sin", "gelu"} <= set(FUNCTIONS)
    for name in FUNCTIONS:
        low, high = ARITIES[name]
        assert high == OPS[name].arity and 1 <= low <= high
    assert ARITIES["tanh"] == (1, 1) and ARITIES["maximum"] == (2, 2)
    assert ARITIES["clip"] == (3, 3) and ARITIES["leaky_relu"] == (1, 2)
    assert usage("clip") == "clip(x, lo, hi)" and usage("leaky_relu") == "leaky_relu(x[, slope])"
    assert usage("minimum") == "minimum(x, y)" and usage("exp") == "exp(x)"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("maximum(a, b)", lambda a, b: a.maximum(b)),
        ("minimum(a*b, 1.5)", lambda a, b: (a * b).minimum(1.5)),
        ("clip(a + b, -1, 1)", lambda a, b: (a + b).clip(-1.0, 1.0)),
        ("clip(a - b, -1, 1)", lambda a, b: (a - b).clip(-1.0, 1.0)),
        ("leaky_relu(b - a, 0.2)", lambda a, b: (b - a).leaky_relu(0.2)),
        ("leaky_relu(b - a)", lambda a, b: (b - a).leaky_relu()),
        ("elu(b - a, 2)", lambda a, b: (b - a).elu(2.0)),
        ("leaky_relu(b - a, a)", lambda a, b: (b - a).leaky_relu(a)),  # a Value slope
    ],
)
def test_multi_argument_functions_compute_their_op(text: str, expected: object) -> None:
    out, variables = evaluate(text, {"a": 1.25, "b": -0.5})
    out.backward()
    a, b = Value(1.25), Value(-0.5)
    want = expected(a, b)  # type: ignore[operator]
    want.backward()
    assert out.data == want.data and out.op == want.op
    assert (variables["a"].grad, variables["b"].grad) == (a.grad, b.grad)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("maximum(a)", "maximum() takes 2 positional arguments, as maximum(x, y) (got 1)"),
        ("clip(a, 0)", "clip() takes 3 positional arguments, as clip(x, lo, hi) (got 2)"),
        (
            "leaky_relu(a, 0.1, 2)",
            "leaky_relu() takes 1 or 2 positional arguments, as leaky_relu(x[, slope]) (got 3)",
        ),
        ("tanh(a, a)", "tanh() takes one positional argument, as tanh(x) (got 2)"),
        ("exp(a, b=1)", "exp() takes one positional argument, as exp(x) (got 1 and keywords)"),
        ("maximum + a", "maximum is a function; call it as maximum(x, y)"),
        ("clip(a, 2, 1)", "clip: the bounds lo = 2.0 > hi = 1.0"),
    ],
)
def test_a_wrong_call_is_one_line_naming_the_function(text: str, message: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        evaluate(text, {"a": 1.0})
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_graph_help_lists_the_functions_of_the_table(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        build_parser().parse_args(["graph", "--help"])
    assert done.value.code == 0
    text = " ".join(capsys.readouterr().out.split())  # argparse wraps the lines
    assert "functions (from the op table):" in text
    for name in FUNCTIONS:
        assert usage(name) in text, name


def test_graph_draws_a_multi_argument_call_and_refuses_a_wrong_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "g.dot"
    code = main(
        ["graph", "clip(a*b, 0, 1) + maximum(a, b)", "--at", "a=2", "b=0.25", "-o", str(target)]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    source = target.read_text(encoding="utf-8")
    assert "clip" in source and "max" in source
    code = main(["graph", "maximum(a)", "--at", "a=2", "-o", str(tmp_path / "h.dot")])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    (line,) = err.strip().splitlines()
    assert "maximum() takes 2 positional arguments, as maximum(x, y) (got 1)" in line
    assert not (tmp_path / "h.dot").exists()
