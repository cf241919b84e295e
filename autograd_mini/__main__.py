"""``python -m autograd_mini``: the ``autograd-mini`` command line."""

import sys

from autograd_mini.cli import main

sys.exit(main())
