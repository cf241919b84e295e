"""Fully connected networks built from :class:`~autograd_mini.engine.Value`: neurons, layers,
multi-layer perceptrons, δ inspection and model files.

The chapter's two-layer unit
----------------------------
Every layer is the chapter's pair of transforms. Neuron j of layer l computes

    u_lj = Σᵢ w_lji · h_(l−1)i + b_lj        (linear transform, u = Wh + b)
    h_lj = f(u_lj)                           (non-linear transform, the activation f)

with h_0i = x_i the inputs. f is one of :data:`autograd_mini.activations.REGISTRY`:
``"relu"`` (max(0, u)), ``"sigmoid"`` (1/(1 + e^(−u))), ``"tanh"``, ``"softplus"``
(log(1 + eᵘ)) or ``"linear"`` (h = u). In an :class:`MLP` the hidden layers use
``activation`` and the last layer is linear (its outputs y are the scores/logits a loss reads).

By default the linear transform is ONE graph node per neuron
(:func:`autograd_mini.engine.linear`, op ``"linear"``), whose parents are the weights, the
inputs and the bias and whose local derivatives are ∂u/∂wᵢ = hᵢ, ∂u/∂hᵢ = wᵢ, ∂u/∂b = 1.
That node *is* the chapter's u, and it is several times faster than the 2n separate ``*``
and ``+`` nodes micrograd builds. ``expand=True`` (per model, or per call:
``model(x, expand=True)``) builds those separate nodes instead, for teaching and drawing;
both modes add in the same order (b + w₁h₁ + w₂h₂ + …), so they give bit-identical values
and gradients.

δ inspection (backpropagation)
------------------------------
After ``model(x)`` every :class:`Neuron` keeps ``.u`` and ``.h``, the Values of that call;
after ``L.backward()`` its ``.delta`` is δ = ∂L/∂u (the engine resets intermediate nodes on
every backward pass, so this is the δ of the last pass). The chapter's recursion holds for
every pair of consecutive layers j → k:

    ∂L/∂w_jk = h_j · δ_k,        δ_j = f′(u_j) · Σ_k w_jk · δ_k.

``model.deltas()`` returns the δ of every neuron, layer by layer.

Names and roles
---------------
Parameters are labelled in the chapter's notation with underscores (a drawing renders the
part after ``_`` as a subscript): ``w_lji`` is layer l's weight from input i to neuron j,
``b_lj`` its bias, and each call labels ``u_lj`` and ``h_lj``. Indices are 1-based and written
without separators while all are single digits (``w_123``), else separated by commas
(``w_1,12,3``). :func:`parameter_role` maps a parameter back to ``(layer, neuron, kind,
index)``.

Initialization
--------------
* Neither ``seed`` nor ``rng`` given: micrograd's rule, wᵢ ~ U(−1, 1) drawn from Python's
  global :mod:`random` generator and b = 0, so ``random.seed(s)`` followed by
  ``MLP(2, [16, 16, 1])`` gives exactly micrograd's initial weights.
* ``seed=`` (an int) or ``rng=`` (a :class:`random.Random`): scaled uniform draws from that
  generator only, b = 0, by the activation's rule: He scaling for ReLU-like layers (relu,
  softplus), wᵢ ~ U(−√(6/n_in), √(6/n_in)) (variance 2/n_in), and Xavier/Glorot scaling
  for sigmoid, tanh and linear layers,
  wᵢ ~ U(−√(6/(n_in + n_out)), √(6/(n_in + n_out))) (variance 2/(n_in + n_out)).

Model files
-----------
``model.save(path)`` and ``MLP.load(path)`` read and write the JSON model file described in
:mod:`autograd_mini.modelfile` (never pickle; bit-identical outputs after a round trip; any
bad file is a :class:`ModelFileError` naming the file and the problem). ``ModelFileError``,
``MAX_FILE_BYTES``, ``FORMAT_NAME`` and ``FORMAT_VERSION`` are importable from here too.
"""

from __future__ import annotations

import functools
import numbers
import os
import random
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple

