"""Gradient-descent optimizers over Values, with PyTorch's update rules.

Every optimizer reads each parameter's gradient g = ∂L/∂w (``p.grad``, filled by
``L.backward()``) and changes ``p.data`` in place. With ρ the learning rate and λ the
weight decay, the gradient first becomes g ← g + λw (L2 regularization added to the
gradient, as ``torch.optim`` does), then:

* :class:`SGD` — the chapter's steepest descent w ← w − ρg. With momentum μ (PyTorch's
  formulation): b ← g on the first step, then b ← μb + (1 − dampening)·g; the step uses
  b (or g + μb with ``nesterov=True``): w ← w − ρb.
* :class:`Adam` — m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g², with the bias corrections
  m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ) at step t: w ← w − ρ·m̂/(√v̂ + ε). Evaluated in
  PyTorch's order (ρ/(1 − β₁ᵗ) · m / (√v/√(1 − β₂ᵗ) + ε)), so results agree with
  ``torch.optim.Adam`` to the last few ulps.

``lr`` is an attribute, so a schedule may change it between steps. ``zero_grad()`` resets
every parameter's gradient to 0 (gradients of leaves accumulate across backward calls).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

from autograd_mini.engine import Value

__all__ = ["SGD", "Adam", "Optimizer"]


def _check_number(who: str, name: str, x: float, low: float, high: float = math.inf) -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float)) or not low <= x <= high:
        raise ValueError(f"{who}: {name} must be a number in [{low}, {high}], got {x!r}")
    return float(x)


class Optimizer:
    """Holds the parameters; subclasses define :meth:`_update` for one parameter."""

    def __init__(self, params: Iterable[Value], lr: float, weight_decay: float) -> None:
        who = type(self).__name__
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{who}: got an empty parameter list")
        seen: set[int] = set()
        for p in self.params:
            if not isinstance(p, Value):
                raise TypeError(f"{who}: parameters must be Values, got {type(p).__name__}")
            if id(p) in seen:
                raise ValueError(f"{who}: parameter {p.label or repr(p)} appears twice")
            seen.add(id(p))
        if not (isinstance(lr, (int, float)) and math.isfinite(lr) and lr > 0):
            raise ValueError(f"{who}: lr must be a positive number, got {lr!r}")
        self.lr = float(lr)
        self.weight_decay = _check_number(who, "weight_decay", weight_decay, 0.0)
        self.steps = 0

    def zero_grad(self) -> None:
        """Set every parameter's gradient to 0."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """Apply one update to every parameter from its current ``grad``."""
        self.end_vector()
        self.steps += 1
        wd = self.weight_decay
        for i, p in enumerate(self.params):
            g = p.grad
            g = float(g.data if isinstance(g, Value) else g)
            if wd:
                g += wd * p.data
            p.data -= self._update(i, g)

    def _update(self, i: int, g: float) -> float:
        """The amount to subtract from parameter i, given its (decayed) gradient g."""
        raise NotImplementedError

    # -- all parameters as one array (``fit(compiled=True)``) --------------------------------

    def step_vector(self, data: Any, grad: Any, xp: Any) -> None:
        """The update of :meth:`step` on all parameters at once, held as one array ``data``
        with gradient ``grad`` (``xp``: the array module, NumPy); the same rule evaluated
        elementwise, so the same numbers. The state lives in arrays until :meth:`end_vector`."""
        self.steps += 1
        if self.weight_decay:
            grad = grad + self.weight_decay * data
        data -= self._update_vector(grad, xp)

    def end_vector(self) -> None:
        """Write the state of :meth:`step_vector` back to the per-parameter lists."""

    def _update_vector(self, g: Any, xp: Any) -> Any:
        raise NotImplementedError

    @property
    def vectorized(self) -> bool:
        """Whether :meth:`step_vector` computes this optimizer's update (SGD's and Adam's own
        rules; a subclass that changes ``step`` or ``_update`` is stepped per Value)."""
        cls = type(self)
        return cls.step is Optimizer.step and cls._update in _VECTOR_RULES


