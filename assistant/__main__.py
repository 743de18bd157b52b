"""``python -m assistant …`` runs the ``pannier`` subcommands."""

import sys

from assistant.cli import main

sys.exit(main())
