"""The chapter's worked example (Steps 1–3), computed and differentiated by autograd-mini.

xᵀ = [2, 3, 1]; hidden weights [3, 1, 2] and [−2, −3, −1] with ReLU; output weights [3, 2];
target t = 20; squared error; one gradient-descent step with ρ = 0.01, and the loss after
it both ways: w₁ and w₂ only, as the chapter does (357.089), and every weight (399.552).

    python examples/worked_example.py
"""

from __future__ import annotations

from common import quick_flag

from autograd_mini import chapter
from autograd_mini.viz import explain


def main() -> None:
    quick_flag(__doc__.splitlines()[0])  # nothing to shrink: the example is already tiny
    ex = chapter.build()
    print("Step 1: linear and non-linear transforms")
    for j, (u, h) in enumerate(zip(ex.u, ex.h, strict=True), start=1):
        print(f"  u_1{j} = {u.data:g}   h_1{j} = max(0, {u.data:g}) = {h.data:g}")
    print(f"  y = {ex.y.data:g}")
    print("  (the chapter prints u_12 = -11; -2*2 - 3*3 - 1*1 is -14)")

    print("Step 2: squared error with N = 1")
    print(f"  L = (20 - {ex.y.data:g})^2 = {ex.loss.data:g}")

    print("Step 3: backpropagation and one update")
    ex.loss.backward()
    print(f"  dL/dy = {ex.y.grad:g}")
    for name in ("w_1", "w_2"):
        print(" ", explain(ex.loss, ex.weight(name), through=[ex.u[0], ex.y]).splitlines()[0])
    after = chapter.gradient_step(ex, chapter.RHO)
    for name in ("w_1", "w_2"):
        old, new = ex.weight(name), after.weight(name)
        print(f"  {name}: {old.data:g} - {chapter.RHO} * {old.grad:g} = {new.data:.4g}")
    c = chapter.compare_updates(chapter.RHO)
    print(f"  L after updating w_1 and w_2 only (as the chapter does): {c.loss_w1_w2:.6g}")
    print(f"  L after updating every weight (w_3, w_4 move too): {c.loss_every_weight:.6g}")
    print(
        f"  both above {c.loss_before:g}: y should fall from {c.y_before:g} to 20 but falls to "
        f"{c.y_w1_w2:.4g} or {c.y_every_weight:.4g};"
    )
    print("  each extra weight moved downhill pushes y further past t (rho = 0.01 overshoots)")


if __name__ == "__main__":
    main()
