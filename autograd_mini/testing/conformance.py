"""``autograd-mini check-engine MODULE:CLASS``: a conformance run for a micrograd-style engine.

An engine is a class with ``Class(x)``, ``.data``, ``.grad``, ``.backward()`` and some of
``+ - * / **``, ``-x``, ``relu``, ``tanh``, ``exp``, ``log``, ``sigmoid``. :func:`run`

1. finds which :data:`~autograd_mini.testing.forms.FORMS` the class supports (the rest are
   listed as "not supported", not as failures);
2. checks each supported form on its own, by hypothesis over the form's domain: the value
   and the gradient of every Value argument against autograd-mini's, and the gradient
   against central differences of the engine's own values;
3. checks each form with one Value used twice (``x * x``, ``x.tanh() + x.tanh()``): the
   gradient must accumulate (``+=``) over the shared node;
4. checks random expressions (DAGs with shared nodes) over the forms that passed;
5. runs ``backward()`` on a graph 10,000 deep: a recursive topological sort fails there
   (micrograd 0.1.0's does), reported as a depth limit with the depth that still works;
6. calls ``backward()`` twice: leaf grads must double (they accumulate, as in PyTorch) or
   stay (the engine resets them first); anything else is a defect.

Each defect is one line naming the operation and the smallest counterexample hypothesis
found, e.g. ``tanh: at x = 1.0, grad 0.238 (expected 0.42)``. Exit status of :func:`main`:
0 when everything supported is right (depth limits are reported, not failed), 1 when a
defect was found, 2 for bad usage.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from autograd_mini.engine import Value
from autograd_mini.testing.forms import FORMS, Expression, Form

__all__ = [
    "DEPTH",
    "Finding",
    "Report",
    "UsageError",
    "add_arguments",
    "execute",
    "load",
    "main",
    "run",
]

#: The depth of the deep-graph check.
DEPTH = 10_000
#: Engine vs autograd-mini: values and gradients agree to this relative tolerance.
RTOL, ATOL = 1e-6, 1e-9
#: A differing gradient vs central differences of the engine's values (step 1e-6·max(1, |x|)).
FD_RTOL, FD_ATOL = 1e-4, 1e-6

OK, DEFECT, LIMIT, UNSUPPORTED, SKIPPED = "ok", "defect", "limit", "not supported", "skipped"
#: What _hypothesis_run returns when no example could be drawn at all.
_UNSATISFIED = "no example inside the domain could be drawn"


class UsageError(Exception):
    """Bad usage of check-engine: the target cannot be imported or is not a class."""


class _Defect(Exception):
    """A wrong value or gradient, with the one-line message naming the op and the example."""


@dataclass(frozen=True)
class Finding:
    """One line of the report: which check, its status (ok, defect, limit, not supported,
    skipped) and what was found."""

    check: str
    status: str
    detail: str

    def line(self) -> str:
        """The finding as one line of text."""
        if self.status == DEFECT:
            return f"DEFECT  {self.detail}"
        tag = {OK: "ok", LIMIT: "LIMIT", UNSUPPORTED: "n/a", SKIPPED: "skipped"}[self.status]
        return f"{tag:<7} {self.check}: {self.detail}"


@dataclass
class Report:
    """The result of :func:`run`: every finding, in the order the checks ran."""

    engine: str
    examples: int
    seed: int | None
    supported: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    def of(self, status: str) -> list[Finding]:
        """The findings with this status."""
        return [f for f in self.findings if f.status == status]

    @property
    def defects(self) -> list[Finding]:
        """The defects found (wrong values or gradients, errors, wrong accumulation)."""
        return self.of(DEFECT)

    @property
    def exit_code(self) -> int:
        """1 if a defect was found, else 0."""
        return 1 if self.defects else 0

    def text(self) -> str:
        """The report as lines of text."""
        unsupported = self.of(UNSUPPORTED)
        seed = "derandomized" if self.seed is None else f"seed {self.seed}"
        lines = [
            f"check-engine {self.engine} ({self.examples} examples per check, {seed})",
            "supported: " + (", ".join(f"{n} ({FORMS[n].text})" for n in self.supported) or "-"),
        ]
        if unsupported:
            lines.append("not supported: " + ", ".join(f.check for f in unsupported))
        fine = [f.check for f in self.findings if f.status == OK and f.check in FORMS]
        shared = [
            f.check for f in self.findings if f.status == OK and f.check.endswith(" (shared)")
        ]
        if fine:
            lines.append(f"ok      values and gradients: {', '.join(fine)}")
        if shared:
            names = ", ".join(name.removesuffix(" (shared)") for name in shared)
            lines.append(
                f"ok      shared nodes (gradients accumulate over a node used twice): {names}"
            )
        grouped = {*fine, *shared}
        lines += [
            f.line()
            for f in self.findings
            if f.status != UNSUPPORTED and not (f.status == OK and f.check in grouped)
        ]
        n, limits = len(self.defects), len(self.of(LIMIT))
        verdict = f"{n} defect{'s' * (n != 1)}" if n else "no defects"
        if limits:
            verdict += f", {limits} limit{'s' * (limits != 1)}"
        lines.append(f"result: {verdict}")
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready summary: engine, settings, supported forms, findings, exit code."""
        return {
            "engine": self.engine,
            "examples": self.examples,
            "seed": self.seed,
            "supported": self.supported,
            "not_supported": {f.check: f.detail for f in self.of(UNSUPPORTED)},
            "findings": [
                {"check": f.check, "status": f.status, "detail": f.detail}
                for f in self.findings
                if f.status != UNSUPPORTED
            ],
            "defects": len(self.defects),
            "exit_code": self.exit_code,
        }


