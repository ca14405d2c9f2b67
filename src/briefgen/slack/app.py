"""The Slack app: ``/brief`` and ``@briefgen`` mentions, over Socket Mode or HTTP.

It holds no logic of its own: listeners find the articles (links in the
command, the message or the whole thread), post "working…", and hand the
rest to :class:`~briefgen.slack.jobs.BriefJobs`, which calls
:func:`briefgen.asummarize` and renders with :mod:`briefgen.render.slack`.

Listeners only ack and enqueue (bolt runs them before it answers, so the
answer is theirs): ``/brief`` acks with the job's place in line, or "busy";
everything that calls Slack or the model happens on BriefJobs' threads.

Run it with ``briefgen slack --socket`` (needs ``SLACK_BOT_TOKEN`` and
``SLACK_APP_TOKEN``) or ``briefgen slack --http --port 3000`` (needs
``SLACK_BOT_TOKEN`` and ``SLACK_SIGNING_SECRET``; every request's signature is
checked; a bounded pool of threads answers, see :func:`briefgen.slack.server.make_http_server`).
``python -m briefgen.slack`` is the same command.
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from slack_bolt import App
from slack_bolt.error import BoltError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from briefgen.config import Settings, resolve_provider
from briefgen.errors import BriefgenError
from briefgen.brief import Article, Brief
from briefgen.slack.config import DEFAULT_PATH, BotConfig, Mode
from briefgen.slack.jobs import BriefJob, BriefJobs, SummarizeFn
from briefgen.slack.links import (
    articles_in_command,
    is_private_url,
    links_in,
    links_in_messages,
    strip_mentions,
)
from briefgen.slack.server import make_http_server

log = logging.getLogger("briefgen.slack")

RATE_LIMIT_RETRIES = 3
"""Times a Slack call answered 429 is retried, each after the Retry-After it names."""

USAGE = "Usage: `/brief <links>` (or paste an article's text), or mention me in a thread full of links."


def with_rate_limit_retries(client: WebClient, retries: int = RATE_LIMIT_RETRIES) -> WebClient:
    """Make ``client`` wait out Slack's 429 answers (``Retry-After``) instead of failing."""
    if not any(isinstance(h, RateLimitErrorRetryHandler) for h in client.retry_handlers):
        client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=retries))
    return client


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _working_text(count: int, ahead: int, who: str | None = None) -> str:
    asker = f"<@{who}> asked for a brief of {_plural(count, 'article')}. " if who else ""
    queue = f" (waiting for {_plural(ahead, 'brief')} ahead of it)" if ahead else ""
    return f":hourglass_flowing_sand: {asker}Working on a brief of {_plural(count, 'article')}{queue}…"


BUSY = ":hourglass: I'm making as many briefs as I can right now. Please ask again in a few minutes."


def _accepted_text(count: int, ahead: int) -> str:
    """The ``/brief`` ack (only the asker sees it): the job is taken, and where it stands."""
    where = "starting now" if not ahead else f"in the queue with {_plural(ahead, 'brief')} ahead of it"
    return f":inbox_tray: Got it: your brief of {_plural(count, 'article')} is {where}. It will appear in this channel."


class _Seen:
    """Event ids already handled: Slack re-sends an event it thinks was missed."""

    def __init__(self, size: int = 1000) -> None:
        self._keys: OrderedDict[str, None] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def first_time(self, key: str) -> bool:
        with self._lock:
            if key in self._keys:
                return False
            self._keys[key] = None
            if len(self._keys) > self._size:
                self._keys.popitem(last=False)
            return True


@dataclass
class BriefBot:
    """The bolt :class:`App` plus the job pool behind it."""

    app: App
    jobs: BriefJobs
    config: BotConfig


