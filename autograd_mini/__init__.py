"""autograd-mini: a scalar reverse-mode autodiff engine for learning and inspecting small
neural networks.

>>> from autograd_mini import Value
>>> x = Value(2.0)
>>> y = x * x + 3 * x
>>> y.backward()
>>> x.grad
7.0
"""

from autograd_mini import losses, nn, optim  # stdlib-only; train/datasets load on demand
from autograd_mini.anomaly import AnomalyError, detect_anomaly
from autograd_mini.engine import Value, enable_grad, is_grad_enabled, no_grad
from autograd_mini.functional import (
    grad,
    gradcheck,
    gradients,
    hessian,
    hvp,
    numerical_grad,
    value_and_grad,
)
from autograd_mini.nn import MLP, Layer, Neuron

__all__ = [
    "MLP",
    "AnomalyError",
    "Layer",
    "Neuron",
    "Value",
    "detect_anomaly",
    "enable_grad",
    "grad",
    "gradcheck",
    "gradients",
    "hessian",
    "hvp",
    "is_grad_enabled",
    "losses",
    "nn",
    "no_grad",
    "numerical_grad",
    "optim",
    "value_and_grad",
]
__version__ = "0.1.0"
