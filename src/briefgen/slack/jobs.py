"""Making briefs off the listener thread, a bounded number at a time.

A listener acks, posts "working…", and hands a :class:`BriefJob` to
:class:`BriefJobs`: a thread pool of ``concurrency`` workers (default 2), so
ten people asking at once start two briefs and queue the rest, instead of
ten model runs fighting for one local server. Each worker runs the async
core (``asummarize``) in its own event loop, then replaces the "working…"
message with the brief, or with a friendly error. Slack's 429s are retried
by the client after ``Retry-After`` (see :func:`briefgen.slack.app.with_rate_limit_retries`).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
from collections.abc import Callable, Coroutine
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from briefgen.errors import (
    BriefgenError,
    ConfigError,
    IngestError,
    LocalRuntimeError,
    ModelError,
    NoArticlesError,
)
from briefgen.ingest import from_text
from briefgen.models import Article, Brief
from briefgen.render.slack import MAX_BLOCKS, layout

log = logging.getLogger("briefgen.slack")

SummarizeFn = Callable[[list[str | Article]], Coroutine[Any, Any, Brief]]
"""``await summarize(articles) -> Brief``: the core call, injectable for tests."""


@dataclass
class BriefJob:
    """One request: where to answer and which articles to brief."""

    channel: str
    thread_ts: str
    """The thread the answer belongs to (the mention's thread, or the command's message)."""
    working_ts: str
    """The "working…" message the brief replaces."""
    articles: list[str]
    client: WebClient
    requested_by: str | None = None
    """Shown under a top-level brief (``/brief``), whose "working…" line named the asker."""
    ref: str = field(default_factory=lambda: uuid.uuid4().hex[:8])


def _is_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


def as_inputs(articles: list[str]) -> list[str | Article]:
    """Links stay links; pasted text becomes an :class:`Article` here, so no Slack
    message is ever read as a file path on the bot's machine."""
    return [a if _is_url(a) else from_text(a, source="<pasted in Slack>") for a in articles]


def describe(articles: list[str]) -> str:
    """How a request is logged: counts and hosts, never article text."""
    hosts = sorted({urlparse(a).netloc for a in articles if _is_url(a)})
    texts = sum(1 for a in articles if not _is_url(a))
    parts = [f"{len(articles)} article(s)"]
    if hosts:
        parts.append("from " + ", ".join(hosts[:5]) + (" …" if len(hosts) > 5 else ""))
    if texts:
        parts.append(f"{texts} pasted text(s)")
    return " ".join(parts)


def friendly_error(exc: BaseException, ref: str) -> str:
    """What the thread is told when no brief could be made: what happened and what to do, no traceback."""
    if isinstance(exc, NoArticlesError):
        return (f":warning: I couldn't load any of the articles, so there is no brief. {exc}. "
                "Check that the links open without a login, or paste the article text into `/brief`.")
    if isinstance(exc, IngestError):
        return f":warning: I couldn't read an article: {exc}."
    if isinstance(exc, ModelError):
        return (f":warning: The model failed, so there is no brief this time: {exc} "
                "Try again in a minute; if it keeps failing, tell whoever runs briefgen.")
    if isinstance(exc, LocalRuntimeError):
        return f":warning: The local model could not start, so there is no brief: {exc}"
    if isinstance(exc, ConfigError):
        return f":gear: briefgen is not set up to make briefs yet: {exc}"
    if isinstance(exc, BriefgenError):
        return f":warning: No brief this time: {exc}"
    return (f":warning: Something went wrong on my side and there is no brief (reference `{ref}`). "
            "Whoever runs briefgen can find that reference in its log.")


def _render_full(brief: Brief) -> tuple[str, str]:
    """The full brief as a file: HTML when the HTML renderer is installed, else JSON."""
    from briefgen.render import render

    try:
        return render(brief, "html"), "html"
    except ImportError:
        return render(brief, "json"), "json"


