"""grad, value_and_grad, numerical_grad and gradcheck."""

import math
import re

import pytest

from autograd_mini import Value, grad, gradcheck, numerical_grad, value_and_grad


def f(x: Value, y: Value) -> Value:
    return x * x * y + (x * y).exp()


def test_grad_and_value_and_grad() -> None:
    dx, dy = grad(f)(1.0, 2.0)
    assert dx == pytest.approx(2 * 1 * 2 + 2 * math.exp(2))
    assert dy == pytest.approx(1 + 1 * math.exp(2))
    value, grads = value_and_grad(f)(1.0, 2.0)
    assert value == pytest.approx(2 + math.exp(2)) and grads == (dx, dy)


def test_numerical_grad_matches_analytic() -> None:
    numeric = numerical_grad(f, 1.0, 2.0)
    assert numeric == pytest.approx(grad(f)(1.0, 2.0), rel=1e-7)


def test_gradcheck_passes_on_correct_gradients() -> None:
    assert gradcheck(f, 0.3, -0.7) is True


def test_gradcheck_lists_every_input_when_it_fails() -> None:
    def detached(x: Value, y: Value) -> Value:
        # the second factor is cut from the graph, so the analytic ∂/∂x is x, not 2x
        return x * Value(x.data) + y

    with pytest.raises(AssertionError) as failure:
        gradcheck(detached, 3.0, 1.0)
    lines = str(failure.value).splitlines()
    # the numeric values are 6 and 1 up to rounding (printed in full)
    assert re.fullmatch(
        r"  x0 = 3\.0: analytic 3\.0, numeric (6\.0|5\.9999)\d*  <-- differs", lines[1]
    )
    assert re.fullmatch(r"  x1 = 1\.0: analytic 1\.0, numeric (1\.0|0\.9999)\d*", lines[2])


def test_function_must_return_a_value() -> None:
    with pytest.raises(TypeError, match="must return one Value, got float"):
        grad(lambda x: 1.0)(2.0)


def test_grad_leaves_the_grad_of_captured_values_alone() -> None:
    """grad(f) is a pure function: a parameter f closes over gets no .grad written."""
    w = Value(3.0)
    w.grad = 0.5
    assert grad(lambda x: x * w)(2.0) == (3.0,)
    assert value_and_grad(lambda x: x * w + x)(2.0) == (8.0, (4.0,))
    assert w.grad == 0.5


def test_numerical_grad_steps_relative_to_large_inputs() -> None:
    """At x = 1e11 an absolute step of 1e-6 is below the float spacing (1.5e-5)."""
    assert numerical_grad(lambda x: x * x, 1e11)[0] == pytest.approx(2e11, rel=1e-9)
    assert numerical_grad(lambda x: x * x, 1e6)[0] == pytest.approx(2e6, rel=1e-9)
    assert gradcheck(lambda x: x * x, 1e11) is True
    with pytest.raises(ValueError, match=r"eps=1e-20 does not move x0 = 1\.0"):
        numerical_grad(lambda x: x * x, 1.0, eps=1e-20)


def test_gradcheck_tolerance_is_atol_plus_rtol_times_numeric() -> None:
    """|analytic − numeric| ≤ atol + rtol·|numeric| (as documented), not math.isclose's rule."""

    def detached(x: Value) -> Value:
        return x + x * Value(x.data) * 0.25  # analytic ∂/∂x = 1 + 0.25x, numeric 1 + 0.5x

    # at x = 2: analytic 1.5, numeric 2.0, |difference| 0.5
    assert gradcheck(detached, 2.0, rtol=0.2, atol=0.15) is True  # 0.5 ≤ 0.15 + 0.2·2
    # (math.isclose would refuse it: 0.5 > max(0.2·2, 0.15))
    with pytest.raises(AssertionError, match="differs"):
        gradcheck(detached, 2.0, rtol=0.2, atol=0.05)  # 0.5 > 0.05 + 0.2·2