from autograd_mini import activations, modelfile
from autograd_mini.engine import Operand, Value, linear, linear_layer
from autograd_mini.modelfile import FORMAT_NAME, FORMAT_VERSION, MAX_FILE_BYTES, ModelFileError

__all__ = [
    "ACTIVATIONS",
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "MAX_FILE_BYTES",
    "MLP",
    "Layer",
    "ModelFileError",
    "Module",
    "Neuron",
    "ParameterRole",
    "init_bound",
    "parameter_role",
    "tracked_parameters",
]


class _ActivationFunctions(Mapping[str, "Callable[[Value], Value] | None"]):
    """name → f (None for the identity), read live from the activation registry."""

    def __getitem__(self, name: str) -> Callable[[Value], Value] | None:
        if name not in activations.REGISTRY:
            raise KeyError(name)
        return activations.REGISTRY[name].function()

    def __iter__(self) -> Iterator[str]:
        return iter(activations.REGISTRY)

    def __len__(self) -> int:
        return len(activations.REGISTRY)

    def __repr__(self) -> str:
        return f"ACTIVATIONS({', '.join(activations.REGISTRY)})"


#: The activation functions f by name, ``f(u) -> Value`` (None for ``"linear"``, h = u): a
#: live view of :data:`autograd_mini.activations.REGISTRY`, where each one's record is.
ACTIVATIONS: Mapping[str, Callable[[Value], Value] | None] = _ActivationFunctions()


class ParameterRole(NamedTuple):
    """Where a parameter sits: 1-based layer and neuron, kind ``"w"`` or ``"b"``, and for a
    weight the 1-based index of the input it multiplies (None for a bias)."""

    layer: int
    neuron: int
    kind: str
    index: int | None  # type: ignore[assignment]  # the contract's name; shadows tuple.index


# id(parameter) -> (weak reference to its Neuron, kind, 1-based input index or None).
# Values have no __weakref__ slot, so the registry is keyed by id and every hit is checked
# by identity against the live neuron; a neuron's entries go when the neuron is collected.
_ROLES: dict[int, tuple[weakref.ref[Neuron], str, int | None]] = {}


def parameter_role(value: Value) -> ParameterRole | None:
    """The :class:`ParameterRole` of a parameter of a live :class:`Neuron`, else None."""
    entry = _ROLES.get(id(value))
    if entry is None:
        return None
    ref, kind, index = entry
    neuron = ref()
    if neuron is None:
        return None
    current = neuron.b if index is None else _at(neuron.w, index - 1)
    if current is not value:
        return None
    return ParameterRole(neuron.layer_index, neuron.neuron_index, kind, index)


def tracked_parameters() -> int:
    """How many parameters :func:`parameter_role` knows now (a neuron's entries go when the
    neuron is garbage-collected, so this does not grow with models that are gone)."""
    return len(_ROLES)


def _at(values: Sequence[Value], i: int) -> Value | None:
    return values[i] if 0 <= i < len(values) else None


def _forget(ids: list[int], ref: weakref.ref[Neuron]) -> None:
    """Drop a collected neuron's registry entries (those not since taken by another)."""
    for key in ids:
        entry = _ROLES.get(key)
        if entry is not None and entry[0] is ref:
            del _ROLES[key]


def _subscript(*indices: int) -> str:
    """Chapter-style subscript: ``123`` while every index is one digit, else ``1,12,3``."""
    if all(i < 10 for i in indices):
        return "".join(map(str, indices))
    return ",".join(map(str, indices))


def _check_activation(activation: str) -> str:
    return activations.get(activation).name


def _resolve_activation(activation: str | bool | None, nonlin: bool | None) -> str:
    """micrograd's ``nonlin`` flag (True = ReLU, False = linear) or an activation name.

    A bool in the activation's place is micrograd's positional ``Neuron(nin, nonlin)``.
    """
    if isinstance(activation, bool):
        if nonlin is not None:
            raise ValueError(f"nonlin given twice ({activation} and nonlin={nonlin})")
        activation, nonlin = None, activation
    if nonlin is None:
        return _check_activation("relu" if activation is None else activation)
    implied = "relu" if nonlin else "linear"
    if activation is not None and activation != implied:
        raise ValueError(f"nonlin={nonlin} means activation {implied!r}, not {activation!r}")
    return implied


