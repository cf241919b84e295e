"""autograd_mini.testing.check_op: the property suite passes on every built-in op and catches
a wrong value, first or second derivative, compiled path, or domain check."""

from __future__ import annotations

import math
from typing import Any

import pytest

from autograd_mini import Value, ops, sampling, testing
from autograd_mini.engine import apply
from autograd_mini.ops import BUILTIN, OPS, Op
from autograd_mini.testing import Domain, between, check_op, constant, domain_of
from autograd_mini.testing.opcheck import check_point


def test_every_built_in_op_has_a_domain() -> None:
    """The test domain is a fact of the op table: every entry has one, of its arity."""
    for name in BUILTIN:
        op = OPS[name]
        assert isinstance(op.domain, sampling.Domain), name
        assert op.arity is None or len(op.domain.args) == op.arity, name
        assert domain_of(op) is op.domain
    assert not hasattr(testing, "DOMAINS")
    assert testing.Domain is sampling.Domain and testing.between is sampling.between


def test_define_takes_a_domain_of_the_right_arity() -> None:
    square = ops.define(
        "square_with_domain",
        forward=lambda m, x: x * x,
        partials=lambda m, out, x: (2 * x,),
        formula="2x",
        domain=Domain((between(1, 2),)),
    )
    assert domain_of(square) == Domain((between(1, 2),))
    for domain, message in [
        (Domain((between(1, 2), between(1, 2))), "the domain has 2 arguments, forward takes 1"),
        ("x > 0", "domain must be an autograd_mini.sampling.Domain"),
    ]:
        with pytest.raises(TypeError, match=rf"define\('bad_domain'\): {message}"):
            ops.define(
                "bad_domain",
                forward=lambda m, x: x,
                partials=lambda m, out, x: (1.0,),
                formula="1",
                domain=domain,  # type: ignore[arg-type]
            )
    assert "bad_domain" not in OPS


def test_an_op_can_be_named() -> None:
    check_op("tanh", max_examples=5)
    with pytest.raises(ValueError, match="check_op: unknown op 'no_such_op' \\(known: add, "):
        check_op("no_such_op")
    with pytest.raises(TypeError, match="check_op: op must be an Op or the name of one"):
        check_op(3.0)  # type: ignore[arg-type]


def cube_op(partials: Any, forward: Any = None, check: Any = None) -> Op:
    return Op(
        "cube", "cube", forward or (lambda m, x: x * x * x), partials, "∂/∂x = 3x²", check=check
    )


def test_an_op_without_a_domain_row_gets_the_default_domain() -> None:
    cube = cube_op(lambda m, out, x: (3 * x * x,))
    assert domain_of(cube) == Domain((between(-3, 3),))
    check_op(cube, max_examples=20)


def test_a_wrong_first_derivative_fails_naming_the_op_and_the_point() -> None:
    cube = cube_op(lambda m, out, x: (2 * x * x,))
    with pytest.raises(AssertionError, match=r"check_op\(cube\) at x0 = 1\.0: edge label of x0"):
        check_op(cube, max_examples=20)


def data(x: Any) -> Any:
    return x.data if isinstance(x, Value) else x


def test_a_wrong_second_derivative_fails() -> None:
    cube = cube_op(lambda m, out, x: (3.0 * data(x) ** 2,))  # a constant on Values
    with pytest.raises(AssertionError, match=r"order-2 derivatives differ") as caught:
        check_op(cube, max_examples=20)
    assert str(caught.value).startswith("check_op(cube) at x0 = ")


def test_a_compiled_path_that_disagrees_fails() -> None:
    """A forward rule that computes something else on NumPy arrays than on floats."""
    twice = Op(
        "twice",
        "2x",
        lambda m, x: x * 2.0 if isinstance(x, float) else x * 3.0,
        lambda m, out, x: (2.0,),
        "∂/∂x = 2",
    )
    with pytest.raises(AssertionError, match=r"check_op\(twice\) at x0 = .*: compiled value"):
        check_op(twice, max_examples=5)


def test_a_value_that_is_not_finite_fails() -> None:
    blow = Op("blow", "blow", lambda m, x: m.exp(x * 1000.0), lambda m, out, x: (out * 1000,), "")
    with pytest.raises(AssertionError, match=r"check_op\(blow\) at x0 = .*: value inf"):
        check_op(blow, max_examples=20)


def logarithm(check: Any) -> Op:
    return Op("ln", "ln", lambda m, x: m.log(x), lambda m, out, x: (1.0 / x,), "1/x", check=check)


LN_DOMAIN = Domain((between(0.1, 5),), outside=((0.0,), (-2.0,)))


def test_a_domain_check_is_required_where_the_domain_says_so() -> None:
    def good(x: float) -> None:
        if x <= 0:
            raise ValueError(f"ln: ln({x!r}) is undefined")

    check_op(logarithm(good), domain=LN_DOMAIN, max_examples=10)
    with pytest.raises(AssertionError, match=r"check_op\(ln\): \(0\.0,\) is outside its domain"):
        check_op(logarithm(None), domain=LN_DOMAIN, max_examples=10)


def test_a_domain_error_must_name_the_op_and_the_value() -> None:
    def anonymous(x: float) -> None:
        if x <= 0:
            raise ValueError(f"log of {x!r} is undefined")

    def valueless(x: float) -> None:
        if x <= 0:
            raise ValueError("ln: undefined")

    with pytest.raises(AssertionError, match="the message does not name the op"):
        check_op(logarithm(anonymous), domain=LN_DOMAIN, max_examples=5)
    with pytest.raises(AssertionError, match="the message names no value"):
        check_op(logarithm(valueless), domain=LN_DOMAIN, max_examples=5)


def test_constant_arguments_are_passed_as_numbers() -> None:
    domain = domain_of(OPS["powc"])
    assert [a.is_constant for a in domain.args] == [False, True]
    node = apply(OPS["powc"], Value(1.5), 3.0)
    assert node.parents and len(node.parents) == 1
    check_point(OPS["powc"], domain, (1.5, 3.0))
    check_point(OPS["powc"], domain, (-1.2, 2.0))


def test_a_custom_domain_is_used() -> None:
    seen: list[float] = []

    def forward(m: Any, x: Any) -> Any:
        if isinstance(x, float):
            seen.append(x)
        return x * x

    square = Op("square", "sq", forward, lambda m, out, x: (2 * x,), "2x")
    check_op(square, domain=Domain((between(10, 11),)), max_examples=10)
    assert seen and all(10 <= x <= 11 or abs(x - 10) < 1e-3 or abs(x - 11) < 1e-3 for x in seen)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"domain": "x > 0"}, TypeError, r"check_op\(tanh\): domain must be a Domain"),
        ({"max_examples": 0}, ValueError, r"check_op\(tanh\): max_examples must be an int >= 1"),
    ],
)
def test_bad_arguments(kwargs: dict[str, Any], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        check_op("tanh", **kwargs)


def test_domain_helpers_refuse_nonsense() -> None:
    with pytest.raises(ValueError, match="between: need finite low <= high"):
        between(2, 1)
    with pytest.raises(ValueError, match="between: need finite low <= high"):
        between(0, math.inf)
    with pytest.raises(ValueError, match="constant: needs at least one choice"):
        constant()
    assert Domain((between(0, 1), constant(2.0))).contains(0.5, 2.0)
    assert not Domain((between(0, 1), constant(2.0))).contains(0.5, 3.0)
    assert not domain_of(OPS["div"]).contains(1.0, 0.1)
