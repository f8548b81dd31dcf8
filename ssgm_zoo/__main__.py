"""``python -m ssgm_zoo`` is the ``ssgm-zoo`` command."""

import sys

from ssgm_zoo.cli import main

sys.exit(main())