def create_bot(
    config: BotConfig,
    *,
    summarize: SummarizeFn | None = None,
    settings: Settings | None = None,
    client: WebClient | None = None,
    verify_token: bool = True,
) -> BriefBot:
    """Build the app. ``summarize`` (async, articles → Brief) replaces the model in tests;
    otherwise :func:`briefgen.asummarize` runs with ``settings`` (with
    ``allow_private_urls`` turned on when ``config`` allows private links, so the
    library's fetch policy does not refuse what the bot accepted)."""
    if summarize is None:
        from briefgen.api import asummarize

        resolved = settings or Settings.resolve()
        if config.allow_private_urls and not resolved.allow_private_urls:
            resolved = resolved.model_copy(update={"allow_private_urls": True})

        async def summarize(articles: list[str | Article]) -> Brief:
            return await asummarize(articles, settings=resolved)

    client = with_rate_limit_retries(client or WebClient())
    if client.token is None:
        client.token = config.bot_token  # bolt takes the token from the client when given one
    app = App(
        signing_secret=config.signing_secret,
        client=client,
        token_verification_enabled=verify_token,
        request_verification_enabled=config.mode == "http",
        # Listeners only ack and enqueue, so they run before the answer and the answer is
        # theirs; bolt's default runs them on 5 threads of its own, which a burst (or one
        # Slack call waiting out a 429) fills, and the acks behind them miss Slack's 3 s.
        process_before_response=True,
        name="briefgen",
    )
    jobs = BriefJobs(summarize, concurrency=config.concurrency, max_queue=config.max_queue,
                     job_timeout=config.job_timeout)
    seen = _Seen()

    def start(client: WebClient, channel: str, thread_ts: str, articles: list[str], who: str | None,
              top_level: bool, ahead: int | None = None) -> None:
        """On an intake thread: post "working…" and queue the brief (or say we're busy, or
        refuse private links). ``ahead`` is a place already reserved (``/brief`` reserves it to
        answer in its ack); None reserves one here."""
        reply_ts = None if top_level else thread_ts
        held = ahead is not None  # a reserved place this call must pass on to a job or give back
        try:
            if not config.allow_private_urls:
                private = [a for a in articles if a.startswith(("http://", "https://")) and is_private_url(a)]
                if private:
                    log.info("refused %d link(s) to private hosts", len(private))
                    articles = [a for a in articles if a not in private]
                if private and not articles:
                    hosts = ", ".join(sorted({urlparse(u).netloc for u in private}))
                    client.chat_postMessage(channel=channel, thread_ts=reply_ts, text=(
                        f":no_entry: I only read public web pages, and {hosts} is on a private network. "
                        "Paste the article's text into `/brief` instead."))
                    return
            given = len(articles)
            if given > config.max_links:
                log.info("using the first %d of %d links", config.max_links, given)
                articles = articles[: config.max_links]
            if ahead is None:
                ahead = jobs.reserve()
                if ahead is None:
                    client.chat_postMessage(channel=channel, thread_ts=reply_ts, text=BUSY)
                    return
                held = True
            text = _working_text(len(articles), ahead, who if top_level else None)
            if given > len(articles):
                text += f" (the first {len(articles)} of {given} links; the limit is BRIEFGEN_SLACK_MAX_LINKS)"
            posted = client.chat_postMessage(channel=channel, thread_ts=reply_ts, text=text)
            working_ts = str(posted["ts"])
            jobs.submit(BriefJob(channel=channel, thread_ts=working_ts if top_level else thread_ts,
                                 working_ts=working_ts, articles=articles, client=client,
                                 requested_by=who if top_level else None))
            held = False  # the job gives the place back when it ends
        finally:
            if held:
                jobs.release()

    def start_command(client: WebClient, channel: str, articles: list[str], who: str | None, ahead: int,
                      respond: Callable[..., Any]) -> None:
        try:
            start(client, channel, "", articles, who, top_level=True, ahead=ahead)
        except SlackApiError as exc:
            error = exc.response.get("error")
            log.warning("/brief: cannot post in %s: %s", channel, error)
            if error in {"not_in_channel", "channel_not_found", "is_archived", "restricted_action"}:
                respond(response_type="ephemeral",
                        text=":lock: I can't post in this channel. Invite me with `/invite @briefgen` and try again.")
            else:
                respond(response_type="ephemeral", text=f":warning: Slack refused my message ({error}).")

    @app.command("/brief")
    def brief_command(ack: Callable[..., Any], command: dict[str, Any], client: WebClient,
                      respond: Callable[..., Any]) -> None:
        articles = articles_in_command(command.get("text") or "")
        if not articles:
            ack(response_type="ephemeral",
                text=f":mag: I found no links in that. {USAGE}")
            return
        ahead = jobs.reserve()  # here, not on the intake thread, so the ack can say where it stands
        if ahead is None:
            log.info("/brief: busy (%d briefs running or queued)", jobs.pending)
            ack(response_type="ephemeral", text=BUSY)
            return
        channel, who = command["channel_id"], command.get("user_id")
        if not jobs.intake(lambda: start_command(client, channel, articles, who, ahead, respond), reserved=True):
            jobs.release()
            ack(response_type="ephemeral", text=BUSY)
            return
        ack(response_type="ephemeral", text=_accepted_text(min(len(articles), config.max_links), ahead))

    def start_mention(client: WebClient, event: dict[str, Any], bot_id: str | None, bot_user_id: str | None) -> None:
        channel, ts = event["channel"], event["ts"]
        thread_ts = event.get("thread_ts") or ts
        if event.get("thread_ts"):
            messages = _thread_messages(client, channel, thread_ts)
            articles = links_in_messages(messages, skip_bot_id=bot_id, skip_user_id=bot_user_id)
        else:
            articles = links_in(event.get("text") or "")
        if not articles:
            where = "in this thread" if event.get("thread_ts") else "in your message"
            client.chat_postMessage(channel=channel, thread_ts=thread_ts,
                                    text=f":mag: I found no links {where}, so there is nothing to brief. {USAGE}")
            return
        log.debug("mention in %s: %d links; text %d chars", channel, len(articles),
                  len(strip_mentions(event.get("text") or "")))
        start(client, channel, thread_ts, articles, event.get("user"), top_level=False)

    @app.event("app_mention")
    def on_mention(event: dict[str, Any], client: WebClient, context: Any) -> None:
        channel, ts = event["channel"], event["ts"]
        if not seen.first_time(f"{channel}:{ts}"):
            return
        bot_id, bot_user_id = context.bot_id, context.bot_user_id
        if not jobs.intake(lambda: start_mention(client, event, bot_id, bot_user_id), reserved=False):
            log.warning("mention in %s dropped: too many mentions waiting to be read", channel)

    @app.error
    def on_error(error: Exception, logger: logging.Logger) -> None:
        logger.error("listener failed: %s: %s", type(error).__name__, error)

    return BriefBot(app=app, jobs=jobs, config=config)


