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
    assert re.fullmatch(r"  x0 = 3\.0: analytic 3\.0, numeric 6\.0000\d*  <-- differs", lines[1])
    assert re.fullmatch(r"  x1 = 1\.0: analytic 1\.0, numeric 0\.9999\d*", lines[2])


def test_function_must_return_a_value() -> None:
    with pytest.raises(TypeError, match="must return one Value, got float"):
        grad(lambda x: 1.0)(2.0)
