"""Making briefs off the listener thread, a bounded number at a time, each within a deadline.

A listener only acks and enqueues: the Slack calls that come before a brief
(reading a thread, posting "working…") run on a few *intake* threads
(:meth:`BriefJobs.intake`), so a slow or rate-limited Slack never delays an
ack. The brief itself is a :class:`BriefJob` in :class:`BriefJobs`: a
thread pool of ``concurrency`` workers (default 2), so ten people asking at
once start two briefs and queue the rest, instead of ten model runs fighting
for one local server. Each job runs the async core (``asummarize``) in its
own event loop under ``job_timeout`` seconds (``asyncio.timeout``); the loop
has a thread of its own, so even a call that ignores cancellation (a fetch
stuck in ``asyncio.to_thread``, a blocking call) cannot keep the worker: the
worker stops waiting, says so in the thread and takes the next job. Then the
"working…" message is replaced with the brief, or with a friendly error.
Slack's 429s are retried by the client after ``Retry-After`` (see
:func:`briefgen.slack.app.with_rate_limit_retries`).
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
from briefgen.ingest.loader import is_url
from briefgen.brief import Article, Brief
from briefgen.render.slack import MAX_BLOCKS, layout
from briefgen.slack.config import DEFAULT_JOB_TIMEOUT

log = logging.getLogger("briefgen.slack")

SummarizeFn = Callable[[list[str | Article]], Coroutine[Any, Any, Brief]]
"""``await summarize(articles) -> Brief``: the core call, injectable for tests."""

STOP_GRACE = 5.0
"""Seconds a job's event loop gets, after its deadline cancelled the brief, to wind down
before the worker leaves it behind (a call that ignores cancellation keeps only its own thread)."""
INTAKE_WORKERS = 4
"""Threads making the Slack calls that come before a brief (read the thread, post "working…")."""
INTAKE_BACKLOG = 64
"""Mentions waiting for an intake thread beyond which new ones are logged and dropped
(places already promised in a ``/brief`` ack are never dropped)."""


class JobTimeoutError(BriefgenError):
    """A brief ran past the bot's ``job_timeout`` and was stopped."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        super().__init__(f"This brief took longer than {seconds:g} s and was stopped; "
                         "try fewer or shorter articles.")


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


def as_inputs(articles: list[str]) -> list[str | Article]:
    """Links stay links; pasted text becomes an :class:`Article` here, so no Slack
    message is ever read as a file path on the bot's machine."""
    return [a if is_url(a) else from_text(a, source="<pasted in Slack>") for a in articles]


def describe(articles: list[str]) -> str:
    """How a request is logged: counts and hosts, never article text."""
    hosts = sorted({urlparse(a).netloc for a in articles if is_url(a)})
    texts = sum(1 for a in articles if not is_url(a))
    parts = [f"{len(articles)} article(s)"]
    if hosts:
        parts.append("from " + ", ".join(hosts[:5]) + (" …" if len(hosts) > 5 else ""))
    if texts:
        parts.append(f"{texts} pasted text(s)")
    return " ".join(parts)


def friendly_error(exc: BaseException, ref: str) -> str:
    """What the thread is told when no brief could be made: what happened and what to do, no traceback."""
    if isinstance(exc, JobTimeoutError):
        return f":stopwatch: {exc}"
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


class _DaemonThreads(ThreadPoolExecutor):
    """One job's ``asyncio.to_thread`` executor: every call gets its own daemon thread, never
    joined, so a call stuck past the deadline holds neither the worker nor the process's exit
    (``asyncio.run`` would join it, and so would the interpreter's exit for a plain pool)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()

        def call() -> None:
            if not future.set_running_or_notify_cancel():
                return
            try:
                future.set_result(fn(*args, **kwargs))
            except BaseException as exc:  # noqa: BLE001 - handed to the awaiting coroutine, as a pool does
                future.set_exception(exc)

        threading.Thread(target=call, name=self._thread_name_prefix, daemon=True).start()
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        return  # nothing to join: see the class docstring


def _cancel_leftovers(loop: asyncio.AbstractEventLoop) -> None:
    """What ``asyncio.run`` does on the way out, minus joining the executor's threads."""
    tasks = asyncio.all_tasks(loop)
    for task in tasks:
        task.cancel()
    if tasks:
        loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
    loop.run_until_complete(loop.shutdown_asyncgens())


