"""One function per (task, engine): build the workload, time it, return a JSON-able dict.

Each runs in its own process (``run.py --worker SPEC``). A peer that is not installed
raises ImportError, which the driver turns into a skipped row. Times are the mean over the
timed steps (total time ÷ steps), so collections that happen every few steps are counted.
"""

from __future__ import annotations

import gc
import itertools
import time
from collections.abc import Callable
from typing import Any

from workloads import (
    DEEP_POINTS,
    DEEP_SIZES,
    L2,
    SECOND_POINTS,
    SECOND_SIZES,
    SIZES,
    initial_weights,
    learning_rate,
    moons,
    nn_model,
    second_order_point,
    second_order_vector,
    unflatten,
)

Result = dict[str, Any]

#: Untimed calls before the timed ones, the same for every engine of a workload: the
#: batched moons and deep-MLP steps (PyTorch, mygrad, JAX) and ``fit(compiled=True)``'s
#: epochs; the second-order calls. (The eager steps take one, as the workload's own
#: ``micrograd_baseline`` does: each is 30 ms or more.)
WARMUP, SECOND_WARMUP = 5, 3


def timed(step: Callable[[int], Any], steps: int, warmup: int, gc_on: bool) -> float:
    """Seconds per call of ``step(k)`` (mean of ``steps`` calls after ``warmup``), with the
    cyclic collector on or paused for the timed calls."""
    for k in range(warmup):
        step(k)
    gc.collect()
    if not gc_on:
        gc.disable()
    try:
        start = time.perf_counter()
        for k in range(warmup, warmup + steps):
            step(k)
        return (time.perf_counter() - start) / steps
    finally:
        gc.enable()


def _problem(task: str) -> tuple[tuple[int, ...], int, bool]:
    """(layer sizes, points, scaled initial weights) of the task."""
    if task == "moons":
        return SIZES, 100, False
    return DEEP_SIZES, DEEP_POINTS, True


# -- micrograd 0.1.0 and autograd-mini eager ------------------------------------------------


def micrograd(task: str, steps: int, gc_on: bool) -> Result:
    """The reference workload's own loop (``moons_workload.micrograd_baseline``)."""
    if task != "moons":
        raise NotImplementedError("micrograd runs the moons step only")
    import moons_workload

    first = moons_workload.micrograd_baseline(1)  # warm-up, and the loss of step 1
    gc.collect()
    if not gc_on:
        gc.disable()
    try:
        result = moons_workload.micrograd_baseline(steps)
    finally:
        gc.enable()
    return {"seconds": result["ms_per_step"] / 1000, "first_loss": first["final_loss"]}


def _workload_loop_step(model: Any, value: Any, xs: Any, ys: Any, k: int, keep: Result) -> float:
    """The body of ``micrograd_baseline``'s loop; the graph stays alive until the next."""
    scores = [model([value(a), value(b)]) for a, b in xs]
    losses = [(1 + -y * s).relu() for y, s in zip(ys, scores, strict=True)]
    total = sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in model.parameters())
    model.zero_grad()
    total.backward()
    lr = learning_rate(k)
    for p in model.parameters():
        p.data -= lr * p.grad
    keep["graph"] = total
    return float(total.data)


def expand(task: str, steps: int, gc_on: bool) -> Result:
    """autograd-mini's ``nn.MLP(expand=True)``: micrograd's graph, node for node."""
    from autograd_mini import Value

    sizes, n, scaled = _problem(task)
    xs, ys = moons(n)
    model = nn_model(sizes, scaled, expand=True)
    keep: Result = {}
    losses: list[float] = []
    seconds = timed(
        lambda k: losses.append(_workload_loop_step(model, Value, xs, ys, k, keep)), steps, 1, gc_on
    )
    return {"seconds": seconds, "first_loss": losses[0]}


def _penalty(params: list[Any]) -> Any:
    from autograd_mini.engine import add_n

    return L2 * add_n([p * p for p in params])


def _library_step(model: Any, xs: Any, ys: Any, k: int, keep: Result) -> float:
    """The moons step in the library's idioms: hinge, mean, an ``add_n`` L2 penalty."""
    from autograd_mini import losses

    params = model.parameters()
    scores = [model(x) for x in xs]
    total = losses.mean([losses.hinge(s, t) for s, t in zip(scores, ys, strict=True)])
    total = total + _penalty(params)
    model.zero_grad()
    total.backward()
    lr = learning_rate(k)
    for p in params:
        p.data -= lr * p.grad
    keep["graph"] = total
    return float(total.data)