class BriefJobs:
    """A bounded pool that turns :class:`BriefJob` s into posted briefs (see module docs)."""

    def __init__(self, summarize: SummarizeFn, *, concurrency: int = 2, max_queue: int = 20) -> None:
        self.summarize = summarize
        self.concurrency = max(concurrency, 1)
        self.max_queue = max(max_queue, 0)
        self._pool = ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="briefgen-slack")
        self._lock = threading.Lock()
        self._pending = 0
        self._idle = threading.Condition(self._lock)

    @property
    def pending(self) -> int:
        """Jobs running or waiting."""
        with self._lock:
            return self._pending

    def reserve(self) -> int | None:
        """Take a place for a new job: how many jobs must finish before it starts, or None when
        the queue is full. Follow with :meth:`submit`, or :meth:`release` if the job is dropped."""
        with self._lock:
            if self._pending >= self.concurrency + self.max_queue:
                return None
            self._pending += 1
            return max(self._pending - self.concurrency, 0)

    def release(self) -> None:
        """Give back a place taken by :meth:`reserve` that will not be used."""
        self._done(None)

    def submit(self, job: BriefJob) -> Future[None]:
        """Run ``job`` in the pool; its place must have been taken with :meth:`reserve`."""
        log.info("job %s queued: %s (%d pending)", job.ref, describe(job.articles), self.pending)
        future = self._pool.submit(self.run, job)
        future.add_done_callback(self._done)
        return future

    def _done(self, _future: Future[None] | None) -> None:
        with self._lock:
            self._pending -= 1
            self._idle.notify_all()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until no job is running or queued (tests use this); False on timeout."""
        with self._lock:
            return self._idle.wait_for(lambda: self._pending == 0, timeout=timeout)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    # --- one job -------------------------------------------------------------------

    def run(self, job: BriefJob) -> None:
        """Make the brief and post it; every failure ends as a reply in the thread."""
        try:
            brief: Brief = asyncio.run(self.summarize(as_inputs(job.articles)))
        except Exception as exc:
            if isinstance(exc, BriefgenError):
                log.warning("job %s: no brief: %s: %s", job.ref, type(exc).__name__, exc)
            else:
                log.exception("job %s: unexpected error", job.ref)
            self._replace(job, friendly_error(exc, job.ref), None)
            return
        log.info("job %s: brief ready (%d points, %d sources, %.1fs)", job.ref, len(brief.points),
                 len(brief.sources), brief.usage.wall_time_s)
        try:
            self.post_brief(job, brief)
        except SlackApiError as exc:
            log.error("job %s: Slack refused the brief: %s", job.ref, exc.response.get("error"))
            self._replace(job, ":warning: The brief was made but Slack would not show it "
                          f"({exc.response.get('error')}). Reference `{job.ref}`.", None)
        except Exception:
            log.exception("job %s: posting the brief failed", job.ref)

    def post_brief(self, job: BriefJob, brief: Brief) -> None:
        extra = [] if job.requested_by is None else [
            {"type": "context", "elements": [{"type": "mrkdwn", "text": f"Asked for by <@{job.requested_by}> with `/brief`"}]}
        ]
        max_blocks = MAX_BLOCKS - len(extra)
        message = layout(brief, max_blocks=max_blocks)
        if message.trimmed:
            # Too long for one message: attach the full brief in the thread and link it.
            full_url = self._upload_full(job, brief)
            message = layout(brief, max_blocks=max_blocks, full_url=full_url)
        job.client.chat_update(channel=job.channel, ts=job.working_ts, text=message.text,
                               blocks=message.blocks + extra)

    def _upload_full(self, job: BriefJob, brief: Brief) -> str | None:
        content, fmt = _render_full(brief)
        try:
            response = job.client.files_upload_v2(
                channel=job.channel,
                thread_ts=job.thread_ts,
                content=content,
                filename=f"brief.{fmt}",
                title=f"Full brief: {brief.headline}"[:250],
                initial_comment="The full brief, with every quote and source:",
            )
        except SlackApiError as exc:
            log.warning("job %s: could not attach the full brief: %s", job.ref, exc.response.get("error"))
            return None
        file = response.get("file") or {}
        if not file.get("permalink") and file.get("id"):
            try:  # completeUploadExternal answers with id and title only
                file = job.client.files_info(file=file["id"]).get("file") or file
            except SlackApiError as exc:
                log.info("job %s: no permalink for the attached brief: %s", job.ref, exc.response.get("error"))
        return file.get("permalink")

    def _replace(self, job: BriefJob, text: str, blocks: list[dict[str, object]] | None) -> None:
        try:
            job.client.chat_update(channel=job.channel, ts=job.working_ts, text=text,
                                   blocks=blocks or [{"type": "section", "text": {"type": "mrkdwn", "text": text}}])
        except SlackApiError as exc:
            log.error("job %s: could not update the working message: %s", job.ref, exc.response.get("error"))
