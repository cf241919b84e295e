"""``python -m autograd_mini.cli``: the same as ``autograd-mini``."""

import sys

from autograd_mini.cli.parser import main

sys.exit(main())
