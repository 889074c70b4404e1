"""``python -m segmentation.synth``."""

import sys

from .cli import main

sys.exit(main())
