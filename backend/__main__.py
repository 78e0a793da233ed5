"""``python -m backend`` runs the ``raresight`` command."""

import sys

from .cli import main

sys.exit(main())
