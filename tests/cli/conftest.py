"""Every CLI test runs in a hermetic environment (see :func:`tests.cli.fixtures.hermetic_env`)."""

from .fixtures import hermetic_env  # noqa: F401 - autouse: no user config, keys or BRIEFGEN_* leak in
