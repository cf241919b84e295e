"""Losses: values, gradients, stability from logits, and clear errors."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_mini import Value, gradcheck
from autograd_mini.losses import (
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge,
    log_softmax,
    mean,
    mse,
    softmax,
)

logits_strategy = st.lists(
    st.floats(min_value=-50, max_value=50, allow_nan=False), min_size=2, max_size=5
)


class TestMSE:
    def test_chapter_example(self) -> None:
        y = Value(33.0)
        loss = mse(y, 20.0)  # L = (1/1)(20 − 33)² = 169
        loss.backward()
        assert loss.data == 169.0
        assert y.grad == 26.0  # ∂L/∂y = 2(y − t), the chapter's 26

    def test_mean_over_n(self) -> None:
        ys = [Value(1.0), Value(2.0), Value(4.0)]
        loss = mse(ys, [0.0, 0.0, 1.0])
        loss.backward()
        assert loss.data == pytest.approx((1 + 4 + 9) / 3)
        assert [y.grad for y in ys] == pytest.approx([2 / 3, 4 / 3, 2.0])

    def test_length_mismatch(self) -> None:
        with pytest.raises(ValueError, match="mse: 2 predictions but 3 targets"):
            mse([Value(1.0), Value(2.0)], [1.0, 2.0, 3.0])

    def test_empty(self) -> None:
        with pytest.raises(ValueError, match="mse: needs at least one value"):
            mse([], [])

    def test_numpy_targets_and_predictions_work_like_lists(self) -> None:
        """A NumPy row is a target like a list (as cross_entropy accepts one)."""
        np = pytest.importorskip("numpy")
        ys = [Value(1.0), Value(2.0)]
        expected = mse(ys, [0.5, 3.0]).data
        assert mse(ys, np.array([0.5, 3.0])).data == expected
        assert mse(np.array([1.0, 2.0]), (0.5, 3.0)).data == expected
        with pytest.raises(ValueError, match="mse: 2 predictions but 3 targets"):
            mse(ys, np.zeros(3))


class TestSoftmax:
    @given(logits_strategy)
    def test_probabilities_sum_to_one(self, xs: list[float]) -> None:
        ps = softmax([Value(x) for x in xs])
        assert all(0 <= p.data <= 1 for p in ps)
        assert math.fsum(p.data for p in ps) == pytest.approx(1.0, abs=1e-12)

    def test_huge_logits(self) -> None:
        ps = softmax([Value(1000.0), Value(0.0), Value(-1000.0)])
        assert [p.data for p in ps] == [1.0, 0.0, 0.0]
        lps = log_softmax([Value(1000.0), Value(0.0)])
        assert [v.data for v in lps] == [0.0, -1000.0]

    def test_matches_definition(self) -> None:
        xs = [0.5, -1.0, 2.0]
        z = sum(math.exp(x) for x in xs)
        assert [p.data for p in softmax(xs)] == pytest.approx([math.exp(x) / z for x in xs])

    def test_wine_output_layer(self) -> None:
        """The chapter's output: y₁ = 0.15 (white), y₂ = 0.85 (red) from logits u."""
        u = [0.0, math.log(0.85 / 0.15)]
        ps = [p.data for p in softmax(u)]
        assert ps == pytest.approx([0.15, 0.85]) and sum(ps) == pytest.approx(1.0)


class TestCrossEntropy:
    def test_stable_at_extreme_logits(self) -> None:
        logits = [Value(1000.0), Value(0.0)]
        loss = cross_entropy(logits, 1)
        loss.backward()
        assert loss.data == 1000.0
        assert [u.grad for u in logits] == [1.0, -1.0]
        assert all(math.isfinite(u.grad) for u in logits)

    def test_index_one_hot_and_definition_agree(self) -> None:
        xs = [0.2, -0.5, 1.5]
        expected = -math.log(math.exp(xs[2]) / sum(math.exp(x) for x in xs))
        assert cross_entropy(xs, 2).data == pytest.approx(expected, rel=1e-14)
        assert cross_entropy(xs, [0, 0, 1]).data == pytest.approx(expected, rel=1e-14)

    def test_probability_targets_and_gradient(self) -> None:
        us = [Value(0.3), Value(-0.1), Value(0.9)]
        t = [0.2, 0.5, 0.3]
        loss = cross_entropy(us, t)
        loss.backward()
        ps = [p.data for p in softmax([u.data for u in us])]
        expected = -sum(ti * math.log(pi) for ti, pi in zip(t, ps, strict=True))
        assert loss.data == pytest.approx(expected, rel=1e-13)
        # ∂L/∂u_k = y_k · Σt − t_k = y_k − t_k for probabilities summing to 1.
        assert [u.grad for u in us] == pytest.approx(
            [p - ti for p, ti in zip(ps, t, strict=True)], abs=1e-14
        )

    @given(logits_strategy, st.data())
    @settings(max_examples=30)
    def test_nonnegative_and_gradients_sum_to_zero(
        self, xs: list[float], data: st.DataObject
    ) -> None:
        k = data.draw(st.integers(min_value=0, max_value=len(xs) - 1))
        us = [Value(x) for x in xs]
        loss = cross_entropy(us, k)
        loss.backward()
        assert loss.data >= 0
        assert math.fsum(u.grad for u in us) == pytest.approx(0.0, abs=1e-12)

    def test_gradcheck(self) -> None:
        assert gradcheck(lambda a, b, c: cross_entropy([a, b, c], 0), 0.1, -0.4, 0.7)

    @pytest.mark.parametrize(
        ("target", "error", "match"),
        [
            (3, ValueError, "class index 3 is out of range for 3 logits"),
            (-1, ValueError, "class index -1 is out of range"),
            (True, TypeError, "class index must be an int"),
            (1.0, TypeError, "class index must be an int"),
            ([1, 0], ValueError, "3 logits but a target of 2 probabilities"),
            ([0.5, -0.5, 1.0], ValueError, "must be ≥ 0"),
            ([0.5, math.nan, 0.5], ValueError, "must be ≥ 0"),
            ([0.3, 0.3, 0.3], ValueError, r"must sum to 1, got 0\.9"),
            ([0, 0, 0], ValueError, "must sum to 1, got 0"),
            ([1, 1, 0], ValueError, "must sum to 1, got 2"),
        ],
    )
    def test_bad_targets(self, target: object, error: type, match: str) -> None:
        with pytest.raises(error, match=match):
            cross_entropy([0.0, 1.0, 2.0], target)  # type: ignore[arg-type]

    def test_docstring_states_the_missing_minus_sign(self) -> None:
        assert cross_entropy.__doc__ is not None and "minus sign" in cross_entropy.__doc__


