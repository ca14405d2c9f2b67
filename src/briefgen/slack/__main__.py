"""``python -m briefgen.slack --socket`` (the same as ``briefgen slack --socket``)."""

import sys

from briefgen.slack import main

raise SystemExit(main(sys.argv[1:]))
