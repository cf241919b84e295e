"""``check_op``: the whole property suite for one op-table entry, built-in or ``define``d.

For arguments drawn by hypothesis over the op's test domain
(:func:`~autograd_mini.testing.domains.domain_of`, or ``domain=``), derandomized and
bounded by ``max_examples``:

1. **values** — ``apply(op, …)`` gives a finite float equal to the op's forward rule on
   floats (``op.forward(FLOAT, …)``);
2. **first and second derivatives** — :func:`~autograd_mini.testing.check_grads` with
   ``order=2`` (``backward`` and ``backward(create_graph=True)`` against finite
   differences);
3. **the drawing's edge labels** — :func:`~autograd_mini.engine.local_grads` (the numbers
   ``draw_graph`` writes on the edges) equal the gradient of that single node, and so the
   finite differences;
4. **the compiled path** — :func:`~autograd_mini.compiled.compile_fn`, on a batch of two
   samples (so NumPy arrays, not floats, are computed on), gives the eager value and input
   gradients (rtol 1e-9: NumPy's and ``math``'s elementary functions may
   differ in the last bits). Needs NumPy; without it this part is skipped with a warning.

Then, once: 5. **domain check** — each argument tuple in ``domain.outside`` is refused by
``apply`` with an ``ArithmeticError`` or ``ValueError`` whose message names the op (its
name or symbol) and an offending value.

hypothesis is imported when ``check_op`` is called, not when this module is imported.
"""

from __future__ import annotations

import importlib.util
import math
import warnings
from collections.abc import Sequence
from typing import Any

from autograd_mini.engine import Value, apply, local_grads
from autograd_mini.functional import numerical_grad
from autograd_mini.ops import FLOAT, Op
from autograd_mini.testing.domains import Domain, domain_of, op_named
from autograd_mini.testing.gradcheck import DEFAULT_ATOL, DEFAULT_EPS, DEFAULT_RTOL, check_grads

__all__ = ["COMPILED_RTOL", "check_op", "check_point", "check_refusals"]

#: Relative tolerance between the compiled (NumPy) path and eager floats.
COMPILED_RTOL = 1e-9


def _where(domain: Domain, xs: Sequence[float]) -> str:
    return ", ".join(f"x{i} = {x!r}" for i, x in enumerate(xs))


def _split(domain: Domain, xs: Sequence[float]) -> tuple[list[int], list[float]]:
    """Positions and values of the Value (not constant) arguments."""
    at = [i for i, a in enumerate(domain.args) if not a.is_constant]
    return at, [xs[i] for i in at]


def _function(op: Op, domain: Domain, xs: Sequence[float]) -> Any:
    """f(*values) = op applied to the Values and the constants of xs, in argument order."""
    at, _ = _split(domain, xs)

    def f(*vs: Any) -> Value:
        args: list[Any] = list(xs)
        for i, v in zip(at, vs, strict=True):
            args[i] = v
        return apply(op, *args)

    f.__name__ = op.name
    return f


def _close(a: float, b: float, rtol: float, atol: float) -> bool:
    return a == b or abs(a - b) <= atol + rtol * abs(b)


def check_point(op: Op, domain: Domain, xs: Sequence[float], *, compiled: bool = True) -> None:
    """Checks 1–4 of the module docstring at one argument tuple (AssertionError if one fails)."""
    where = f"check_op({op.name}) at {_where(domain, xs)}"
    f = _function(op, domain, xs)
    at, vs = _split(domain, xs)
    leaves = [Value(v) for v in vs]
    node = f(*leaves)
    want = float(op.forward(FLOAT, *xs))
    assert math.isfinite(node.data), f"{where}: value {node.data!r} is not finite"
    assert node.data == want, f"{where}: value {node.data!r}, forward rule gives {want!r}"
    node.backward()
    grads = [float(leaf.grad) for leaf in leaves]
    edges = local_grads(node)
    labels = [float(edges[i]) for i in at]
    assert labels == grads, f"{where}: edge labels {labels!r} but backward gives {grads!r}"
    numeric = numerical_grad(f, *vs, eps=DEFAULT_EPS)
    for i, (g, n) in enumerate(zip(labels, numeric, strict=True)):
        assert _close(g, n, DEFAULT_RTOL, DEFAULT_ATOL), (
            f"{where}: edge label of x{at[i]} is {g!r}, finite differences give {n!r}"
        )
    try:
        check_grads(f, vs, order=2)
    except AssertionError as error:
        raise AssertionError(f"{where}: {error}") from None
    if compiled:
        _check_compiled(f, vs, node.data, grads, where)