class SGD(Optimizer):
    """Stochastic gradient descent, w ← w − ρg, with optional momentum (PyTorch semantics)."""

    def __init__(
        self,
        params: Iterable[Value],
        lr: float,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
        *,
        dampening: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        super().__init__(params, lr, weight_decay)
        self.momentum = _check_number("SGD", "momentum", momentum, 0.0)
        self.dampening = _check_number("SGD", "dampening", dampening, 0.0, 1.0)
        if nesterov and (self.momentum == 0 or self.dampening != 0):
            raise ValueError("SGD: nesterov=True needs momentum > 0 and dampening = 0")
        self.nesterov = nesterov
        self.buffers: list[float | None] = [None] * len(self.params)
        self._vbuf: Any = None

    def _update(self, i: int, g: float) -> float:
        step, self.buffers[i] = self._rule(g, self.buffers[i])
        return float(step)

    def _rule(self, g: Any, b: Any) -> tuple[Any, Any]:
        """(the step, the new momentum buffer) for gradient g and buffer b (None at first),
        on floats or arrays alike."""
        mu = self.momentum
        if mu == 0:
            return self.lr * g, b
        b = g if b is None else mu * b + (1.0 - self.dampening) * g
        return self.lr * (g + mu * b if self.nesterov else b), b

    def _update_vector(self, g: Any, xp: Any) -> Any:
        if self._vbuf is None and self.buffers[0] is not None:
            self._vbuf = xp.array(self.buffers, dtype=float)
        step, self._vbuf = self._rule(g, self._vbuf)
        return step

    def end_vector(self) -> None:
        if self._vbuf is not None:
            self.buffers = [float(b) for b in self._vbuf.tolist()]
        self._vbuf = None


class Adam(Optimizer):
    """Adam with bias correction (Kingma & Ba; PyTorch's ``torch.optim.Adam`` semantics)."""

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr, weight_decay)
        if len(betas) != 2:
            raise ValueError(f"Adam: betas must be a pair (β₁, β₂), got {betas!r}")
        self.betas = (
            _check_number("Adam", "β₁", betas[0], 0.0, math.nextafter(1.0, 0.0)),
            _check_number("Adam", "β₂", betas[1], 0.0, math.nextafter(1.0, 0.0)),
        )
        # eps > 0 keeps the denominator √v̂ + eps positive: with eps = 0 a zero gradient
        # would divide 0 by 0. Refused here rather than giving IEEE nan later.
        if isinstance(eps, bool) or not isinstance(eps, (int, float)) or not 0 < eps < math.inf:
            raise ValueError(f"Adam: eps must be a finite number > 0, got {eps!r}")
        self.eps = float(eps)
        self.m = [0.0] * len(self.params)
        self.v = [0.0] * len(self.params)
        self._vm: Any = None
        self._vv: Any = None

    def _update(self, i: int, g: float) -> float:
        step, self.m[i], self.v[i] = self._rule(g, self.m[i], self.v[i], math.sqrt)
        return float(step)

    def _rule(self, g: Any, m: Any, v: Any, sqrt: Callable[[Any], Any]) -> tuple[Any, Any, Any]:
        """(the step, new m, new v), on floats or arrays alike."""
        b1, b2 = self.betas
        t = self.steps
        m = b1 * m + (1.0 - b1) * g
        v = b2 * v + (1.0 - b2) * g * g
        step_size = self.lr / (1.0 - b1**t)
        denom = sqrt(v) / math.sqrt(1.0 - b2**t) + self.eps
        return step_size * m / denom, m, v

    def _update_vector(self, g: Any, xp: Any) -> Any:
        if self._vm is None:
            self._vm, self._vv = xp.array(self.m, dtype=float), xp.array(self.v, dtype=float)
        step, self._vm, self._vv = self._rule(g, self._vm, self._vv, xp.sqrt)
        return step

    def end_vector(self) -> None:
        if self._vm is not None:
            self.m, self.v = self._vm.tolist(), self._vv.tolist()
        self._vm = self._vv = None


#: The per-parameter rules :meth:`Optimizer.step_vector` reproduces.
_VECTOR_RULES = (SGD._update, Adam._update)
