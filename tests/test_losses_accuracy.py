"""Losses at logits of any size, against 60-digit references (the standard library's decimal).

Issue 15, item 3: relative error 2e-12 at 1e5, 7e-7 at 1e10, 0.8% at 1e14 and, at 1e16,
``cross_entropy([1e16, 1e16], 0) == 0.0`` with gradients [0, 1] and a softmax summing to 2.
"""

from __future__ import annotations

import decimal
import math
from collections.abc import Sequence

import pytest

from autograd_mini import Value
from autograd_mini.losses import (
    binary_cross_entropy_with_logits,
    cross_entropy,
    log_softmax,
    softmax,
)

CTX = decimal.Context(prec=60)
D = decimal.Decimal


def ref_log_softmax(us: Sequence[float]) -> list[float]:
    """log softmax to 60 digits: uᵢ − m − log Σⱼ exp(uⱼ − m), every step in Decimal."""
    ds = [D(u) for u in us]  # exact: every float is a finite decimal
    m = max(ds)
    lse = CTX.ln(CTX.add(D(0), sum((CTX.exp(CTX.subtract(d, m)) for d in ds), D(0))))
    return [float(CTX.subtract(CTX.subtract(d, m), lse)) for d in ds]


def ref_softmax(us: Sequence[float]) -> list[float]:
    ds = [D(u) for u in us]
    m = max(ds)
    es = [CTX.exp(CTX.subtract(d, m)) for d in ds]
    total = sum(es, D(0))
    return [float(CTX.divide(e, total)) for e in es]


def ref_softplus(x: float) -> float:
    """log(1 + eˣ) to 60 digits (as log(1 + e^−|x|) + max(x, 0), so eˣ never overflows)."""
    d = D(x)
    tail = CTX.ln(CTX.add(D(1), CTX.exp(-abs(d))))
    return float(CTX.add(tail, max(d, D(0))))


def rel_err(got: float, want: float) -> float:
    return abs(got - want) / abs(want) if want else abs(got)


SCALES = [1e5, 1e10, 1e14, 1e16, 1e20, 1e300]


class TestHugeLogits:
    def test_cross_entropy_of_equal_huge_logits_is_log_two(self) -> None:
        us = [Value(1e16), Value(1e16)]
        loss = cross_entropy(us, 0)
        loss.backward()
        assert loss.data == pytest.approx(math.log(2), rel=1e-15)
        assert [u.grad for u in us] == pytest.approx([-0.5, 0.5], rel=1e-15)

    def test_softmax_sums_to_one_at_1e16(self) -> None:
        ps = [p.data for p in softmax([Value(1e16), Value(1e16)])]
        assert ps == [0.5, 0.5]

    @pytest.mark.parametrize("scale", SCALES)
    def test_against_60_digit_references(self, scale: float) -> None:
        us = [scale, scale + scale * 1e-16 * 3, scale - 1.0, -scale]
        want_lsm = ref_log_softmax(us)
        want_sm = ref_softmax(us)
        got_lsm = [v.data for v in log_softmax([Value(u) for u in us])]
        got_sm = [v.data for v in softmax([Value(u) for u in us])]
        for got, want in zip(got_lsm, want_lsm, strict=True):
            assert rel_err(got, want) < 1e-14, (scale, got, want)
        for got, want in zip(got_sm, want_sm, strict=True):
            assert rel_err(got, want) < 1e-14, (scale, got, want)
        assert math.fsum(got_sm) == pytest.approx(1.0, abs=1e-15)
        for k in range(len(us)):
            logits = [Value(u) for u in us]
            loss = cross_entropy(logits, k)
            loss.backward()
            assert rel_err(loss.data, -want_lsm[k]) < 1e-14, (scale, k, loss.data)
            grads = [p - (1.0 if j == k else 0.0) for j, p in enumerate(want_sm)]
            assert [u.grad for u in logits] == pytest.approx(grads, rel=1e-14, abs=1e-16)
            one_hot = [1.0 if j == k else 0.0 for j in range(len(us))]
            assert rel_err(cross_entropy(us, one_hot).data, -want_lsm[k]) < 1e-14

    def test_probability_targets_at_huge_logits(self) -> None:
        us = [Value(1e16), Value(1e16), Value(-1e16)]
        loss = cross_entropy(us, [0.25, 0.75, 0.0])
        loss.backward()
        assert loss.data == pytest.approx(math.log(2), rel=1e-15)
        assert [u.grad for u in us] == pytest.approx([0.25, -0.25, 0.0], abs=1e-16)

    def test_infinite_logits(self) -> None:
        """−∞ masks a class out; a +∞ logit is nan (∞ − ∞), never a finite wrong number."""
        assert [v.data for v in log_softmax([-math.inf, 0.0])] == [-math.inf, 0.0]
        assert [p.data for p in softmax([-math.inf, 0.0, 0.0])] == [0.0, 0.5, 0.5]
        assert cross_entropy([-math.inf, 0.0], 1).data == 0.0
        assert cross_entropy([-math.inf, 0.0], 0).data == math.inf
        assert math.isnan(cross_entropy([math.inf, 0.0], 0).data)

    def test_cost_is_linear_in_the_number_of_logits(self) -> None:
        from autograd_mini.engine import topological_order

        for k in (10, 100):
            nodes = topological_order(cross_entropy([Value(0.1 * j) for j in range(k)], 3))
            assert len(nodes) == 2 * k + 3  # k leaves, 2 log-sum-exps, k + 1 subtractions

    def test_one_logit(self) -> None:
        u = Value(1e16)
        loss = cross_entropy([u], 0)
        loss.backward()
        assert loss.data == 0.0 and u.grad == 0.0
        assert [v.data for v in log_softmax([u])] == [0.0]


class TestBinaryAccuracy:
    @pytest.mark.parametrize("x", [-1e16, -745.0, -40.0, -5.0, 0.0, 5.0, 40.0, 745.0, 1e16])
    @pytest.mark.parametrize("t", [0.0, 0.25, 1.0])
    def test_bce_against_60_digit_reference(self, x: float, t: float) -> None:
        # L = (1 − t)·softplus(x) + t·softplus(−x) exactly.
        want = (1 - t) * ref_softplus(x) + t * ref_softplus(-x)
        got = binary_cross_entropy_with_logits(Value(x), t).data
        assert rel_err(got, want) < 1e-14, (x, t, got, want)

    def test_bce_gradient_at_40(self) -> None:
        v = Value(40.0)
        loss = binary_cross_entropy_with_logits(v, 1.0)
        loss.backward()
        assert loss.data == pytest.approx(4.248354255291589e-18, rel=1e-14)
        assert v.grad == pytest.approx(-4.248354255291589e-18, rel=1e-14)
