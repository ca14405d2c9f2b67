"""Every error briefgen raises on purpose.

One base class (:class:`BriefgenError`) so callers can catch everything of
ours in one place, and one subclass per thing that can go wrong so they can
react to the ones they care about. Each message says what happened *and what
to do next*: the CLI and the Slack bot print ``str(error)`` as it is, so the
message is the user interface.
"""

from __future__ import annotations


class BriefgenError(Exception):
    """Base class of every error briefgen raises deliberately."""


# --- configuration -----------------------------------------------------------


class ConfigError(BriefgenError):
    """A setting is missing, malformed or contradicts another one."""


class NoProviderError(ConfigError):
    """No model provider could be resolved from arguments, environment or extras."""

    def __init__(self) -> None:
        super().__init__(
            "No model is configured. Do one of: "
            "(1) set OPENAI_API_KEY to use OpenAI; "
            "(2) set BRIEFGEN_BASE_URL (or pass base_url=/--base-url) to any "
            "OpenAI-compatible server such as Ollama, vLLM or llama.cpp; "
            "(3) pip install 'briefgen[local]' to run the bundled local model offline."
        )


class ExtraNotInstalledError(ConfigError):
    """A command or feature needs a ``briefgen[...]`` extra that is not installed."""

    def __init__(self, what: str, extra: str, missing: str) -> None:
        super().__init__(
            f"{what} is not installed ({missing} is missing); install it with: pip install 'briefgen[{extra}]'"
        )


# --- ingest -------------------------------------------------------------------


class IngestError(BriefgenError):
    """An article could not be loaded or cleaned."""

    def __init__(self, message: str, *, source: str | None = None) -> None:
        self.source = source
        super().__init__(f"{source}: {message}" if source else message)


class ArticleNotFoundError(IngestError):
    """A path given as an article does not exist."""


class EmptyArticleError(IngestError):
    """An article has no usable text (empty, whitespace, or only boilerplate)."""


class BinaryInputError(IngestError):
    """An article looks binary (an image, PDF, archive...), not text or HTML."""


class UnsupportedFormatError(IngestError):
    """An article's format is recognised but not supported (e.g. PDF)."""


class FetchError(IngestError):
    """A URL could not be fetched (unreachable, HTTP error, too large, timeout)."""


class BlockedURLError(FetchError):
    """A URL (or a redirect hop) points at a loopback, private, link-local or reserved
    address, or uses a scheme other than http(s); refused by the fetch policy."""


class ExtractionError(IngestError):
    """A page was fetched but no main text could be extracted from it."""


class NoArticlesError(IngestError):
    """summarize() was called with nothing usable to summarise."""


# --- model --------------------------------------------------------------------


class ModelError(BriefgenError):
    """The model could not produce a usable answer.

    ``kind`` is the :data:`briefgen.brief.FailureKind` an article failure of
    this class is recorded as in ``Brief.failures``.
    """

    kind: str = "unusable"


class ModelUnavailableError(ModelError):
    """The model server could not be reached or refused the request."""

    kind = "unavailable"


class ModelDeadlineError(ModelError):
    """One model call (transport retries and re-asks included) ran past ``call_deadline``."""

    kind = "deadline"


class ModelOutputError(ModelError):
    """The model answered, but not with something that fits the schema."""


class IncompleteOutputError(ModelOutputError):
    """The model's answer was cut off (max_tokens or context reached)."""

    kind = "cut_off"


class ModelRefusedError(ModelOutputError):
    """The model declined to answer (a refusal, or prose that declines instead of a tool call)."""

    kind = "refused"


class NoUsableOutputError(ModelOutputError):
    """Every article failed, for different reasons; the message names each article's."""


class BudgetExceededError(ModelError):
    """The token budget of a call or a brief was spent before it finished."""

    kind = "budget"


class UnexpectedError(BriefgenError):
    """An exception briefgen did not expect (a bug), wrapped so one story of a batch cannot stop the others.

    The message names the original type; ``__cause__`` keeps its traceback.
    """

    def __init__(self, exc: BaseException) -> None:
        text = " ".join(str(exc).split())[:300]
        super().__init__(
            f"unexpected {exc.__class__.__name__}{': ' + text if text else ''}; "
            "this is a bug in briefgen, please report it"
        )


# --- local runtime ----------------------------------------------------------------


class LocalRuntimeError(BriefgenError):
    """The bundled local model server could not be prepared or started."""


class LocalExtraNotInstalledError(LocalRuntimeError):
    """``briefgen[local]`` (llama-cpp-python's server) is not installed."""

    def __init__(self, missing: str = "llama_cpp") -> None:
        super().__init__(
            f"The local model runtime is not installed ({missing} is missing). "
            "Install it with: pip install 'briefgen[local]' "
            "(it compiles llama.cpp: about 6 minutes on 2 cores), "
            "or configure a remote model with OPENAI_API_KEY or BRIEFGEN_BASE_URL."
        )


class LocalModelNotFoundError(LocalRuntimeError):
    """The requested GGUF model is neither a known packaged model nor a file."""


class InsufficientDiskError(LocalRuntimeError):
    """Not enough free disk space to assemble the model in the cache folder."""


class ModelChecksumError(LocalRuntimeError):
    """The assembled model file does not match its pinned sha256."""


class ServerExitedError(LocalRuntimeError):
    """The local server process exited before it became ready."""


class PortInUseError(LocalRuntimeError):
    """The port asked for the local server is already taken."""


class ServerTimeoutError(LocalRuntimeError):
    """The local server did not answer /v1/models in time."""


# --- output -----------------------------------------------------------------------


class OutputError(BriefgenError):
    """An output file or folder could not be written (disk full, missing folder, no permission).

    Raised by :func:`briefgen._files.write_atomic`, which never leaves a
    half-written file: the message says whether the previous file is unchanged.
    """


class OutputLockedError(OutputError):
    """Another ``briefgen batch`` is writing to the same ``--out`` folder."""


# --- the batch path (OpenAI Batch API, exported JSONL, local runner) -------------------


class BatchError(BriefgenError):
    """The batch path could not go on; what was submitted and answered is kept, a re-run resumes."""


class BatchStateError(BatchError):
    """The batch state folder (``OUT/.briefgen-batch``) is unreadable or not briefgen's."""


class BatchAPIError(BatchError):
    """The Batch API (files, batches) refused a request or could not be reached."""


class BatchResultsError(BatchError):
    """A file given to ``--import-results`` is not Batch API output (JSONL of ``custom_id``/``response``)."""