class BriefJobs:
    """A bounded pool that turns :class:`BriefJob` s into posted briefs (see module docs)."""

    def __init__(self, summarize: SummarizeFn, *, concurrency: int = 2, max_queue: int = 20,
                 job_timeout: float = DEFAULT_JOB_TIMEOUT, stop_grace: float = STOP_GRACE) -> None:
        self.summarize = summarize
        self.concurrency = max(concurrency, 1)
        self.max_queue = max(max_queue, 0)
        self.job_timeout = job_timeout
        self.stop_grace = stop_grace
        self.abandoned = 0
        """Jobs whose event loop did not stop within ``stop_grace`` of the deadline (left behind)."""
        self._pool = ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="briefgen-slack")
        self._intake = ThreadPoolExecutor(max_workers=INTAKE_WORKERS, thread_name_prefix="briefgen-slack-intake")
        self._lock = threading.Lock()
        self._pending = 0
        self._intake_pending = 0
        self._intake_unreserved = 0
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

    def intake(self, task: Callable[[], None], *, reserved: bool) -> bool:
        """Run ``task`` (the Slack calls before a job) on an intake thread, never the request's.

        ``reserved``: the task holds a place from :meth:`reserve` (a ``/brief`` whose ack
        promised it), so it always runs; other tasks (mentions still to be read) are refused,
        returning False, once :data:`INTAKE_BACKLOG` of them wait. Exceptions are logged.
        """
        with self._lock:
            if not reserved and self._intake_unreserved >= INTAKE_BACKLOG:
                return False
            self._intake_pending += 1
            self._intake_unreserved += not reserved

        def run() -> None:
            try:
                task()
            except SlackApiError as exc:
                log.warning("Slack refused a call before the brief: %s", exc.response.get("error"))
            except Exception:
                log.exception("preparing a brief failed")
            finally:
                with self._lock:
                    self._intake_pending -= 1
                    self._intake_unreserved -= not reserved
                    self._idle.notify_all()

        try:
            self._intake.submit(run)
        except RuntimeError:  # shut down: the bot is stopping
            with self._lock:
                self._intake_pending -= 1
                self._intake_unreserved -= not reserved
                self._idle.notify_all()
            return False
        return True

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
        """Block until no job is running, queued or being prepared (tests use this); False on timeout."""
        with self._lock:
            return self._idle.wait_for(lambda: self._pending == 0 and self._intake_pending == 0, timeout=timeout)

    def shutdown(self) -> None:
        self._intake.shutdown(wait=False, cancel_futures=True)
        self._pool.shutdown(wait=False, cancel_futures=True)

    # --- one job -------------------------------------------------------------------

    def run(self, job: BriefJob) -> None:
        """Make the brief and post it; every failure ends as a reply in the thread."""
        try:
            brief = self.summarize_within_deadline(job)
        except Exception as exc:
            if isinstance(exc, JobTimeoutError):
                log.warning("job %s: stopped after %g s: %s", job.ref, self.job_timeout, describe(job.articles))
            elif isinstance(exc, BriefgenError):
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

    def summarize_within_deadline(self, job: BriefJob) -> Brief:
        """``summarize`` in an event loop of its own thread, stopped after ``job_timeout`` seconds.

        The deadline cancels the brief inside its loop (``asyncio.timeout``); this thread waits
        ``stop_grace`` longer for the loop to notice, then leaves it behind, so the worker is
        freed even when the stuck call never yields (:class:`JobTimeoutError` either way).
        """
        inputs = as_inputs(job.articles)
        outcome: Future[Brief] = Future()
        threading.Thread(target=self._run_loop, args=(inputs, outcome, job.ref), daemon=True,
                         name=f"briefgen-slack-job-{job.ref}").start()
        try:
            return outcome.result(timeout=self.job_timeout + self.stop_grace)
        except TimeoutError:
            if outcome.done():  # summarize itself raised a TimeoutError: report it as such
                raise
            with self._lock:
                self.abandoned += 1
            log.warning("job %s: still busy %g s after its deadline; its thread is left behind",
                        job.ref, self.stop_grace)
            raise JobTimeoutError(self.job_timeout) from None

    def _run_loop(self, inputs: list[str | Article], outcome: Future[Brief], ref: str) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)  # as asyncio.run does, for code that asks for "the" loop
        loop.set_default_executor(_DaemonThreads(thread_name_prefix=f"briefgen-slack-job-{ref}"))
        try:
            outcome.set_result(loop.run_until_complete(self._bounded(inputs)))
        except BaseException as exc:  # noqa: BLE001 - every outcome goes to the waiting worker
            outcome.set_exception(exc)
        finally:  # after the outcome: the worker never waits for this clean-up
            try:
                _cancel_leftovers(loop)
            finally:
                asyncio.set_event_loop(None)
                loop.close()

    async def _bounded(self, inputs: list[str | Article]) -> Brief:
        deadline = asyncio.timeout(self.job_timeout)
        try:
            async with deadline:
                return await self.summarize(inputs)
        except TimeoutError:
            if deadline.expired():
                raise JobTimeoutError(self.job_timeout) from None
            raise  # a timeout of the brief's own (a library deadline), not ours

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
