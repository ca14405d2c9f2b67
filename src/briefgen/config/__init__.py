"""Settings and provider resolution: the one place briefgen reads the environment.

One concern a module:

* :mod:`briefgen.config.settings` — :class:`Settings`, every knob of a brief with
  its default, resolved argument → environment (``BRIEFGEN_*``,
  ``OPENAI_API_KEY``) → config file → default, and the one-line message for a
  bad value;
* :mod:`briefgen.config.provider` — :func:`resolve_provider`: which server the
  requests go to, with which key, and the documented order that decides it
  (read it there); :class:`Provider` records the choice and its reason;
* :mod:`briefgen.config.prices` — :data:`PRICES`, USD per million tokens of
  the models briefgen knows.

Everything is importable from here, as it was when this was one module
(``from briefgen.config import Settings, resolve_provider``). Nothing below this
package looks at ``os.environ``: code deeper in the pipeline receives a
:class:`Settings` and a :class:`Provider`.
"""

from briefgen.config.prices import PRICES
from briefgen.config.provider import (
    DEFAULT_OPENAI_MODEL,
    LOCAL_DEADLINE_FACTOR,
    LOCAL_TIMEOUT,
    REMOTE_DEADLINE_FACTOR,
    Provider,
    resolve_provider,
)
from briefgen.config.settings import ModeName, Settings, check_file_keys

__all__ = [
    "DEFAULT_OPENAI_MODEL",
    "LOCAL_DEADLINE_FACTOR",
    "LOCAL_TIMEOUT",
    "PRICES",
    "REMOTE_DEADLINE_FACTOR",
    "ModeName",
    "Provider",
    "Settings",
    "check_file_keys",
    "resolve_provider",
]
