"""autograd-mini: a scalar reverse-mode autodiff engine for learning and inspecting small
neural networks.

>>> from autograd_mini import Value
>>> x = Value(2.0)
>>> y = x * x + 3 * x
>>> y.backward()
>>> x.grad
7.0
"""

from autograd_mini.engine import Value, no_grad
from autograd_mini.functional import grad, gradcheck, numerical_grad, value_and_grad

__all__ = ["Value", "grad", "gradcheck", "no_grad", "numerical_grad", "value_and_grad"]
__version__ = "0.1.0"
