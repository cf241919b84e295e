"""The model file: an :class:`~autograd_mini.nn.MLP` as JSON, written atomically and read back
bit for bit, with every field validated.

A model file is JSON (never pickle): a format name (:data:`FORMAT_NAME`) and version
(:data:`FORMAT_VERSION`), the architecture and every weight as a shortest round-trip float, so
loading gives bit-identical outputs::

    {"format": "autograd-mini-mlp", "version": 1,
     "architecture": {"nin": 2, "nouts": [16, 1], "activation": "relu",
                      "output_activation": "linear"},
     "layers": [{"weights": [[w_111, w_112], ...], "biases": [b_11, ...]}, ...],
     "sha256": "<64 hex digits>"}

``layers[l]["weights"][j][i]`` is w_(l+1)(j+1)(i+1) and ``layers[l]["biases"][j]`` is
b_(l+1)(j+1). The write is atomic (temporary file in the same folder, fsync, ``os.replace``).

**Integrity.** ``"sha256"`` is the SHA-256 of the canonical content: everything but that key,
as :func:`canonical_json` writes it (sorted keys, no spaces, shortest round-trip floats). Load
recomputes it, so a changed digit anywhere is an error ("integrity check failed") rather than
a different model. It detects corruption and careless edits, not a forger (who can recompute
it). A file without it (written before the check existed) loads with a
:class:`ModelFileWarning`; saving it again adds the checksum.

**Limits**, proportionate to a scalar engine (whose every parameter is a Python object):
:data:`MAX_FILE_BYTES` (8 MiB), :data:`MAX_LAYERS` (64), :data:`MAX_NEURONS` (10,000) and
:data:`MAX_PARAMETERS` (100,000, about 2.5 MB of JSON; loading that many takes about a
second). The size is checked before anything is read and the counts from the architecture
before any weight is looked at, so a file over a limit is refused in milliseconds.

Any bad file (unreadable, not a regular file, over a limit, not JSON, another format or
version, a missing or unknown key, a wrong type or shape, a non-finite weight, a checksum that
does not match) raises :class:`ModelFileError` naming the file and the problem in one line
that quotes at most :data:`QUOTE_CHARS` characters of the file, and nothing is half-loaded.

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

import hashlib
import math
import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autograd_mini.files import FileRefusedError, read_bounded, write_atomic

if TYPE_CHECKING:
    from autograd_mini.nn import MLP

__all__ = [
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "MAX_FILE_BYTES",
    "MAX_LAYERS",
    "MAX_NEURONS",
    "MAX_PARAMETERS",
    "QUOTE_CHARS",
    "ModelFileError",
    "ModelFileWarning",
    "canonical_json",
    "from_dict",
    "load",
    "save",
    "to_dict",
]

#: The ``"format"`` field of a model file, and the version this code reads and writes.
FORMAT_NAME = "autograd-mini-mlp"
FORMAT_VERSION = 1

#: The largest model file :func:`load` reads: 8 MiB, three times what
#: :data:`MAX_PARAMETERS` weights take; a bigger file is refused before it is read.
MAX_FILE_BYTES = 8 * 2**20

#: The most layers (of neurons, the inputs not counted) a model file may describe.
MAX_LAYERS = 64

#: The most neurons, summed over the layers.
MAX_NEURONS = 10_000

#: The most parameters (weights and biases): each is a Value, a few hundred bytes; training
#: this many on a scalar engine already takes seconds per sample.
MAX_PARAMETERS = 100_000

#: The most characters of the file's own content an error message quotes.
QUOTE_CHARS = 40


class ModelFileError(ValueError):
    """A model file that cannot be read or written: the message names the file and why."""

    def __init__(self, path: str | os.PathLike[str], problem: str) -> None:
        self.path = os.fspath(path)
        self.problem = problem
        super().__init__(f"model file {self.path!r}: {problem}")


class ModelFileWarning(UserWarning):
    """A model file that loads but lacks something current files have (the checksum)."""


def canonical_json(content: dict[str, Any]) -> str:
    """The text the checksum covers: ``content`` without ``"sha256"``, keys sorted, no
    spaces, ASCII only, floats as their shortest round-trip form."""
    import json

    rest = {k: v for k, v in content.items() if k != "sha256"}
    return json.dumps(rest, sort_keys=True, separators=(",", ":"), allow_nan=False)


def _digest(content: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(content).encode("ascii")).hexdigest()


def _quote(x: object) -> str:
    """``repr(x)``, at most :data:`QUOTE_CHARS` characters (a hostile file may hold megabytes
    where a short string belongs)."""
    if isinstance(x, (list, dict)) and len(x) > QUOTE_CHARS:
        return f"<a {type(x).__name__} of {len(x)} entries>"
    text = repr(x)
    return text if len(text) <= QUOTE_CHARS else text[: QUOTE_CHARS - 3] + "..."


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
    ``source`` names it in a :class:`ModelFileError`. Content holding a ``"sha256"`` (a
    parsed model file) is checked against it; content without one is accepted silently."""
    model = _build(content, source)
    if isinstance(content, dict) and "sha256" in content:
        _verify(content, source)
    return model


