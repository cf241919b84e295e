"""Every op of the table, from its row in tests/op_cases.py: eager values and derivatives,
second order, the compiled path, anomaly mode and the drawing's local derivatives; and the
whole property suite of autograd_mini.testing.check_op over the op's table domain."""

from __future__ import annotations

import math

import pytest
from op_cases import BY_NAME, CASES, OpCase

from autograd_mini import AnomalyError, Value, detect_anomaly, grad, gradcheck, hessian
from autograd_mini.engine import local_grads
from autograd_mini.ops import BUILTIN, OPS
from autograd_mini.testing import check_op

#: Examples per op for check_op: bounded, so the whole catalogue stays fast.
CHECK_OP_EXAMPLES = 30

POINTS = [(c, p) for c in CASES for p in c.points]
IDS = [f"{c.name}{p}" for c, p in POINTS]


def test_every_op_of_the_table_has_a_catalogue_row() -> None:
    """THE completeness check: an op added to the table without a row fails here."""
    assert set(BY_NAME) == set(BUILTIN)
    assert len(BY_NAME) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_catalogue_tests_at_the_tables_constants(case: OpCase) -> None:
    """A plain-number argument of a row is one of the constants its table domain names."""
    domain = OPS[case.name].domain
    assert domain is not None
    constants = [a for a in domain.args if a.is_constant]
    assert len(case.constants) == len(constants)
    for c, arg in zip(case.constants, constants, strict=True):
        assert c in arg.choices, f"{case.name}: constant {c} not in {arg.choices}"


@pytest.mark.parametrize("name", list(BUILTIN))
def test_check_op(name: str) -> None:
    """The testing kit's property suite (issue 11), the project's own per-op test: values,
    first and second derivatives, compiled path, edge labels and domain refusals."""
    assert check_op(OPS[name], max_examples=CHECK_OP_EXAMPLES) is None


def run(case: OpCase, xs: tuple[float, ...]) -> tuple[Value, list[Value]]:
    leaves = [Value(x, label=f"x{i}") for i, x in enumerate(xs)]
    return case.build(*leaves), leaves


@pytest.mark.parametrize(("case", "xs"), POINTS, ids=IDS)
def test_eager_value_and_first_derivatives(case: OpCase, xs: tuple[float, ...]) -> None:
    out, leaves = run(case, xs)
    assert out.op == case.name
    out.backward()
    assert out.data == pytest.approx(case.value(*xs, *case.constants), rel=1e-12, abs=1e-15)
    assert [v.grad for v in leaves] == pytest.approx(
        case.grads(*xs, *case.constants), rel=1e-12, abs=1e-15
    )


@pytest.mark.parametrize(("case", "xs"), POINTS, ids=IDS)
def test_drawing_local_derivatives_are_the_chain_rule_factors(
    case: OpCase, xs: tuple[float, ...]
) -> None:
    out, _ = run(case, xs)
    factors = [p for a, p in zip(out.args, local_grads(out), strict=True) if isinstance(a, Value)]
    assert factors == pytest.approx(case.grads(*xs, *case.constants), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize(("case", "xs"), POINTS, ids=IDS)
def test_second_order(case: OpCase, xs: tuple[float, ...]) -> None:
    if case.second is not None:
        assert grad(grad(case.build))(*xs)[0] == pytest.approx(
            case.second(xs[0], *case.constants), rel=1e-9, abs=1e-12
        )
    if not case.smooth(xs):
        return
    h = hessian(case.build)(*xs)
    eps = 1e-6
    for i in range(len(xs)):
        up = grad(case.build)(*(x + eps if j == i else x for j, x in enumerate(xs)))
        down = grad(case.build)(*(x - eps if j == i else x for j, x in enumerate(xs)))
        numeric = [(u - d) / (2 * eps) for u, d in zip(up, down, strict=True)]
        assert h[i] == pytest.approx(numeric, rel=1e-5, abs=1e-6)


@pytest.mark.parametrize(("case", "xs"), POINTS, ids=IDS)
def test_gradcheck(case: OpCase, xs: tuple[float, ...]) -> None:
    if case.smooth(xs):
        assert gradcheck(case.build, *xs)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_compiled_equals_eager(case: OpCase) -> None:
    pytest.importorskip("numpy")
    from autograd_mini.compiled import compile_fn

    compiled = compile_fn(case.build, [], list(case.points[0]))
    result = compiled([list(p) for p in case.points])
    for n, xs in enumerate(case.points):
        out, leaves = run(case, xs)
        out.backward()
        assert result.values[n, 0] == pytest.approx(out.data, rel=1e-12, abs=1e-15)
        assert result.input_grads[n].tolist() == pytest.approx(
            [v.grad for v in leaves], rel=1e-12, abs=1e-15
        )


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_forward_anomaly(case: OpCase) -> None:
    out, _ = run(case, case.anomaly)
    assert not math.isfinite(out.data)  # off: no error, the value is just nan/inf
    with detect_anomaly(), pytest.raises(AnomalyError) as caught:
        run(case, case.anomaly)
    error = caught.value
    assert (error.phase, error.op) == ("forward", case.name)
    assert error.inputs[: case.arity] == pytest.approx(case.anomaly, nan_ok=True)
    assert "x0=" in str(error)
