"""autograd_mini.testing.check_grads: orders 1 and 2 against finite differences, the
mismatch report, relative steps and bad arguments."""

from __future__ import annotations

import math
import re
from typing import Any

import pytest

from autograd_mini import Value
from autograd_mini.engine import apply
from autograd_mini.ops import Op
from autograd_mini.testing import check_grads
from autograd_mini.testing.gradcheck import DEFAULT_ATOL, DEFAULT_EPS, DEFAULT_RTOL


def f_xy(x: Value, y: Value) -> Value:
    return x * x * y + (x * y).exp() + (x / (y * y + 1.0)).tanh()


def data(x: Any) -> Any:
    return x.data if isinstance(x, Value) else x


#: x³ whose derivative rule is right on floats but reads x's number: as a Value it is a
#: constant, so the second derivative through create_graph is 0 instead of 6x.
FLAT_CUBE = Op(
    "flat_cube",
    "cube",
    lambda m, x: x * x * x,
    lambda m, out, x: (3.0 * data(x) ** 2,),
    "∂/∂x = 3x² (as a constant: wrong at order 2)",
)
#: tanh with the derivative 1 − tanh (not 1 − tanh²): wrong at order 1.
WRONG_TANH = Op(
    "wrong_tanh", "tanh", lambda m, x: m.tanh(x), lambda m, out, x: (1.0 - out,), "wrong"
)


def test_defaults_are_the_documented_ones() -> None:
    assert DEFAULT_EPS == 6e-6 and abs(DEFAULT_EPS - 2.2e-16 ** (1 / 3)) < 1e-6
    assert (DEFAULT_RTOL, DEFAULT_ATOL) == (1e-5, 1e-6)


@pytest.mark.parametrize("at", [(0.5, 1.2), (-1.3, 0.4), (0.0, 0.0), (2.0, -1.5)])
def test_a_correct_function_passes_both_orders(at: tuple[float, float]) -> None:
    assert check_grads(f_xy, at) is None
    assert check_grads(f_xy, at, order=1) is None


def test_steps_are_relative_to_the_input() -> None:
    """At x = 1e6 an absolute step of 6e-6 is only ~50 float spacings; relative, it works."""
    check_grads(lambda x: x.log() * x, [1e6])
    check_grads(lambda x: (x * 1e-6).tanh(), [3e5])


def test_a_wrong_first_derivative_is_reported_with_every_input() -> None:
    with pytest.raises(AssertionError) as caught:
        check_grads(lambda x, y: apply(WRONG_TANH, x) * y, [0.5, 2.0])
    text = str(caught.value)
    first, *rows = text.splitlines()
    assert first.startswith("check_grads(<lambda>): order-1 derivatives differ")
    assert first.endswith("at x0 = 0.5, x1 = 2.0")
    t = math.tanh(0.5)
    analytic = re.search(r"order 1 ∂f/∂x0: analytic (\S+), numeric (\S+)  <-- differs", rows[0])
    assert analytic is not None
    assert float(analytic.group(1)) == pytest.approx(2.0 * (1 - t))
    assert float(analytic.group(2)) == pytest.approx(2.0 * (1 - t * t), rel=1e-8)
    assert rows[1].startswith("  order 1 ∂f/∂x1: analytic ") and "differs" not in rows[1]


def test_a_wrong_second_derivative_is_reported_at_order_2() -> None:
    check_grads(lambda x: apply(FLAT_CUBE, x), [1.5], order=1)  # first order is right
    with pytest.raises(AssertionError) as caught:
        check_grads(lambda x: apply(FLAT_CUBE, x), [1.5])
    first, row = str(caught.value).splitlines()
    assert "order-2 derivatives differ" in first and first.endswith("at x0 = 1.5")
    match = re.fullmatch(r"  order 2 ∂²f/∂x0∂x0: analytic (\S+), numeric (\S+)  <-- differs", row)
    assert match is not None
    assert float(match.group(1)) == 0.0
    assert float(match.group(2)) == pytest.approx(9.0, rel=1e-8)  # 6x at 1.5


def test_a_kink_fails_rather_than_passes() -> None:
    with pytest.raises(AssertionError, match=r"analytic 0\.0, numeric 0\.5"):
        check_grads(lambda x: x.relu(), [0.0], order=1)


def test_tolerances_are_applied() -> None:
    f = lambda x: apply(WRONG_TANH, x)  # noqa: E731
    at = [0.1]  # 1 − t vs 1 − t²: differ by t − t² ≈ 0.09
    with pytest.raises(AssertionError):
        check_grads(f, at, order=1)
    check_grads(f, at, order=1, atol=0.1)


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "message"),
    [
        ("ab", {}, TypeError, "args must be a sequence of numbers, got str"),
        ([1.0, "x"], {}, TypeError, r"args\[1\] must be a real number, got 'x'"),
        ([math.nan], {}, ValueError, r"args\[0\] = nan is not finite"),
        ([1.0], {"order": 3}, ValueError, "order must be 1 or 2, got 3"),
        ([1.0], {"order": True}, ValueError, "order must be 1 or 2, got True"),
        ([1.0], {"eps": 0.0}, ValueError, "eps must be > 0"),
        ([1.0], {"eps": 1e-300}, ValueError, "does not move x0 = 1.0"),
    ],
)
def test_bad_arguments_are_one_line_errors(
    args: Any, kwargs: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        check_grads(lambda x: x * x, args, **kwargs)


def test_f_must_return_a_value() -> None:
    with pytest.raises(TypeError, match=r"check_grads: <lambda> must return one Value, got 2.0"):
        check_grads(lambda x: 2.0, [1.0])


def test_f_undefined_within_the_step_is_named() -> None:
    with pytest.raises(ValueError, match=r"f is undefined within the step of x0 = 1e-06"):
        check_grads(lambda x: x.log(), [1e-6], order=1)