def create_app(config: BotConfig, **kwargs: Any) -> App:
    """The bolt :class:`App` alone (see :func:`create_bot`)."""
    return create_bot(config, **kwargs).app


def _thread_messages(client: WebClient, channel: str, thread_ts: str, pages: int = 5) -> Iterable[dict[str, Any]]:
    """Every message of a thread, parent first (at most ``pages`` × 200)."""
    cursor: str | None = None
    for _ in range(pages):
        response = client.conversations_replies(channel=channel, ts=thread_ts, limit=200, cursor=cursor)
        yield from response.get("messages") or []
        cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
        if not cursor or not response.get("has_more", True):
            break


# --- command line -------------------------------------------------------------------------


class _RedactTokens(logging.Filter):
    """Belt and braces: no Slack token or signing secret reaches a log line."""

    _PATTERN = re.compile(r"\b(xox[abposre]|xapp)-[A-Za-z0-9-]+")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self._PATTERN.sub(r"\1-***", message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def _setup_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(_RedactTokens())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    logging.getLogger("briefgen").setLevel(level)
    # slack_sdk's debug lines carry message bodies (article text); keep them out.
    logging.getLogger("slack_sdk").setLevel(logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="briefgen slack",
        description="Run the briefgen Slack bot: /brief <links> and @briefgen mentions.",
    )
    how = p.add_mutually_exclusive_group(required=True)
    how.add_argument("--socket", action="store_true",
                     help="Socket Mode: no public URL needed (SLACK_BOT_TOKEN, SLACK_APP_TOKEN)")
    how.add_argument("--http", action="store_true",
                     help="HTTP: Slack posts to this server (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET)")
    p.add_argument("--port", type=int, default=3000, help="HTTP port (default 3000)")
    p.add_argument("--host", default="0.0.0.0", help="HTTP address to bind (default 0.0.0.0)")
    p.add_argument("--path", default=DEFAULT_PATH, help=f"HTTP path Slack posts to (default {DEFAULT_PATH})")
    p.add_argument("--concurrency", type=int,
               help="briefs made at once, others queue (default BRIEFGEN_SLACK_CONCURRENCY or 2)")
    p.add_argument("--model", help="model id (default from BRIEFGEN_MODEL or the provider)")
    p.add_argument("--base-url", help="OpenAI-compatible server (default from BRIEFGEN_BASE_URL)")
    p.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    return p


def _fail(message: str) -> int:
    print(f"briefgen slack: error: {message}", file=sys.stderr)
    return 2


def main(argv: list[str] | None = None) -> int:
    """``briefgen slack --socket`` or ``briefgen slack --http --port N``; returns the exit status."""
    args = parser().parse_args(argv)
    mode: Mode = "socket" if args.socket else "http"
    try:
        config = BotConfig.resolve(mode, concurrency=args.concurrency)
        settings = Settings.resolve(model=args.model, base_url=args.base_url)
        provider = resolve_provider(settings, start_local=False)
    except BriefgenError as exc:
        return _fail(str(exc))
    _setup_logging(args.log_level)
    log.info("model: %s via %s (%s); %d brief(s) at a time", provider.model, provider.kind, provider.reason,
             config.concurrency)
    try:
        bot = create_bot(config, settings=settings,
                         client=WebClient(base_url=config.api_url) if config.api_url else None)
    except BoltError as exc:
        cause = exc.__context__
        if isinstance(cause, SlackApiError):
            return _fail(f"Slack rejected SLACK_BOT_TOKEN ({cause.response.get('error')}); "
                         "copy the Bot User OAuth Token (xoxb-...) again from 'OAuth & Permissions'")
        return _fail(str(exc).splitlines()[0])
    except OSError as exc:
        return _fail(f"could not reach Slack to check SLACK_BOT_TOKEN ({exc})")
    try:
        if mode == "socket":
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            log.info("connecting to Slack in Socket Mode")
            SocketModeHandler(bot.app, config.app_token).start()
        else:
            try:
                server = make_http_server(bot.app, args.host, args.port, args.path)
            except OSError as exc:
                return _fail(f"cannot listen on {args.host}:{args.port} ({exc.strerror or exc})")
            log.info("listening on http://%s:%d%s", args.host, server.server_port, args.path)
            server.serve_forever()
    except KeyboardInterrupt:
        log.info("stopped")
    except SlackApiError as exc:
        return _fail(f"Slack refused the connection ({exc.response.get('error')}); check SLACK_APP_TOKEN")
    finally:
        bot.jobs.shutdown()
    return 0