def init_bound(activation: str, fan_in: int, fan_out: int) -> float:
    """Half-width a of the uniform U(−a, a) initial weights, by the activation's rule: He for
    ReLU-like f (relu, softplus), Xavier for sigmoid, tanh and linear layers."""
    return activations.get(activation).init(fan_in, fan_out)


def _check_size(what: str, n: object) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"{what} must be a positive int, got {n!r}")
    return n


def _as_inputs(
    x: Sequence[Operand] | Operand, nin: int, who: Callable[[], str]
) -> Sequence[Operand]:
    """The inputs as a sequence: a list, a tuple, any iterable (a NumPy row) or one number.
    ``who()`` names the caller in an error (formatted only then, not on every call)."""
    if isinstance(x, Value):
        x = [x]
    elif isinstance(x, numbers.Real) and not isinstance(x, bool):
        x = [float(x)]
    elif isinstance(x, (str, bytes)) or not isinstance(x, Iterable):
        raise TypeError(f"{who()} takes a list of {nin} numbers or Values, got {type(x).__name__}")
    elif not isinstance(x, Sequence):
        x = list(x)
    if len(x) != nin:
        raise ValueError(f"{who()} takes {nin} inputs, got {len(x)}")
    return x


class Module:
    """Anything with parameters: ``parameters()``, ``named_parameters()``, ``zero_grad()``."""

    def parameters(self) -> list[Value]:
        """Every parameter, in a fixed order (layer by layer, neuron by neuron, w then b)."""
        return []

    def named_parameters(self) -> list[tuple[str, Value]]:
        """``(label, parameter)`` pairs in the order of :meth:`parameters`."""
        return [(p.label, p) for p in self.parameters()]

    def zero_grad(self) -> None:
        """Set every parameter's gradient to 0 (leaves accumulate across backward calls)."""
        for p in self.parameters():
            p.grad = 0.0

    def neurons_by_layer(self) -> list[list[Neuron]]:
        """The neurons, layer by layer."""
        return []

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        """How Jupyter shows the module: :func:`autograd_mini.viz.mimebundle`'s drawing, or
        the plain ``repr`` where the drawing is not available."""
        try:
            from autograd_mini.viz import mimebundle
        except (ImportError, AttributeError):
            return {"text/plain": repr(self)}
        bundle: dict[str, Any] = mimebundle(self)
        return bundle

    def deltas(self) -> list[list[float]]:
        """δ = ∂L/∂u of every neuron for the last forward call and backward pass, by layer."""
        rows = []
        for layer in self.neurons_by_layer():
            row = []
            for n in layer:
                d = n.delta
                if d is None:
                    raise RuntimeError(
                        f"deltas: {n.u_label} has no forward value yet; call the model first"
                    )
                row.append(d)
            rows.append(row)
        return rows


