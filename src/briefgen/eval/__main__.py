"""``python -m briefgen.eval CLUSTERS_DIR ...`` (the same as ``briefgen eval ...``)."""

from briefgen.eval.cli import main

raise SystemExit(main())