def mlp(task: str, steps: int, gc_on: bool) -> Result:
    """autograd-mini's default ``nn.MLP`` (one ``linear`` node per neuron)."""
    sizes, n, scaled = _problem(task)
    xs, ys = moons(n)
    model = nn_model(sizes, scaled)
    keep: Result = {}
    losses: list[float] = []
    seconds = timed(lambda k: losses.append(_library_step(model, xs, ys, k, keep)), steps, 1, gc_on)
    return {"seconds": seconds, "first_loss": losses[0]}


def compiled_fit(task: str, epochs: int) -> Any:
    """``fit(compiled=True)`` full batch: one epoch is one step of the workload (hinge, the
    ``penalty=`` L2 term, SGD with the ``schedule=`` ρ = 1 − 0.9·k/100), no accuracy meter
    (no peer computes one). The schedule restarts every 100 steps: past step 111 the
    workload's ρ is negative, which fit refuses (the time of a step does not depend on ρ)."""
    from autograd_mini import losses
    from autograd_mini.optim import SGD
    from autograd_mini.train import fit

    sizes, n, scaled = _problem(task)
    xs, ys = moons(n)
    model = nn_model(sizes, scaled)
    return fit(
        model,
        xs,
        ys,
        loss=losses.hinge,
        optimizer=SGD(model.parameters(), lr=1.0),
        epochs=epochs,
        progress=False,
        compiled=True,
        accuracy=None,
        penalty=_penalty,
        schedule=lambda k: learning_rate(k % 100),
    )


def compiled(task: str, steps: int, gc_on: bool) -> Result:
    """``fit(compiled=True)`` (NumPy; parameters in one array while it trains): the mean
    epoch time after :data:`WARMUP` epochs, from its history."""
    warmup = WARMUP
    gc.collect()
    if not gc_on:
        gc.disable()
    try:
        start = time.perf_counter()
        history = compiled_fit(task, warmup + steps)
        total = time.perf_counter() - start
    finally:
        gc.enable()
    seconds = sum(history.seconds[warmup:]) / steps
    return {
        "seconds": seconds,
        "first_loss": history.loss[0],
        "compile_seconds": total - sum(history.seconds),
    }


# -- batched peers ----------------------------------------------------------------------------


def torch(task: str, steps: int, gc_on: bool) -> Result:
    """PyTorch eager, float64, batched (``h @ W.T + b``)."""
    import torch as t

    t.set_num_threads(1)
    sizes, n, scaled = _problem(task)
    xs, ys = moons(n)
    x = t.tensor(xs, dtype=t.float64)
    y = t.tensor(ys, dtype=t.float64)
    layers = [
        (
            t.tensor(w, dtype=t.float64, requires_grad=True),
            t.zeros(len(w), dtype=t.float64, requires_grad=True),
        )
        for w in initial_weights(sizes, scaled=scaled)
    ]
    params = [p for wb in layers for p in wb]
    losses: list[float] = []

    def step(k: int) -> None:
        h = x
        for i, (w, b) in enumerate(layers):
            h = h @ w.T + b
            if i < len(layers) - 1:
                h = t.relu(h)
        loss = t.relu(1 - y * h[:, 0]).mean() + L2 * sum((p * p).sum() for p in params)
        for p in params:
            p.grad = None
        loss.backward()
        lr = learning_rate(k)
        with t.no_grad():
            for p in params:
                p -= lr * p.grad
        losses.append(loss.item())

    seconds = timed(step, steps, WARMUP, gc_on)
    return {"seconds": seconds, "first_loss": losses[0], "threads": t.get_num_threads()}


def mygrad(task: str, steps: int, gc_on: bool) -> Result:
    """mygrad 2.5, float64, batched."""
    import mygrad as mg
    import numpy as np
    from mygrad.nnet.activations import relu

    sizes, n, scaled = _problem(task)
    xs, ys = moons(n)
    x = np.array(xs, dtype=np.float64)
    y = np.array(ys, dtype=np.float64)
    layers = [
        (mg.tensor(np.array(w, dtype=np.float64)), mg.tensor(np.zeros(len(w))))
        for w in initial_weights(sizes, scaled=scaled)
    ]
    params = [p for wb in layers for p in wb]
    losses: list[float] = []

    def step(k: int) -> None:
        h: Any = x
        for i, (w, b) in enumerate(layers):
            h = mg.matmul(h, w.T) + b
            if i < len(layers) - 1:
                h = relu(h)
        loss = mg.mean(relu(1 - y * h[:, 0])) + L2 * sum(mg.sum(p * p) for p in params)
        loss.backward()
        lr = learning_rate(k)
        for p in params:
            p.data -= lr * p.grad
        losses.append(float(loss.item()))

    seconds = timed(step, steps, WARMUP, gc_on)
    return {"seconds": seconds, "first_loss": losses[0]}