class Neuron(Module):
    """One neuron: u = Σᵢ wᵢhᵢ + b, h = f(u).

    ``Neuron(nin, activation="relu")``; micrograd's ``Neuron(nin, nonlin=False)`` (or
    ``Neuron(nin, False)``) gives a linear neuron. See the module docstring for
    initialization (``seed``/``rng``) and ``expand``. ``layer``/``neuron`` are the 1-based
    position used in labels and :func:`parameter_role` (a :class:`Layer` sets them).
    """

    def __init__(
        self,
        nin: int,
        activation: str | bool | None = None,
        *,
        nonlin: bool | None = None,
        seed: int | None = None,
        rng: random.Random | None = None,
        fan_out: int = 1,
        expand: bool = False,
        layer: int = 1,
        neuron: int = 1,
    ) -> None:
        nin = _check_size("Neuron: nin", nin)
        self.activation = _resolve_activation(activation, nonlin)
        self._f = activations.get(self.activation).function()
        self.expand = expand
        self.w = [Value(x) for x in _initial_weights(nin, self.activation, fan_out, seed, rng)]
        self.b = Value(0.0)
        self.u: Value | None = None
        self.h: Value | None = None
        self._ids: list[int] = []
        self._ref = weakref.ref(self, functools.partial(_forget, self._ids))
        self.place(layer, neuron)

    @property
    def nonlin(self) -> bool:
        """micrograd's flag: True unless the activation is linear."""
        return self.activation != "linear"

    def place(self, layer: int, neuron: int) -> None:
        """Set this neuron's 1-based position and relabel its parameters to match."""
        self.layer_index, self.neuron_index = layer, neuron
        for i, w in enumerate(self.w, 1):
            w.label = "w_" + _subscript(layer, neuron, i)
            self._register(w, "w", i)
        self.b.label = "b_" + _subscript(layer, neuron)
        self._register(self.b, "b", None)
        self.u_label = "u_" + _subscript(layer, neuron)
        self.h_label = "h_" + _subscript(layer, neuron)

    def _register(self, p: Value, kind: str, index: int | None) -> None:
        _ROLES[id(p)] = (self._ref, kind, index)
        self._ids.append(id(p))

    def __call__(self, x: Sequence[Operand] | Operand, expand: bool | None = None) -> Value:
        x = _as_inputs(x, len(self.w), self.__repr__)
        return self._forward(x, self.expand if expand is None else expand)

    def _forward(self, x: Sequence[Operand], expand: bool) -> Value:
        if expand:
            u = self.b
            for w, h in zip(self.w, x, strict=True):
                u = u + w * h
        else:
            u = linear(self.w, x, self.b)
        return self._activate(u)

    def _activate(self, u: Value) -> Value:
        """Label this call's u, apply f and keep both (``.u``, ``.h``); returns h."""
        u.label = self.u_label
        h = u if self._f is None else self._f(u)
        if h is not u:
            h.label = self.h_label
        self.u, self.h = u, h
        return h

    @property
    def delta(self) -> float | None:
        """δ = ∂L/∂u for the last call (after ``backward()``); None before any call."""
        if self.u is None:
            return None
        g = self.u.grad
        return float(g.data if isinstance(g, Value) else g)

    def parameters(self) -> list[Value]:
        return [*self.w, self.b]

    def neurons_by_layer(self) -> list[list[Neuron]]:
        return [[self]]

    def __repr__(self) -> str:
        return f"{activations.get(self.activation).display}Neuron({len(self.w)})"


def _initial_weights(
    nin: int, activation: str, fan_out: int, seed: int | None, rng: random.Random | None
) -> list[float]:
    if seed is not None and rng is not None:
        raise ValueError("pass either seed= or rng=, not both")
    if seed is None and rng is None:
        return [random.uniform(-1, 1) for _ in range(nin)]  # micrograd's rule
    gen = rng if rng is not None else random.Random(seed)
    a = init_bound(activation, nin, fan_out)
    return [gen.uniform(-a, a) for _ in range(nin)]