def save(model: MLP, path: str | os.PathLike[str]) -> None:
    """Write ``model`` to ``path`` as JSON, atomically; a non-finite weight is refused."""
    for name, p in model.named_parameters():
        if not math.isfinite(p.data):
            raise ModelFileError(path, f"cannot save a non-finite parameter {name} = {p.data}")
    import json  # model files only: keeps `import autograd_mini` light

    content = to_dict(model)
    content["sha256"] = _digest(content)
    text = json.dumps(content, indent=1, allow_nan=False) + "\n"
    _write_atomically(Path(path), text)


def load(path: str | os.PathLike[str]) -> MLP:
    """Read a model written by :func:`save`; :class:`ModelFileError` for any bad file."""
    import json

    raw = _read_bounded(path)
    _check_token_counts(raw, path)
    try:
        content = json.loads(
            raw.decode("utf-8"), parse_constant=_reject_constant, object_pairs_hook=_unique
        )
    except (UnicodeDecodeError, ValueError) as error:
        reason = _quote(str(error))[1:-1] if len(str(error)) > 80 else str(error)
        raise ModelFileError(path, f"is not valid JSON (truncated or corrupt?): {reason}") from (
            None
        )
    except RecursionError:
        raise ModelFileError(path, "is not a model file (JSON nested too deeply)") from None
    model = _build(content, os.fspath(path))
    _verify(content, path)
    return model


def _check_token_counts(raw: bytes, path: str | os.PathLike[str]) -> None:
    """Refuse, before parsing, a file with more JSON lists or values than any network within
    the limits has (counted in C, milliseconds for 8 MiB): a model file has one list per
    neuron's weights plus a few, and one comma per value or key at most. Parsing a file of
    10⁶ tiny lists alone took seconds."""
    lists = raw.count(b"[")
    if lists > MAX_NEURONS + 2 * MAX_LAYERS + 2:
        raise ModelFileError(
            path,
            f"holds {lists} JSON lists, more than a network within the limits has "
            f"({MAX_NEURONS} neurons, {MAX_LAYERS} layers)",
        )
    commas = raw.count(b",")
    if commas > MAX_PARAMETERS + MAX_NEURONS + 8 * MAX_LAYERS + 16:
        raise ModelFileError(
            path,
            f"holds {commas} JSON values, more than a network within the limits has "
            f"({MAX_PARAMETERS} parameters)",
        )


def _verify(content: dict[str, Any], path: str | os.PathLike[str]) -> None:
    """Check the file's checksum (the content is already known to be well formed)."""
    if "sha256" not in content:
        warnings.warn(
            f"model file {os.fspath(path)!r} has no integrity check (written by an older "
            "autograd-mini); save it again to add one",
            ModelFileWarning,
            stacklevel=3,
        )
        return
    if content["sha256"] != _digest(content):
        raise ModelFileError(
            path,
            "integrity check failed: the content does not match its sha256 "
            "(corrupted or edited since it was saved)",
        )


