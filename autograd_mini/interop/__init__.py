"""Hand-overs to other frameworks. :mod:`autograd_mini.interop.torch` converts an
:class:`~autograd_mini.nn.MLP` to and from a ``torch.nn.Sequential`` (optional extra
``torch``); importing this package imports no framework."""

__all__: list[str] = []
