"""The bot's own settings: Slack credentials, how many briefs run at once and for how long.

Read once, at start-up, from arguments then the environment (the model's
settings are briefgen's usual :class:`~briefgen.config.Settings`). A missing
or malformed token is a one-line :class:`SlackConfigError` naming the
variable, never a traceback.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from briefgen.errors import ConfigError

DEFAULT_CONCURRENCY = 2
"""Briefs generated at once; more requests wait in a queue (one local model per process)."""
DEFAULT_MAX_QUEUE = 20
"""Briefs waiting beyond the running ones before the bot answers "busy"."""
DEFAULT_MAX_LINKS = 12
"""Links briefed from one request; a thread with more uses its first ones."""
DEFAULT_JOB_TIMEOUT = 900.0
"""Seconds one brief may take, once it starts, before the bot stops it and says so in the thread
(a long local-model brief takes minutes; nobody waits in Slack for a quarter of an hour)."""
DEFAULT_PATH = "/slack/events"

Mode = Literal["socket", "http"]

_HELP = {
    "SLACK_BOT_TOKEN": "the Bot User OAuth Token (xoxb-...) from your app's 'OAuth & Permissions' page",
    "SLACK_APP_TOKEN": "an app-level token (xapp-...) with the connections:write scope, from 'Basic Information'",
    "SLACK_SIGNING_SECRET": "the Signing Secret from your app's 'Basic Information' page",
}
_PREFIX = {"SLACK_BOT_TOKEN": "xoxb-", "SLACK_APP_TOKEN": "xapp-"}


class SlackConfigError(ConfigError):
    """A Slack credential is missing or is not the kind of token expected."""


def _required(env: Mapping[str, str], name: str, mode: Mode) -> str:
    value = (env.get(name) or "").strip()
    if not value:
        raise SlackConfigError(f"{name} is not set; --{mode} needs it: {_HELP[name]}")
    prefix = _PREFIX.get(name)
    if prefix and not value.startswith(prefix):
        raise SlackConfigError(f"{name} does not start with {prefix!r}; it should be {_HELP[name]}")
    return value


def _positive_int(env: Mapping[str, str], name: str, given: int | None, default: int) -> int:
    if given is not None:
        value: int | str = given
    else:
        value = env.get(name) or default
    try:
        number = int(value)
    except ValueError:
        raise SlackConfigError(f"{name} must be a whole number, not {value!r}") from None
    if number < 1:
        raise SlackConfigError(f"{name} must be at least 1, not {number}")
    return number


def _positive_seconds(env: Mapping[str, str], name: str, given: float | None, default: float) -> float:
    value: float | str = given if given is not None else (env.get(name) or default)
    try:
        seconds = float(value)
    except ValueError:
        raise SlackConfigError(f"{name} must be a number of seconds, not {value!r}") from None
    if not 0 < seconds < float("inf"):
        raise SlackConfigError(f"{name} must be a positive number of seconds, not {value!r}")
    return seconds


def _flag(env: Mapping[str, str], name: str) -> bool:
    return (env.get(name) or "").strip().lower() in {"1", "true", "yes", "on"}


def _api_url(value: str | None) -> str | None:
    if not value:
        return None
    if not value.startswith(("http://", "https://")):
        raise SlackConfigError(f"BRIEFGEN_SLACK_API_URL must be an http(s) URL, not {value!r}")
    return value if value.endswith("/") else value + "/"


@dataclass(frozen=True)
class BotConfig:
    """Everything the bot needs besides the model settings."""

    bot_token: str
    signing_secret: str = ""
    app_token: str | None = None
    mode: Mode = "http"
    concurrency: int = DEFAULT_CONCURRENCY
    max_queue: int = DEFAULT_MAX_QUEUE
    max_links: int = DEFAULT_MAX_LINKS
    allow_private_urls: bool = False
    """Fetch links to loopback/private/link-local hosts (only for a bot briefing an intranet);
    passed on to the library's ``Settings.allow_private_urls``, so redirects may go there too."""
    job_timeout: float = DEFAULT_JOB_TIMEOUT
    """Seconds one brief may run before it is stopped and its worker freed."""
    api_url: str | None = None
    """Slack Web API base URL; None is slack.com (GovSlack: https://slack-gov.com/api/)."""

    def __repr__(self) -> str:  # never print credentials, even by accident
        return (
            f"BotConfig(mode={self.mode!r}, concurrency={self.concurrency}, "
            f"max_queue={self.max_queue}, max_links={self.max_links}, job_timeout={self.job_timeout:g}, "
            "tokens=<hidden>)"
        )

    @classmethod
    def resolve(
        cls,
        mode: Mode,
        env: Mapping[str, str] | None = None,
        *,
        concurrency: int | None = None,
        max_queue: int | None = None,
        max_links: int | None = None,
        job_timeout: float | None = None,
    ) -> BotConfig:
        """Arguments first, then the environment (``SLACK_*``, ``BRIEFGEN_SLACK_*``), then defaults."""
        env = os.environ if env is None else env
        bot_token = _required(env, "SLACK_BOT_TOKEN", mode)
        if mode == "socket":
            app_token: str | None = _required(env, "SLACK_APP_TOKEN", mode)
            secret = ""
        else:
            app_token = None
            secret = _required(env, "SLACK_SIGNING_SECRET", mode)
        return cls(
            bot_token=bot_token,
            signing_secret=secret,
            app_token=app_token,
            mode=mode,
            concurrency=_positive_int(env, "BRIEFGEN_SLACK_CONCURRENCY", concurrency, DEFAULT_CONCURRENCY),
            max_queue=_positive_int(env, "BRIEFGEN_SLACK_MAX_QUEUE", max_queue, DEFAULT_MAX_QUEUE),
            max_links=_positive_int(env, "BRIEFGEN_SLACK_MAX_LINKS", max_links, DEFAULT_MAX_LINKS),
            # Either switch: the library's own BRIEFGEN_ALLOW_PRIVATE_URLS means the operator wants
            # intranet pages, and the bot refusing them up front would contradict it.
            allow_private_urls=_flag(env, "BRIEFGEN_SLACK_ALLOW_PRIVATE_URLS") or _flag(env, "BRIEFGEN_ALLOW_PRIVATE_URLS"),
            job_timeout=_positive_seconds(env, "BRIEFGEN_SLACK_JOB_TIMEOUT", job_timeout, DEFAULT_JOB_TIMEOUT),
            api_url=_api_url(env.get("BRIEFGEN_SLACK_API_URL")),
        )