# -- helpers -----------------------------------------------------------------------------


def _num(x: float) -> str:
    return f"{x:.6g}"


def _pair(a: float, b: float) -> tuple[str, str]:
    """a and b with the fewest significant digits (3 or more) that tell them apart."""
    for digits in range(3, 18):
        sa, sb = f"{a:.{digits}g}", f"{b:.{digits}g}"
        if sa != sb:
            return sa, sb
    return repr(a), repr(b)


def _close(a: float, b: float, rtol: float, atol: float) -> bool:
    return a == b or abs(a - b) <= atol + rtol * abs(b)


def _short(error: BaseException) -> str:
    """``Type: message``, on one line, at most 70 characters of the (escaped) message."""
    text = " ".join(str(error).split())[:70]
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _names(form: Form) -> list[str]:
    return ["x", "y"][: form.n_values] + ["c"] * (len(form.domain.args) - form.n_values)


def _at(form: Form, xs: Sequence[float]) -> str:
    return ", ".join(f"{n} = {x!r}" for n, x in zip(_names(form), xs, strict=True))


def _float(x: Any) -> float:
    return float(x.data if hasattr(x, "data") else x)


def _evaluate(cls: Callable[[float], Any], build: Callable[..., Any], xs: Sequence[float]) -> Any:
    return build(*(cls(x) for x in xs)).data


def _numeric(cls: Any, build: Callable[..., Any], xs: Sequence[float]) -> list[float]:
    out = []
    for j, x in enumerate(xs):
        h = 1e-6 * max(1.0, abs(x))
        up, down = list(xs), list(xs)
        up[j], down[j] = x + h, x - h
        out.append(
            (float(_evaluate(cls, build, up)) - float(_evaluate(cls, build, down)))
            / (up[j] - down[j])
        )
    return out


def _grads(cls: Any, build: Callable[..., Any], xs: Sequence[float]) -> tuple[float, list[float]]:
    """The value and the leaf gradients of build(*leaves) on the class ``cls``."""
    leaves = [cls(x) for x in xs]
    out = build(*leaves)
    out.backward()
    return float(out.data), [_float(leaf.grad) for leaf in leaves]


# -- the checks ----------------------------------------------------------------------------