def _read_bounded(path: str | os.PathLike[str]) -> bytes:
    """The file's bytes (a regular file only; never blocks on a FIFO), refusing one above
    :data:`MAX_FILE_BYTES` without reading it."""
    limit = MAX_FILE_BYTES
    try:
        return read_bounded(path, limit)
    except FileRefusedError as error:
        problem = error.problem
        if problem.startswith("is larger than"):
            problem += "; is it really a model file?"
        raise ModelFileError(path, problem) from None
    except OSError as error:
        raise ModelFileError(path, f"cannot be read ({error.strerror or error})") from error


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object whose keys are all distinct (a repeated key makes the file ambiguous)."""
    content: dict[str, Any] = {}
    for key, value in pairs:
        if key in content:
            raise ValueError(f"duplicate key {_quote(key)}")
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
        raise _Bad(f"missing key {_quote(key)} in {where}")
    return content[key]


def _dict(
    x: object, where: str, keys: tuple[str, ...], optional: tuple[str, ...] = ()
) -> dict[str, Any]:
    """A JSON object holding exactly ``keys`` (and perhaps ``optional`` ones): a missing or
    unknown key is an error (an unknown one would otherwise be dropped silently)."""
    if not isinstance(x, dict):
        raise _Bad(f"{where} must be a JSON object, got {type(x).__name__}")
    for key in keys:
        _field(x, key, where)
    for key in x:
        if key not in keys and key not in optional:
            known = [k for k in keys if k != "sha256"]
            raise _Bad(f"unexpected key {_quote(key)} in {where} (this version knows {known})")
    return x


def _size(x: object, where: str) -> int:
    if isinstance(x, bool) or not isinstance(x, int) or x < 1:
        raise _Bad(f"{where} must be a positive integer, got {_quote(x)}")
    return x


def _number(x: object, where: str) -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise _Bad(f"{where} must be a number, got {type(x).__name__} {_quote(x)}")
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
        raise _Bad(f"architecture.nouts must be a non-empty list, got {_quote(nouts)}")
    if len(nouts) > MAX_LAYERS:
        raise _Bad(f"architecture has {len(nouts)} layers; the limit is {MAX_LAYERS}")
    sizes = [_size(n, f"architecture.nouts[{i}]") for i, n in enumerate(nouts)]
    _check_counts(nin, sizes)
    names = []
    for key in ("activation", "output_activation"):
        name = arch[key]
        if not isinstance(name, str) or name not in ACTIVATIONS:
            raise _Bad(f"architecture.{key} {_quote(name)} is not one of {list(ACTIVATIONS)}")
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
        raise _Bad(f"format is {_quote(fmt)}, expected {FORMAT_NAME!r}")
    version = _field(content, "version", "the file")
    if type(version) is not int or version != FORMAT_VERSION:
        raise _Bad(f"unsupported version {_quote(version)} (this code reads {FORMAT_VERSION})")
    top = _dict(content, "the file", _FILE_KEYS, optional=("sha256",))
    digest = top.get("sha256")
    if digest is not None and not (
        isinstance(digest, str) and len(digest) == 64 and all(c in _HEX for c in digest)
    ):
        raise _Bad(f"sha256 must be 64 lowercase hex digits, got {_quote(digest)}")
    return top


_HEX = frozenset("0123456789abcdef")


def _check_counts(nin: int, sizes: list[int]) -> None:
    """Refuse a network over :data:`MAX_NEURONS` or :data:`MAX_PARAMETERS` from its sizes."""
    neurons = sum(sizes)
    if neurons > MAX_NEURONS:
        raise _Bad(f"architecture has {neurons} neurons; the limit is {MAX_NEURONS}")
    widths = [nin, *sizes]
    params = sum((widths[k] + 1) * widths[k + 1] for k in range(len(sizes)))
    if params > MAX_PARAMETERS:
        raise _Bad(f"architecture has {params} parameters; the limit is {MAX_PARAMETERS}")


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
