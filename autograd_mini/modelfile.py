"""The model file: an :class:`~autograd_mini.nn.MLP` as JSON, written atomically and read back
bit for bit, with every field validated.

A model file is JSON (never pickle): a format name (:data:`FORMAT_NAME`) and version
(:data:`FORMAT_VERSION`), the architecture and every weight as a shortest round-trip float, so
loading gives bit-identical outputs::

    {"format": "autograd-mini-mlp", "version": 1,
     "architecture": {"nin": 2, "nouts": [16, 1], "activation": "relu",
                      "output_activation": "linear"},
     "layers": [{"weights": [[w_111, w_112], ...], "biases": [b_11, ...]}, ...]}

``layers[l]["weights"][j][i]`` is w_(l+1)(j+1)(i+1) and ``layers[l]["biases"][j]`` is
b_(l+1)(j+1). The write is atomic (temporary file in the same folder, fsync, ``os.replace``).
Any bad file (unreadable, over :data:`MAX_FILE_BYTES`, not JSON, another format or version, a
missing or unknown key, a wrong type or shape, a non-finite weight) raises
:class:`ModelFileError` naming the file and the problem, and nothing is half-loaded.

``MLP.save(path)`` / ``MLP.load(path)`` and ``MLP.to_dict()`` / ``MLP.from_dict(content)`` call
:func:`save`, :func:`load`, :func:`to_dict` and :func:`from_dict`.

>>> from autograd_mini.nn import MLP
>>> model = MLP(2, [3, 1], seed=0)
>>> copy = from_dict(to_dict(model))
>>> copy([0.5, -1.0]).data == model([0.5, -1.0]).data
True
>>> try:
...     from_dict({"format": "something-else"}, "m.json")
... except ModelFileError as error:
...     print(error)
model file 'm.json': format is 'something-else', expected 'autograd-mini-mlp'
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autograd_mini.files import write_atomic

if TYPE_CHECKING:
    from autograd_mini.nn import MLP

__all__ = [
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "MAX_FILE_BYTES",
    "ModelFileError",
    "from_dict",
    "load",
    "save",
    "to_dict",
]

#: The ``"format"`` field of a model file, and the version this code reads and writes.
FORMAT_NAME = "autograd-mini-mlp"
FORMAT_VERSION = 1

#: The largest model file :func:`load` reads (256 MiB of JSON, about ten million weights,
#: far beyond what a scalar engine trains); a bigger file is refused before it is read.
MAX_FILE_BYTES = 256 * 2**20


class ModelFileError(ValueError):
    """A model file that cannot be read or written: the message names the file and why."""

    def __init__(self, path: str | os.PathLike[str], problem: str) -> None:
        self.path = os.fspath(path)
        self.problem = problem
        super().__init__(f"model file {self.path!r}: {problem}")


def to_dict(model: MLP) -> dict[str, Any]:
    """The model file's content: format, version, architecture and every weight."""
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "architecture": {
            "nin": model.nin,
            "nouts": model.nouts,
            "activation": model.activation,
            "output_activation": model.output_activation,
        },
        "layers": [
            {
                "weights": [[w.data for w in n.w] for n in layer.neurons],
                "biases": [n.b.data for n in layer.neurons],
            }
            for layer in model.layers
        ],
    }


def from_dict(content: object, source: str = "<dict>") -> MLP:
    """Build a model from :func:`to_dict`'s content, validating every field first;
    ``source`` names it in a :class:`ModelFileError`."""
    return _build(content, source)


def save(model: MLP, path: str | os.PathLike[str]) -> None:
    """Write ``model`` to ``path`` as JSON, atomically; a non-finite weight is refused."""
    for name, p in model.named_parameters():
        if not math.isfinite(p.data):
            raise ModelFileError(path, f"cannot save a non-finite parameter {name} = {p.data}")
    import json  # model files only: keeps `import autograd_mini` light

    text = json.dumps(to_dict(model), indent=1, allow_nan=False) + "\n"
    _write_atomically(Path(path), text)


def load(path: str | os.PathLike[str]) -> MLP:
    """Read a model written by :func:`save`; :class:`ModelFileError` for any bad file."""
    import json

    raw = _read_bounded(path)
    try:
        content = json.loads(
            raw.decode("utf-8"), parse_constant=_reject_constant, object_pairs_hook=_unique
        )
    except (UnicodeDecodeError, ValueError) as error:
        raise ModelFileError(path, f"is not valid JSON (truncated or corrupt?): {error}") from (
            error
        )
    except RecursionError:
        raise ModelFileError(path, "is not a model file (JSON nested too deeply)") from None
    return _build(content, os.fspath(path))


