"""SGD and Adam against updates computed by hand (PyTorch's rules; see also
test_interop_torch.py for the comparison with torch.optim itself)."""

from __future__ import annotations

import math

import pytest

from autograd_mini import Value
from autograd_mini.optim import SGD, Adam


def _params(*xs: float) -> list[Value]:
    return [Value(x) for x in xs]


class TestSGD:
    def test_chapter_update(self) -> None:
        """w₁⁽¹⁾ = w₁⁽⁰⁾ − ρ ∂L/∂w₁ = 3 − 0.01 × 286 = 0.14."""
        (w,) = _params(3.0)
        w.grad = 286.0
        SGD([w], lr=0.01).step()
        assert w.data == pytest.approx(0.14, abs=1e-15)

    def test_momentum_and_weight_decay_three_steps(self) -> None:
        (w,) = _params(1.0)
        opt = SGD([w], lr=0.1, momentum=0.9, weight_decay=0.01)
        grads = [0.5, -0.2, 0.3]
        expected_w, buf = 1.0, None
        for g in grads:
            w.grad = g
            opt.step()
            d = g + 0.01 * expected_w
            buf = d if buf is None else 0.9 * buf + d
            expected_w -= 0.1 * buf
            assert w.data == pytest.approx(expected_w, rel=1e-15)
        # By hand: d₁ = 0.51, w = 0.949; d₂ = −0.19051, b = 0.26849, w = 0.922151.
        assert opt.buffers[0] is not None

    def test_momentum_by_hand(self) -> None:
        (w,) = _params(1.0)
        opt = SGD([w], lr=0.1, momentum=0.9)
        w.grad = 1.0
        opt.step()  # b = 1, w = 0.9
        w.grad = 1.0
        opt.step()  # b = 0.9 + 1 = 1.9, w = 0.9 − 0.19 = 0.71
        assert w.data == pytest.approx(0.71, abs=1e-15)

    def test_nesterov_and_dampening(self) -> None:
        (w,) = _params(0.0)
        opt = SGD([w], lr=1.0, momentum=0.5, nesterov=True)
        w.grad = 2.0
        opt.step()  # b = 2, step = g + μb = 3
        assert w.data == -3.0
        (v,) = _params(0.0)
        damp = SGD([v], lr=1.0, momentum=0.5, dampening=0.5)
        v.grad = 2.0
        damp.step()  # first step: b = g = 2
        v.grad = 2.0
        damp.step()  # b = 0.5·2 + 0.5·2 = 2
        assert v.data == -4.0

    def test_zero_grad_and_value_gradients(self) -> None:
        a, b = _params(1.0, 2.0)
        a.grad, b.grad = 3.0, Value(4.0)  # a create_graph gradient is a Value
        opt = SGD([a, b], lr=0.5)
        opt.step()
        assert (a.data, b.data) == (-0.5, 0.0)
        opt.zero_grad()
        assert (a.grad, b.grad) == (0.0, 0.0)

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"lr": 0.0}, "lr must be a positive number"),
            ({"lr": math.nan}, "lr must be a positive number"),
            ({"lr": 0.1, "momentum": -0.1}, "momentum"),
            ({"lr": 0.1, "weight_decay": -1.0}, "weight_decay"),
            ({"lr": 0.1, "nesterov": True}, "nesterov=True needs momentum"),
        ],
    )
    def test_bad_arguments(self, kwargs: dict, match: str) -> None:
        with pytest.raises(ValueError, match=match):
            SGD(_params(1.0), **kwargs)

    def test_bad_parameter_lists(self) -> None:
        with pytest.raises(ValueError, match="empty parameter list"):
            SGD([], lr=0.1)
        w = Value(1.0, label="w_1")
        with pytest.raises(ValueError, match="parameter w_1 appears twice"):
            SGD([w, w], lr=0.1)
        with pytest.raises(TypeError, match="parameters must be Values, got float"):
            SGD([1.0], lr=0.1)  # type: ignore[list-item]


class TestAdam:
    def test_first_step_moves_by_lr_times_sign(self) -> None:
        """With bias correction the first step is lr · g/(|g| + ε') ≈ lr · sign(g)."""
        a, b = _params(1.0, -1.0)
        a.grad, b.grad = 0.3, -20.0
        Adam([a, b], lr=0.1).step()
        assert a.data == pytest.approx(0.9, rel=1e-7)
        assert b.data == pytest.approx(-0.9, rel=1e-7)

    def test_two_steps_by_hand(self) -> None:
        (w,) = _params(0.5)
        opt = Adam([w], lr=0.01, betas=(0.9, 0.99), eps=1e-8, weight_decay=0.1)
        m = v = 0.0
        expected = 0.5
        for t, g in enumerate([0.2, -0.4], 1):
            w.grad = g
            opt.step()
            d = g + 0.1 * expected
            m = 0.9 * m + 0.1 * d
            v = 0.99 * v + 0.01 * d * d
            m_hat, v_hat = m / (1 - 0.9**t), v / (1 - 0.99**t)
            expected -= 0.01 * m_hat / (math.sqrt(v_hat) + 1e-8)
            assert w.data == pytest.approx(expected, rel=1e-13)
        assert opt.steps == 2

    def test_minimizes_a_quadratic(self) -> None:
        x, y = _params(3.0, -2.0)
        opt = Adam([x, y], lr=0.1)
        for _ in range(300):
            opt.zero_grad()
            loss = (x - 1) ** 2 + 10 * (y + 0.5) ** 2
            loss.backward()
            opt.step()
        assert (x.data, y.data) == (pytest.approx(1.0, abs=1e-3), pytest.approx(-0.5, abs=1e-3))

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"betas": (1.0, 0.999)}, "β₁"),
            ({"betas": (0.9, -0.1)}, "β₂"),
            ({"betas": (0.9,)}, "betas must be a pair"),
            ({"eps": -1.0}, "eps"),
        ],
    )
    def test_bad_arguments(self, kwargs: dict, match: str) -> None:
        with pytest.raises(ValueError, match=match):
            Adam(_params(1.0), **kwargs)


@pytest.mark.parametrize("eps", [0.0, -0.0, -1e-300, math.nan, math.inf])
def test_adam_refuses_eps_that_is_not_a_positive_finite_number(eps: float) -> None:
    """Issue 15: Adam(eps=0) with a zero gradient divided 0 by 0 (a bare ZeroDivisionError).
    eps must be > 0 and finite, refused in one line at construction."""
    with pytest.raises(ValueError, match=r"^Adam: eps must be a finite number > 0, got "):
        Adam(_params(1.0), eps=eps)


def test_adam_with_a_tiny_eps_and_a_zero_gradient_stays_put() -> None:
    (w,) = params = _params(1.0)
    opt = Adam(params, eps=5e-324)
    w.grad = 0.0
    opt.step()
    assert w.data == 1.0