class TestBinaryAndHinge:
    @pytest.mark.parametrize("x", [-3.0, -0.2, 0.0, 0.7, 4.0])
    @pytest.mark.parametrize("t", [0.0, 0.3, 1.0])
    def test_bce_matches_definition(self, x: float, t: float) -> None:
        s = 1 / (1 + math.exp(-x))
        expected = -(t * math.log(s) + (1 - t) * math.log(1 - s))
        v = Value(x)
        loss = binary_cross_entropy_with_logits(v, t)
        loss.backward()
        assert loss.data == pytest.approx(expected, rel=1e-12)
        assert v.grad == pytest.approx(s - t, rel=1e-12, abs=1e-15)  # ∂L/∂x = σ(x) − t

    def test_bce_is_finite_for_huge_logits(self) -> None:
        assert binary_cross_entropy_with_logits(Value(1000.0), 0.0).data == 1000.0
        assert binary_cross_entropy_with_logits(Value(-1000.0), 0.0).data == 0.0
        with pytest.raises(ValueError, match=r"target must be in \[0, 1\], got 2.0"):
            binary_cross_entropy_with_logits(Value(0.0), 2)

    def test_hinge(self) -> None:
        s = Value(0.25)
        loss = hinge(s, -1)
        loss.backward()
        assert loss.data == 1.25 and s.grad == 1.0
        assert hinge(Value(2.0), 1).data == 0.0
        with pytest.raises(ValueError, match="hinge: the target must be -1 or \\+1, got 0"):
            hinge(Value(1.0), 0)

    def test_mean(self) -> None:
        xs = [Value(1.0), Value(2.0), Value(6.0)]
        m = mean(xs)
        m.backward()
        assert m.data == 3.0 and m.op == "mul" and m.parents[0].op == "sum"
        assert [x.grad for x in xs] == [1 / 3] * 3


class TestRegistry:
    def test_builtin_records(self) -> None:
        from autograd_mini import losses

        assert losses.names() == ("mse", "cross_entropy", "hinge", "bce")
        rules = {name: losses.get(name).accuracy for name in losses.names()}
        assert rules == {
            "mse": None,
            "cross_entropy": losses.class_correct,
            "hinge": losses.sign_correct,
            "bce": losses.logit_correct,
        }
        assert losses.get("hinge")(Value(0.25), 1.0).data == 0.75  # a record calls its function
        assert losses.find(cross_entropy) is losses.get("cross_entropy")
        assert losses.find(losses.get("bce")) is losses.get("bce")
        assert losses.find(lambda y, t: y) is None

    def test_accuracy_rules(self) -> None:
        from autograd_mini.losses import class_correct, logit_correct, sign_correct

        assert sign_correct(0.3, 1) and sign_correct(-0.3, -1) and not sign_correct(0.3, -1)
        assert logit_correct(0.1, 1.0) and logit_correct(-0.1, 0.0) and not logit_correct(0.1, 0.2)
        assert class_correct([0.1, 2.0, -1.0], 1) and not class_correct([0.1, 2.0, -1.0], 0)
        assert class_correct([3.0, 2.0], [1.0, 0.0]) and not class_correct([3.0, 2.0], [0.0, 1.0])

    def test_bad_names_and_records(self) -> None:
        from autograd_mini import losses

        with pytest.raises(ValueError, match=r"unknown loss 'l1'; choose one of \['mse'"):
            losses.get("l1")
        with pytest.raises(ValueError, match="'mse' is already registered"):
            losses.register(losses.Loss("mse", mse, None, "again"))
        with pytest.raises(TypeError, match="expected a Loss, got function"):
            losses.register(mse)  # type: ignore[arg-type]