def jax(task: str, steps: int, gc_on: bool) -> Result:
    """JAX ``jit`` (float64) of the whole step: loss, gradient and the SGD update."""
    import jax as j

    j.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    sizes, n, scaled = _problem(task)
    xs, ys = moons(n)
    x = jnp.array(xs, dtype=jnp.float64)
    y = jnp.array(ys, dtype=jnp.float64)
    params = [
        (jnp.array(w, dtype=jnp.float64), jnp.zeros(len(w), dtype=jnp.float64))
        for w in initial_weights(sizes, scaled=scaled)
    ]

    def loss_fn(ps: Any) -> Any:
        h = x
        for i, (w, b) in enumerate(ps):
            h = h @ w.T + b
            if i < len(ps) - 1:
                h = j.nn.relu(h)
        penalty = sum(jnp.sum(w * w) + jnp.sum(b * b) for w, b in ps)
        return jnp.mean(j.nn.relu(1 - y * h[:, 0])) + L2 * penalty

    @j.jit
    def update(ps: Any, lr: Any) -> Any:
        loss, grads = j.value_and_grad(loss_fn)(ps)
        return loss, j.tree_util.tree_map(lambda p, g: p - lr * g, ps, grads)

    state = {"params": params}
    losses: list[float] = []

    def step(k: int) -> None:
        loss, state["params"] = update(state["params"], learning_rate(k))
        j.block_until_ready(state["params"])
        losses.append(float(loss))

    seconds = timed(step, steps, WARMUP, gc_on)
    return {"seconds": seconds, "first_loss": losses[0]}


# -- second order ---------------------------------------------------------------------------


def _second_order_data() -> tuple[list[list[float]], list[int], list[float], list[float]]:
    xs, ys = moons(SECOND_POINTS)
    w = second_order_point()
    return xs, ys, w, second_order_vector(len(w))


def _checksum(rows: Any) -> float:
    """Σ|entries| of a vector or matrix of floats: the driver compares engines by it."""
    flat = [v for row in rows for v in (row if isinstance(row, list) else [row])]
    return float(sum(abs(v) for v in flat))


def ours_second(kind: str, steps: int, gc_on: bool) -> Result:
    """autograd-mini's ``hvp`` / ``hessian`` on the 105 weights."""
    from autograd_mini import hessian, hvp
    from autograd_mini.engine import add_n, linear

    xs, ys, w0, v = _second_order_data()

    def f(*w: Any) -> Any:
        layers = unflatten(w)
        terms = []
        for x, t in zip(xs, ys, strict=True):
            h: list[Any] = list(x)
            for i, (rows, biases) in enumerate(layers):
                u = [linear(r, h, b) for r, b in zip(rows, biases, strict=True)]
                h = [ui.tanh() for ui in u] if i < len(layers) - 1 else u
            d = h[0] - t
            terms.append(d * d)
        return add_n(terms) * (1.0 / len(xs))

    out: Result = {}
    if kind == "hvp":
        run = hvp(f)
        seconds = timed(lambda k: out.update(r=run(w0, v)), steps, SECOND_WARMUP, gc_on)
    else:
        run_h = hessian(f)
        seconds = timed(lambda k: out.update(r=run_h(*w0)), steps, SECOND_WARMUP, gc_on)
    return {"seconds": seconds, "checksum": _checksum(out["r"])}


def _tensor_f(lib: Any, xs: Any, ys: Any) -> Callable[[Any], Any]:
    """f(w) on a flat weight vector, for torch and jax.numpy alike."""

    def f(w: Any) -> Any:
        h, i = xs, 0
        last = len(SECOND_SIZES) - 2
        for li, (nin, nout) in enumerate(itertools.pairwise(SECOND_SIZES)):
            block = w[i : i + nout * (nin + 1)].reshape(nout, nin + 1)
            i += nout * (nin + 1)
            h = h @ block[:, :nin].T + block[:, nin]
            if li < last:
                h = lib.tanh(h)
        return lib.mean((h[:, 0] - ys) ** 2)

    return f


