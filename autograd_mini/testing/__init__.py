"""A property-based testing kit for gradient code: yours, autograd-mini's or your micrograd's.

* :func:`check_grads` — reverse-mode derivatives of order 1 and 2 against central
  differences, with steps relative to |x| and documented tolerances
  (:mod:`autograd_mini.testing.gradcheck`);
* :func:`check_op` — the whole property suite for one op-table entry
  (:mod:`autograd_mini.testing.opcheck`), over its :class:`Domain` from the op table
  (:mod:`autograd_mini.testing.domains`);
* :mod:`autograd_mini.testing.strategies` — hypothesis strategies ``values``,
  ``expressions`` and ``networks``;
* :mod:`autograd_mini.testing.conformance` — ``autograd-mini check-engine MODULE:CLASS``.

hypothesis is an optional extra (``pip install 'autograd-mini[testing]'``): importing this
package, and ``check_grads``, never imports it; ``check_op`` and ``strategies`` need it.
"""

from autograd_mini.testing.domains import Arg, Domain, between, constant, domain_of
from autograd_mini.testing.forms import FORMS, Expression, Form, Step
from autograd_mini.testing.gradcheck import check_grads
from autograd_mini.testing.opcheck import check_op

__all__ = [
    "FORMS",
    "Arg",
    "Domain",
    "Expression",
    "Form",
    "Step",
    "between",
    "check_grads",
    "check_op",
    "constant",
    "domain_of",
]