def _check_compiled(f: Any, vs: list[float], value: float, grads: list[float], where: str) -> None:
    from autograd_mini.compiled import compile_fn

    # two samples: a batch of one is computed on floats, not on NumPy arrays
    result = compile_fn(f, [], vs)([vs, vs])
    for row in range(2):
        got = float(result.values[row][0])
        assert _close(got, value, COMPILED_RTOL, 1e-12), (
            f"{where}: compiled value {got!r}, eager {value!r}"
        )
        got_grads = [float(g) for g in result.input_grads[row]]
        for i, (c, e) in enumerate(zip(got_grads, grads, strict=True)):
            assert _close(c, e, COMPILED_RTOL, 1e-12), (
                f"{where}: compiled gradient of x{i} {c!r}, eager {e!r}"
            )


def check_refusals(op: Op, domain: Domain) -> None:
    """Check 5: every tuple in ``domain.outside`` is refused, naming the op and a value."""
    for xs in domain.outside:
        args = [Value(x) if not a.is_constant else x for a, x in zip(domain.args, xs, strict=True)]
        try:
            apply(op, *args)
        except (ArithmeticError, ValueError) as error:
            message = str(error)
            assert op.name in message or op.symbol in message, (
                f"check_op({op.name}): refusing {xs!r}, the message does not name the op: "
                f"{message!r:.80}"
            )
            assert any(repr(float(x)) in message for x in xs), (
                f"check_op({op.name}): refusing {xs!r}, the message names no value: {message!r:.80}"
            )
        else:
            raise AssertionError(f"check_op({op.name}): {xs!r} is outside its domain, not refused")


def check_op(op: Op | str, *, domain: Domain | None = None, max_examples: int = 100) -> None:
    """Run the property suite of the module docstring on one op (an ``Op`` or its name).

    ``domain`` defaults to :func:`~autograd_mini.testing.domains.domain_of`. The
    examples are drawn by hypothesis with ``derandomize=True``, so a run is repeatable; on a
    failure hypothesis shrinks it and the ``AssertionError`` names the op, the arguments and
    what differs. Needs hypothesis (``pip install 'autograd-mini[testing]'``).
    """
    op = op_named(op, "check_op")
    if domain is None:
        domain = domain_of(op)
    if not isinstance(domain, Domain):
        raise TypeError(f"check_op({op.name}): domain must be a Domain, got {domain!r:.40}")
    if isinstance(max_examples, bool) or not isinstance(max_examples, int) or max_examples < 1:
        raise ValueError(f"check_op({op.name}): max_examples must be an int >= 1")
    try:
        from hypothesis import HealthCheck, given, settings

        from autograd_mini.testing.strategies import arguments
    except ImportError:
        raise ImportError(
            "check_op needs hypothesis: pip install 'autograd-mini[testing]'"
        ) from None
    compiled = importlib.util.find_spec("numpy") is not None
    if not compiled:
        warnings.warn(
            f"check_op({op.name}): the compiled path was not checked "
            "(NumPy is not installed: pip install 'autograd-mini[fast]')",
            stacklevel=2,
        )

    @settings(
        max_examples=max_examples,
        derandomize=True,
        deadline=None,
        database=None,
        report_multiple_bugs=False,
        suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow],
    )
    @given(arguments(domain))
    def holds(xs: tuple[float, ...]) -> None:
        check_point(op, domain, xs, compiled=compiled)

    holds()
    check_refusals(op, domain)