class Layer(Module):
    """``nout`` neurons reading the same ``nin`` inputs: u = Wh + b, h = f(u).

    Calling it returns one Value when ``nout == 1``, else a list (micrograd's rule).
    micrograd's ``Layer(nin, nout, nonlin=...)`` works too.
    """

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str | None = None,
        *,
        nonlin: bool | None = None,
        seed: int | None = None,
        rng: random.Random | None = None,
        expand: bool = False,
        layer: int = 1,
    ) -> None:
        nin = _check_size("Layer: nin", nin)
        nout = _check_size("Layer: nout", nout)
        self.activation = _resolve_activation(activation, nonlin)
        if seed is not None:
            if rng is not None:
                raise ValueError("pass either seed= or rng=, not both")
            rng = random.Random(seed)
        self.expand = expand
        self.neurons = [
            Neuron(nin, self.activation, rng=rng, fan_out=nout, expand=expand) for _ in range(nout)
        ]
        self.place(layer)

    @property
    def nin(self) -> int:
        return len(self.neurons[0].w)

    @property
    def nout(self) -> int:
        return len(self.neurons)

    def place(self, layer: int) -> None:
        """Set this layer's 1-based index and relabel its neurons' parameters."""
        self.layer_index = layer
        for j, n in enumerate(self.neurons, 1):
            n.place(layer, j)

    def __call__(
        self, x: Sequence[Operand] | Operand, expand: bool | None = None
    ) -> Value | list[Value]:
        out = self._forward(_as_inputs(x, self.nin, self.__repr__), expand)
        return out[0] if len(out) == 1 else out

    def _forward(self, x: Sequence[Operand], expand: bool | None) -> list[Value]:
        e = self.expand if expand is None else expand
        if e:
            return [n._forward(x, e) for n in self.neurons]
        us = linear_layer([n.w for n in self.neurons], x, [n.b for n in self.neurons])
        return [n._activate(u) for n, u in zip(self.neurons, us, strict=True)]

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def neurons_by_layer(self) -> list[list[Neuron]]:
        return [list(self.neurons)]

    def __iter__(self) -> Iterator[Neuron]:
        return iter(self.neurons)

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """A multi-layer perceptron: ``MLP(nin, nouts, activation="relu")``.

    ``nouts`` lists each layer's width; the hidden layers use ``activation`` and the last
    layer uses ``output_activation`` (linear by default, as in micrograd, so the outputs are
    scores or logits for a loss). ``MLP(2, [16, 16, 1])`` is micrograd's demo network.
    Calling the model on a list of ``nin`` numbers or Values returns one Value when the last
    layer has one output, else a list. ``seed``/``rng``/``expand``: see the module docstring.
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str = "relu",
        *,
        output_activation: str = "linear",
        seed: int | None = None,
        rng: random.Random | None = None,
        expand: bool = False,
    ) -> None:
        nin = _check_size("MLP: nin", nin)
        if isinstance(nouts, (str, bytes)) or not isinstance(nouts, Sequence) or not nouts:
            raise ValueError(f"MLP: nouts must be a non-empty list of layer sizes, got {nouts!r}")
        sizes = [nin, *(_check_size("MLP: each layer size", n) for n in nouts)]
        self.activation = _check_activation(activation)
        self.output_activation = _check_activation(output_activation)
        if seed is not None:
            if rng is not None:
                raise ValueError("pass either seed= or rng=, not both")
            rng = random.Random(seed)
        self.expand = expand
        last = len(nouts) - 1
        self.layers = [
            Layer(
                sizes[i],
                sizes[i + 1],
                self.output_activation if i == last else self.activation,
                rng=rng,
                expand=expand,
                layer=i + 1,
            )
            for i in range(len(nouts))
        ]

    @property
    def nin(self) -> int:
        return self.layers[0].nin

    @property
    def nouts(self) -> list[int]:
        return [layer.nout for layer in self.layers]

    def _name(self) -> str:
        return f"MLP({self.nin}, {self.nouts})"

    def __call__(
        self, x: Sequence[Operand] | Operand, expand: bool | None = None
    ) -> Value | list[Value]:
        h: Sequence[Operand] = _as_inputs(x, self.nin, self._name)
        out: list[Value] = []
        for layer in self.layers:
            out = layer._forward(h, expand)
            h = out
        return out[0] if len(out) == 1 else out

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def neurons_by_layer(self) -> list[list[Neuron]]:
        return [list(layer.neurons) for layer in self.layers]

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"

    # -- model files (the format lives in autograd_mini.modelfile) -------------------------

    def to_dict(self) -> dict[str, Any]:
        """The model file's content: see :func:`autograd_mini.modelfile.to_dict`."""
        return modelfile.to_dict(self)

    @classmethod
    def from_dict(cls, content: object, source: str = "<dict>") -> MLP:
        """Build a model from :meth:`to_dict`'s content, validating every field first."""
        return modelfile.from_dict(content, source)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the model to ``path`` as JSON, atomically (see :mod:`autograd_mini.modelfile`)."""
        modelfile.save(self, path)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> MLP:
        """Read a model written by :meth:`save`; :class:`ModelFileError` for any bad file."""
        return modelfile.load(path)