def _probe_point(form: Form) -> list[float]:
    """A point inside the form's domain for the support probe."""
    candidates = (0.7, 1.3, 0.3, 2.0, -0.6)
    values = []
    for arg in form.domain.args:
        if arg.is_constant:
            values.append(2.0 if 2.0 in arg.choices else arg.choices[-1])
        else:
            values.append(next((c for c in candidates if arg.low <= c <= arg.high), arg.low))
    return values


def _probe(cls: Any, form: Form) -> Finding | None:
    """None when the engine supports the form; otherwise why not (or the defect)."""
    xs = _probe_point(form)
    n = form.n_values
    try:
        out = form.build(*(cls(x) for x in xs[:n]), *xs[n:])
        float(out.data)
    except (AttributeError, TypeError, AssertionError, NotImplementedError) as error:
        return Finding(form.name, UNSUPPORTED, _short(error))
    except Exception as error:
        return Finding(form.name, DEFECT, f"{form.name}: at {_at(form, xs)}, {_short(error)}")
    try:
        out.backward()
    except Exception as error:
        return Finding(
            form.name, DEFECT, f"{form.name}: at {_at(form, xs)}, backward() raised {_short(error)}"
        )
    return None


def _compare(
    label: str,
    cls: Any,
    build: Callable[..., Any],
    xs: Sequence[float],
    names: Sequence[str],
    constants: Sequence[float] = (),
) -> None:
    """Raise _Defect if the engine's value or a gradient differs from autograd-mini's.

    A gradient that differs is also compared with central differences of the engine's own
    values: the usual message gives autograd-mini's value as the expected one; when the
    differences side with the engine instead (its forward computes another function, or
    autograd-mini's reference is wrong), the message says so and gives both.
    """
    at = ", ".join(f"{n} = {x!r}" for n, x in zip(names, xs, strict=False))
    at += "".join(f", c = {c!r}" for c in constants)
    try:
        value, grads = _grads(cls, build, xs)
    except Exception as error:
        raise _Defect(f"{label}: at {at}, {_short(error)}") from None
    want, want_grads = _grads(Value, build, xs)
    if not _close(value, want, RTOL, ATOL):
        got_s, want_s = _pair(value, want)
        raise _Defect(f"{label}: at {at}, value {got_s} (expected {want_s})")
    many = len(grads) > 1
    for i, (name, g, w) in enumerate(zip(names, grads, want_grads, strict=False)):
        if _close(g, w, RTOL, ATOL):
            continue
        got_s, want_s = _pair(g, w)
        of = f" of {name}" if many else ""
        try:
            numeric: float | None = _numeric(cls, build, xs)[i]
        except Exception:  # the engine fails within a step of xs: no second opinion
            numeric = None
        if numeric is not None and _close(g, numeric, FD_RTOL, FD_ATOL):
            raise _Defect(
                f"{label}: at {at}, grad{of} {got_s} (autograd-mini gives {want_s}, finite "
                f"differences of the engine's own values give {_num(numeric)})"
            )
        raise _Defect(f"{label}: at {at}, grad{of} {got_s} (expected {want_s})")


@dataclass(frozen=True)
class _Settings:
    examples: int
    seed: int | None


