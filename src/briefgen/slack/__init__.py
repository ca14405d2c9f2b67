"""The Slack bot (``pip install 'briefgen[slack]'``): ``/brief`` and ``@briefgen`` in a workspace.

:func:`briefgen.slack.app.main` is ``briefgen slack``; :func:`briefgen.slack.app.create_bot`
builds the app for tests or for mounting in your own server. Importing this
package does not import slack-bolt, so ``briefgen`` works without the extra.
"""

from __future__ import annotations

from typing import Any


def main(argv: list[str] | None = None) -> int:
    """``briefgen slack ...``: see :func:`briefgen.slack.app.main`."""
    try:
        from briefgen.slack.app import main as app_main
    except ImportError as exc:  # the extra is missing
        import sys

        from briefgen.errors import ExtraNotInstalledError

        print(f"briefgen slack: error: {ExtraNotInstalledError('the Slack bot', 'slack', exc.name or str(exc))}",
              file=sys.stderr)
        return 2
    return app_main(argv)


def __getattr__(name: str) -> Any:
    if name in {"create_bot", "create_app", "BriefBot"}:
        from briefgen.slack import app

        return getattr(app, name)
    raise AttributeError(name)


__all__ = ["main"]