def _read_bounded(path: str | os.PathLike[str]) -> bytes:
    """The file's bytes, refusing (without reading it all) one above :data:`MAX_FILE_BYTES`."""
    limit = MAX_FILE_BYTES
    try:
        with open(path, "rb") as f:
            raw = f.read(limit + 1)
    except OSError as error:
        raise ModelFileError(path, f"cannot be read ({error.strerror or error})") from error
    if len(raw) > limit:
        raise ModelFileError(path, f"is larger than {limit} bytes; is it really a model file?")
    return raw


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object whose keys are all distinct (a repeated key makes the file ambiguous)."""
    content: dict[str, Any] = {}
    for key, value in pairs:
        if key in content:
            raise ValueError(f"duplicate key {key!r}")
        content[key] = value
    return content


def _reject_constant(name: str) -> float:
    raise ValueError(f"non-finite number {name} is not allowed")


def _write_atomically(path: Path, text: str) -> None:
    """Write the model file atomically (see :func:`autograd_mini.files.write_atomic`)."""
    try:
        write_atomic(path, text)
    except OSError as error:
        raise ModelFileError(path, f"cannot be written ({error.strerror or error})") from error


# -- validating a model file ---------------------------------------------------------------


class _Bad(Exception):
    """One problem found while validating; turned into a ModelFileError."""


def _field(content: dict[str, Any], key: str, where: str) -> Any:
    if key not in content:
        raise _Bad(f"missing key {key!r} in {where}")
    return content[key]


def _dict(x: object, where: str, keys: tuple[str, ...]) -> dict[str, Any]:
    """A JSON object holding exactly ``keys``: a missing or unknown key is an error (an
    unknown one would otherwise be dropped silently)."""
    if not isinstance(x, dict):
        raise _Bad(f"{where} must be a JSON object, got {type(x).__name__}")
    for key in keys:
        _field(x, key, where)
    for key in x:
        if key not in keys:
            raise _Bad(f"unexpected key {key!r} in {where} (this version knows {list(keys)})")
    return x


def _size(x: object, where: str) -> int:
    if isinstance(x, bool) or not isinstance(x, int) or x < 1:
        raise _Bad(f"{where} must be a positive integer, got {x!r}")
    return x


def _number(x: object, where: str) -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise _Bad(f"{where} must be a number, got {type(x).__name__} {x!r}")
    try:
        value = float(x)
    except OverflowError:  # an integer beyond the float range
        value = math.inf
    if not math.isfinite(value):
        raise _Bad(f"{where} is not finite: {value!r}")
    return value


def _numbers(x: object, n: int, where: str) -> list[float]:
    if not isinstance(x, list):
        raise _Bad(f"{where} must be a list, got {type(x).__name__}")
    if len(x) != n:
        raise _Bad(f"{where} has {len(x)} entries, the architecture needs {n}")
    return [_number(v, f"{where}[{i}]") for i, v in enumerate(x)]


_FILE_KEYS = ("format", "version", "architecture", "layers")
_ARCHITECTURE_KEYS = ("nin", "nouts", "activation", "output_activation")
_LAYER_KEYS = ("weights", "biases")


def _architecture(content: dict[str, Any]) -> tuple[int, list[int], str, str]:
    from autograd_mini.nn import ACTIVATIONS

    arch = _dict(content["architecture"], "architecture", _ARCHITECTURE_KEYS)
    nin = _size(arch["nin"], "architecture.nin")
    nouts = arch["nouts"]
    if not isinstance(nouts, list) or not nouts:
        raise _Bad(f"architecture.nouts must be a non-empty list, got {nouts!r}")
    sizes = [_size(n, f"architecture.nouts[{i}]") for i, n in enumerate(nouts)]
    names = []
    for key in ("activation", "output_activation"):
        name = arch[key]
        if not isinstance(name, str) or name not in ACTIVATIONS:
            raise _Bad(f"architecture.{key} {name!r} is not one of {list(ACTIVATIONS)}")
        names.append(name)
    return nin, sizes, names[0], names[1]


def _weights(
    content: dict[str, Any], sizes: list[int]
) -> list[tuple[list[list[float]], list[float]]]:
    layers = content["layers"]
    if not isinstance(layers, list) or len(layers) != len(sizes) - 1:
        count = len(layers) if isinstance(layers, list) else type(layers).__name__
        raise _Bad(f"'layers' has {count} entries, the architecture needs {len(sizes) - 1}")
    out = []
    for k, entry in enumerate(layers):
        where = f"layers[{k}]"
        layer = _dict(entry, where, _LAYER_KEYS)
        rows = layer["weights"]
        if not isinstance(rows, list) or len(rows) != sizes[k + 1]:
            raise _Bad(f"{where}.weights must be a list of {sizes[k + 1]} rows (one per neuron)")
        weights = [_numbers(r, sizes[k], f"{where}.weights[{j}]") for j, r in enumerate(rows)]
        biases = _numbers(layer["biases"], sizes[k + 1], f"{where}.biases")
        out.append((weights, biases))
    return out


def _header(content: object) -> dict[str, Any]:
    """The top-level object, once its format and version are known to be this code's (checked
    first, so another program's JSON is reported as such rather than by its keys)."""
    if not isinstance(content, dict):
        raise _Bad(f"the file must be a JSON object, got {type(content).__name__}")
    fmt = _field(content, "format", "the file")
    if fmt != FORMAT_NAME:
        raise _Bad(f"format is {fmt!r}, expected {FORMAT_NAME!r}")
    version = _field(content, "version", "the file")
    if type(version) is not int or version != FORMAT_VERSION:
        raise _Bad(f"unsupported version {version!r} (this code reads {FORMAT_VERSION})")
    return _dict(content, "the file", _FILE_KEYS)


def _build(content: object, source: str) -> MLP:
    try:
        top = _header(content)
        nin, nouts, activation, output_activation = _architecture(top)
        weights = _weights(top, [nin, *nouts])
    except _Bad as problem:
        raise ModelFileError(source, str(problem)) from None
    from autograd_mini.nn import MLP

    model = MLP(nin, nouts, activation, output_activation=output_activation, seed=0)
    for layer, (rows, biases) in zip(model.layers, weights, strict=True):
        for n, row, b in zip(layer.neurons, rows, biases, strict=True):
            for w, x in zip(n.w, row, strict=True):
                w.data = x
            n.b.data = b
    return model