def torch_second(kind: str, steps: int, gc_on: bool) -> Result:
    """``torch.autograd.functional.hvp`` / ``hessian`` (float64)."""
    import torch as t
    from torch.autograd.functional import hessian, hvp

    t.set_num_threads(1)
    xs, ys, w0, v = _second_order_data()
    f = _tensor_f(t, t.tensor(xs, dtype=t.float64), t.tensor(ys, dtype=t.float64))
    w = t.tensor(w0, dtype=t.float64)
    vv = t.tensor(v, dtype=t.float64)
    out: Result = {}
    if kind == "hvp":
        seconds = timed(lambda k: out.update(r=hvp(f, w, vv)[1]), steps, SECOND_WARMUP, gc_on)
    else:
        seconds = timed(lambda k: out.update(r=hessian(f, w)), steps, SECOND_WARMUP, gc_on)
    return {"seconds": seconds, "checksum": _checksum(out["r"].tolist())}


def jax_second(kind: str, steps: int, gc_on: bool) -> Result:
    """``jax.jit`` of ``jax.hessian`` / forward-over-reverse H·v (float64)."""
    import jax as j

    j.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    xs, ys, w0, v = _second_order_data()
    f = _tensor_f(jnp, jnp.array(xs, dtype=jnp.float64), jnp.array(ys, dtype=jnp.float64))
    w = jnp.array(w0, dtype=jnp.float64)
    vv = jnp.array(v, dtype=jnp.float64)
    if kind == "hvp":
        run = j.jit(lambda w, v: j.jvp(j.grad(f), (w,), (v,))[1])
        call: Callable[[], Any] = lambda: run(w, vv)  # noqa: E731
    else:
        run_h = j.jit(j.hessian(f))
        call = lambda: run_h(w)  # noqa: E731
    out: Result = {}
    seconds = timed(
        lambda k: out.update(r=j.block_until_ready(call())), steps, SECOND_WARMUP, gc_on
    )
    return {"seconds": seconds, "checksum": _checksum(out["r"].tolist())}


# -- scaling and agreement ------------------------------------------------------------------


def scaling(n: int, gc_on: bool, budget: int) -> Result:
    """Per node: forward and backward time of the chain y = y·1.0000001 + 0.0 (n nodes), and
    the bytes each node keeps (tracemalloc, in a separate build)."""
    import tracemalloc

    from autograd_mini import Value

    def build() -> tuple[Any, Any]:
        x = Value(1.0)
        y = x
        for _ in range(n // 2):
            y = y * 1.0000001 + 0.0
        return x, y

    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    kept = build()
    bytes_per_node = (tracemalloc.get_traced_memory()[0] - before) / n
    tracemalloc.stop()
    del kept
    repeats = max(1, budget // n)
    forward = backward = 0.0
    for _ in range(repeats):
        gc.collect()
        if not gc_on:
            gc.disable()
        try:
            start = time.perf_counter()
            x, y = build()
            middle = time.perf_counter()
            y.backward()
            end = time.perf_counter()
        finally:
            gc.enable()
        forward += middle - start
        backward += end - middle
        expected = 1.0000001 ** (n // 2)
        assert abs(x.grad - expected) < 1e-9 * expected, (x.grad, expected)
        del x, y
    return {
        "nodes": n,
        "forward_us_per_node": 1e6 * forward / repeats / n,
        "backward_us_per_node": 1e6 * backward / repeats / n,
        "bytes_per_node": bytes_per_node,
    }


def agreement(steps: int) -> Result:
    """The loss after ``steps`` SGD steps, eager ``nn.MLP`` and compiled, from one start."""
    xs, ys = moons()
    model = nn_model()
    keep: Result = {}
    eager = [_library_step(model, xs, ys, k, keep) for k in range(steps)]
    fast = compiled_fit("moons", steps).loss
    # the loss recorded at step k is the one before step k's update: compare the last
    return {"steps": steps, "eager": eager[-1], "compiled": fast[-1]}


MOONS_ENGINES: dict[str, Callable[[str, int, bool], Result]] = {
    "micrograd": micrograd,
    "expand": expand,
    "mlp": mlp,
    "compiled": compiled,
    "mygrad": mygrad,
    "torch": torch,
    "jax": jax,
}
SECOND_ENGINES: dict[str, Callable[[str, int, bool], Result]] = {
    "ours": ours_second,
    "torch": torch_second,
    "jax": jax_second,
}