def _hypothesis_run(strategy: Any, check: Callable[[Any], None], how: _Settings) -> str | None:
    """Run ``check`` over ``strategy``; the shrunk defect's message, or None if none."""
    from hypothesis import HealthCheck, Verbosity, given, seed, settings
    from hypothesis.errors import Unsatisfiable

    @settings(
        max_examples=how.examples,
        derandomize=how.seed is None,
        database=None,
        deadline=None,
        report_multiple_bugs=False,
        verbosity=Verbosity.quiet,
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def holds(example: Any) -> None:
        check(example)

    test = holds if how.seed is None else seed(how.seed)(holds)
    try:
        test()
    except _Defect as defect:
        return str(defect)
    except Unsatisfiable:
        return _UNSATISFIED
    return None


def _finding(check: str, message: str | None, fine: str) -> Finding:
    """The finding of a hypothesis check: ok, a defect, or skipped (no example drawn)."""
    if message is None:
        return Finding(check, OK, fine)
    if message == _UNSATISFIED:
        return Finding(check, SKIPPED, message)
    return Finding(check, DEFECT, message)


def _form_check(cls: Any, form: Form, how: _Settings) -> Finding:
    from autograd_mini.testing.strategies import arguments

    n = form.n_values

    def check(xs: tuple[float, ...]) -> None:
        consts = xs[n:]
        build = lambda *vs: form.build(*vs, *consts)  # noqa: E731
        _compare(form.name, cls, build, xs[:n], _names(form)[:n], consts)

    message = _hypothesis_run(arguments(form.domain), check, how)
    return _finding(form.name, message, f"values and gradients ({form.text})")


def _shared_variants(
    form: Form, xs: Sequence[float]
) -> list[tuple[str, Callable[..., Any], list[float], list[str]]]:
    """Ways of using one Value x twice with the form: (what, build, leaf values, names).

    x as both arguments (``x * x``) or in two nodes of the form (``f(x) + f(x)``), and x
    both in the form and added to its result (``f(x, y) + x``, ``f(y, x) + x``): a backward
    that assigns (=) instead of adding (+=) loses one of the two contributions.
    """
    n = form.n_values
    consts = list(xs[n:])
    x = xs[0]
    one = form.show(["x"], consts) if n == 1 else ""
    variants: list[tuple[str, Callable[..., Any], list[float], list[str]]] = []
    if n == 2:
        if form.domain.contains(x, x, *consts):
            variants.append((form.show(["x", "x"], consts), lambda v: form.build(v, v), [x], ["x"]))
        y = xs[1]
        variants.append(
            (
                f"({form.show(['x', 'y'])}) + x",
                lambda v, w: form.build(v, w) + v,
                [x, y],
                ["x", "y"],
            )
        )
        if form.domain.contains(y, x, *consts):
            variants.append(
                (
                    f"({form.show(['y', 'x'])}) + x",
                    lambda v, w: form.build(w, v) + v,
                    [x, y],
                    ["x", "y"],
                )
            )
    else:
        variants.append(
            (
                f"({one}) + ({one})",
                lambda v: form.build(v, *consts) + form.build(v, *consts),
                [x],
                ["x"],
            )
        )
        variants.append((f"({one}) + x", lambda v: form.build(v, *consts) + v, [x], ["x"]))
    return variants


def _shared_check(cls: Any, form: Form, how: _Settings) -> Finding:
    """The form with one Value used twice (see :func:`_shared_variants`); needs a right +."""
    from autograd_mini.testing.strategies import arguments

    name = f"{form.name} (shared)"

    def check(xs: tuple[float, ...]) -> None:
        for expr, build, leaves, names in _shared_variants(form, xs):
            try:
                _compare(form.name, cls, build, leaves, names, xs[form.n_values :])
            except _Defect as defect:
                text = str(defect).replace(
                    f"{form.name}: at", f"{form.name}: x used twice ({expr}) at", 1
                )
                raise _Defect(
                    text + ": gradients must accumulate (+=) over a shared node"
                ) from None

    message = _hypothesis_run(arguments(form.domain), check, how)
    return _finding(name, message, "gradients accumulate over a node used twice")


def _expression_check(cls: Any, forms: list[str], how: _Settings) -> Finding:
    from autograd_mini.testing.strategies import expressions

    def check(expr: Expression) -> None:
        names = [f"x{i}" for i in range(len(expr.inputs))]
        try:
            _compare("expressions", cls, expr, expr.inputs, names)
        except _Defect as defect:
            text = str(defect).split(": at ", 1)[1].split(", ", len(names))[-1]
            raise _Defect(f"expressions ({', '.join(expr.forms)}): {expr}: {text}") from None

    message = _hypothesis_run(expressions(forms, shared=True), check, how)
    return _finding("expressions", message, f"{how.examples} random DAGs with shared nodes")


def _chain(cls: Any, depth: int) -> tuple[Any, Any]:
    x = cls(0.5)
    y = x
    for _ in range(depth):
        y = y + cls(0.0)
    return x, y


def _depth_check(cls: Any) -> Finding:
    x, y = _chain(cls, DEPTH)
    try:
        y.backward()
    except RecursionError:
        fails = works = DEPTH
        while works > 1:
            works //= 2
            _, shallow = _chain(cls, works)
            try:
                shallow.backward()
            except RecursionError:
                fails = works
                continue
            break
        else:
            works = 0
        found = f"works {works:,} deep, fails {fails:,} deep" if works else "fails at any depth"
        return Finding(
            "depth",
            LIMIT,
            f"backward() on a graph {DEPTH:,} deep raises RecursionError ({found}): the "
            "topological sort recurses; an explicit stack lifts the limit",
        )
    except Exception as error:
        return Finding("depth", DEFECT, f"depth: backward() {DEPTH:,} deep raised {_short(error)}")
    if not _close(_float(x.grad), 1.0, RTOL, ATOL):
        return Finding(
            "depth",
            DEFECT,
            f"depth: {DEPTH:,} additions deep, grad {_num(_float(x.grad))} (expected 1)",
        )
    return Finding("depth", OK, f"backward() on a graph {DEPTH:,} deep")


def _twice_check(cls: Any, passed: list[str]) -> Finding | None:
    op = next((name for name in ("mul", "add") if name in passed), None)
    if op is None:
        return None
    x = cls(1.5)
    y = (x * x) * x if op == "mul" else (x + x) + x
    try:
        y.backward()
        first = _float(x.grad)
        y.backward()
        second = _float(x.grad)
    except Exception as error:
        return Finding(
            "backward twice", DEFECT, f"backward twice: the second call raised {_short(error)}"
        )
    what = "(x * x) * x" if op == "mul" else "(x + x) + x"
    if _close(second, 2 * first, RTOL, ATOL):
        return Finding("backward twice", OK, "a second backward() adds to the leaves' grads")
    if _close(second, first, RTOL, ATOL):
        return Finding("backward twice", OK, "a second backward() recomputes the grads")
    return Finding(
        "backward twice",
        DEFECT,
        f"backward twice: y = {what} at x = 1.5, after a second y.backward() x.grad = "
        f"{_num(second)} (expected {_num(2 * first)} if leaves accumulate, {_num(first)} if "
        "grads are reset): the intermediate grads are not reset before a pass",
    )


def run(
    value_class: Any,
    *,
    examples: int = 100,
    seed: int | None = None,
    name: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> Report:
    """Run every check on a micrograd-style class; see the module docstring."""
    how = _Settings(examples, seed)
    engine = name or str(getattr(value_class, "__qualname__", repr(value_class)))
    report = Report(engine, examples, seed)
    say = progress or (lambda text: None)
    passed: list[str] = []
    supported: list[Form] = []
    for form in FORMS.values():
        found = _probe(value_class, form)
        if found is None:
            supported.append(form)
            report.supported.append(form.name)
        else:
            report.findings.append(found)
    steps = len(supported) * 2 + 3
    done = 0
    for form in supported:
        done += 1
        say(f"[{done}/{steps}] {form.name}")
        finding = _form_check(value_class, form, how)
        report.findings.append(finding)
        if finding.status == OK:
            passed.append(form.name)
    add_ok = "add" in passed
    for form in supported:
        done += 1
        if form.name not in passed or not add_ok:
            continue
        say(f"[{done}/{steps}] {form.name} (shared)")
        found = _shared_check(value_class, form, how)
        report.findings.append(found)
        if found.status != OK:
            passed.remove(form.name)
    done += 1
    say(f"[{done}/{steps}] expressions")
    if add_ok and "add" in passed:
        report.findings.append(_expression_check(value_class, passed, how))
    else:
        report.findings.append(Finding("expressions", SKIPPED, "needs a correct x + y"))
    done += 1
    say(f"[{done}/{steps}] depth")
    if "add" in [f.name for f in supported]:
        report.findings.append(_depth_check(value_class))
    else:
        report.findings.append(Finding("depth", SKIPPED, "needs x + y"))
    done += 1
    say(f"[{done}/{steps}] backward twice")
    twice = _twice_check(value_class, passed)
    report.findings.append(
        twice or Finding("backward twice", SKIPPED, "needs a correct x * y or x + y")
    )
    return report


# -- the command line ----------------------------------------------------------------------


def load(target: str) -> Any:
    """The class named by ``MODULE:CLASS``; :class:`UsageError` (one line) if it cannot be."""
    module_name, sep, attr = target.partition(":")
    if not sep or not module_name or not attr:
        raise UsageError(f"expected MODULE:CLASS (e.g. micrograd.engine:Value), got {target!r:.60}")
    try:
        module = importlib.import_module(module_name)
    except Exception as error:  # any import-time failure is bad usage, reported in one line
        raise UsageError(f"cannot import {module_name!r:.60}: {_short(error)}") from None
    obj: Any = module
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise UsageError(f"module {module_name!r:.60} has no {attr!r:.40}")
        obj = getattr(obj, part)
    if not isinstance(obj, type):
        raise UsageError(f"{target!r:.60} is not a class (got {type(obj).__name__})")
    try:
        v = obj(0.5)
        float(v.data)
        v.grad  # noqa: B018 (the attribute must exist)
        v.backward  # noqa: B018
    except Exception as error:
        raise UsageError(
            f"{target!r:.60} is not a micrograd-style Value class: {attr}(0.5) needs .data, "
            f".grad and .backward ({_short(error)})"
        ) from None
    return obj


def _positive(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r:.20} is not an integer") from None
    if not 1 <= n <= 100_000:
        raise argparse.ArgumentTypeError(f"{text!r:.20} must be between 1 and 100000")
    return n


def _seed(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r:.20} is not an integer") from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``check-engine`` (for the ``autograd-mini`` parser)."""
    parser.add_argument("target", metavar="MODULE:CLASS", help="e.g. micrograd.engine:Value")
    parser.add_argument(
        "--examples", type=_positive, default=100, help="examples per check (default: 100)"
    )
    parser.add_argument(
        "--seed", type=_seed, default=None, help="hypothesis seed (default: derandomized)"
    )
    parser.add_argument("--json", action="store_true", help="print a JSON report")


def execute(args: argparse.Namespace) -> int:
    """Run check-engine with parsed arguments; prints the report, returns the exit status."""
    prog = "autograd-mini check-engine"
    try:
        import hypothesis  # noqa: F401
    except ImportError:
        print(
            f"{prog}: error: needs hypothesis: pip install 'autograd-mini[testing]'",
            file=sys.stderr,
        )
        return 2
    try:
        cls = load(args.target)
    except UsageError as error:
        print(f"{prog}: error: {error}", file=sys.stderr)
        return 2
    tty = sys.stderr.isatty()

    def progress(text: str) -> None:
        end = "" if tty else "\n"
        print(
            f"\r\x1b[2Kcheck-engine: {text}" if tty else f"check-engine: {text}",
            end=end,
            file=sys.stderr,
            flush=True,
        )

    report = run(cls, examples=args.examples, seed=args.seed, name=args.target, progress=progress)
    if tty:
        print("\r\x1b[2K", end="", file=sys.stderr, flush=True)
    if args.json:
        print(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    else:
        print(report.text())
    return report.exit_code


class _Parser(argparse.ArgumentParser):
    """argparse with its errors as one line (the caller prints it, exit status 2)."""

    def error(self, message: str) -> Any:
        raise UsageError(message)


def main(argv: Sequence[str] | None = None) -> int:
    """``autograd-mini check-engine`` on its own: parse ``argv``, run, return the exit status."""
    parser = _Parser(
        prog="autograd-mini check-engine",
        description="Check a micrograd-style Value class's values and gradients.",
    )
    add_arguments(parser)
    try:
        args = parser.parse_args(argv)
    except UsageError as error:
        print(f"autograd-mini check-engine: error: {error}", file=sys.stderr)
        return 2
    return execute(args)


if __name__ == "__main__":
    sys.exit(main())
