"""What a model's answer says: its token counts, tool calls, the JSON it carried, a refusal, a cut-off.

:func:`output_failure` turns an answer that could not be used into the named
error a brief records for that article (cut off, refused, absurdly long, not
JSON, not the schema). :mod:`briefgen.llm` makes the calls; this module only
reads what came back.
"""

from __future__ import annotations

import json
import re
from typing import Any

import openai
from instructor.core.exceptions import (
    IncompleteOutputException,
    InstructorError,
    InstructorRetryException,
)

from briefgen._text import first_line
from briefgen.errors import IncompleteOutputError, ModelOutputError, ModelRefusedError

ABSURD_OUTPUT_CHARS = 200_000
"""An answer this long is no valid answer (12 claims of 620 characters are ~8,000): the server
ignores max_tokens or is broken, and the answer is reported as unusable, not parsed further."""

_DECLINES = re.compile(
    r"^\W*(?:I'?m sorry|I am sorry|sorry\b|I can(?:no|')t|I cannot|I am (?:unable|not able)|I'?m (?:unable|not able)"
    r"|I won'?t|I will not|As an AI\b|I must decline|I'?m afraid I can)",
    re.IGNORECASE,
)


def completion_tokens(completion: Any) -> int:
    return getattr(getattr(completion, "usage", None), "completion_tokens", 0) or 0


def prompt_tokens(completion: Any) -> int:
    return getattr(getattr(completion, "usage", None), "prompt_tokens", 0) or 0


def count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def api_message(exc: openai.APIError) -> str:
    """The server's own error message (not the SDK's "Error code: 403 - {...}" dump)."""
    body = getattr(exc, "body", None)  # the SDK keeps the "error" object of the JSON body here
    if isinstance(body, dict) and body.get("message"):
        return first_line(str(body["message"]), 200)
    return first_line(str(exc), 200)


def tool_calls(completion: Any) -> list[Any]:
    try:
        return list(getattr(completion.choices[0].message, "tool_calls", None) or [])
    except (AttributeError, IndexError, TypeError):
        return []


def raw_output(completion: Any) -> str:
    """Everything the model wrote: tool-call arguments and message text."""
    try:
        message = completion.choices[0].message
    except (AttributeError, IndexError, TypeError):
        return ""
    parts = [str(getattr(call.function, "arguments", "") or "") for call in getattr(message, "tool_calls", None) or []]
    parts.append(str(getattr(message, "content", None) or ""))
    return "".join(parts)


def refusal_text(completion: Any) -> str | None:
    """The model's refusal: ``message.refusal``, or prose that declines instead of a tool call or JSON."""
    try:
        message = completion.choices[0].message
    except (AttributeError, IndexError, TypeError):
        return None
    refusal = getattr(message, "refusal", None)
    if refusal:
        return str(refusal)
    content = getattr(message, "content", None)
    declines = bool(content) and _DECLINES.search(str(content)) is not None
    if declines and not getattr(message, "tool_calls", None) and raw_json(completion) is None:
        return str(content)
    return None


def output_failure(
    exc: BaseException, completions: list[Any], tokens: list[tuple[int, int]], max_tokens: int
) -> ModelOutputError:
    """Name what was wrong with the model's last answer: cut off, refused, absurd, shapeless or invalid."""
    last = completions[-1] if completions else getattr(exc, "last_completion", None)
    generated = tokens[-1][1] if tokens else 0
    attempts = count(max(len(completions), 1), "attempt")
    cause = exc.__cause__ if isinstance(exc, InstructorRetryException) and exc.__cause__ is not None else exc
    if not isinstance(cause, (ValueError, AssertionError, InstructorError)):
        # Not a parse or validation error: a reply shaped in a way nothing expects, or a bug of ours
        # (a validator raising TypeError). Named and kept to this article either way.
        return ModelOutputError(
            f"the answer could not be processed ({cause.__class__.__name__}: {first_line(str(cause), 200)}); "
            "if the server's reply looks valid, this is a bug in briefgen: please report it"
        )
    if isinstance(exc, IncompleteOutputException) or (last is not None and truncated(last, generated, max_tokens)):
        return IncompleteOutputError(
            f"the answer was cut off at max_tokens={max_tokens} ({generated:,} tokens generated); the model wrote "
            "too much or looped: use a stronger model or fewer claims (max_claims_per_article)"
        )
    refusal = refusal_text(last) if last is not None else None
    if refusal is not None:
        return ModelRefusedError(
            f"the model declined to answer: {first_line(refusal, 160)!r}; if the article is fine, use another model"
        )
    size = len(raw_output(last)) if last is not None else 0
    if size > ABSURD_OUTPUT_CHARS:
        return ModelOutputError(
            f"the answer was {size:,} characters long, far beyond any valid answer; the server ignores max_tokens "
            "or is broken"
        )
    if last is not None and raw_json(last) is None:
        what = "no tool call or JSON object"
        if tool_calls(last):
            what = "a tool call whose arguments are not a JSON object"
        return ModelOutputError(
            f"the model answered with {what} ({attempts}); use a model that supports tool calls, "
            "or another mode (BRIEFGEN_MODE=json or md_json)"
        )
    return ModelOutputError(
        f"the answer did not fit the schema ({attempts}): {first_line(str(cause), 300)}; use a stronger model"
    )


def truncated(completion: Any, generated: int, max_tokens: int) -> bool:
    """Cut-off output. llama.cpp reports finish_reason 'tool_calls' even when it ran
    out of tokens, so the answer's own token count (``generated``) is checked as well."""
    try:
        finish = completion.choices[0].finish_reason
    except (AttributeError, IndexError, TypeError):
        finish = None
    return finish == "length" or generated >= max_tokens


def raw_json(completion: Any) -> dict[str, Any] | None:
    """The JSON object a completion carried, from a tool call or the message text."""
    try:
        message = completion.choices[0].message
    except (AttributeError, IndexError):
        return None
    candidates: list[str] = []
    for call in getattr(message, "tool_calls", None) or []:
        candidates.append(call.function.arguments)
    if getattr(message, "content", None):
        text = message.content
        fenced = re.search(r"```(?:json)?\s*(\{.*?\})\s*```", text, re.DOTALL)
        candidates.append(fenced.group(1) if fenced else text)
    for candidate in candidates:
        try:
            data = json.loads(candidate)
        except (json.JSONDecodeError, TypeError):
            continue
        if isinstance(data, dict):
            return data
    return None



def _json_without_raw_controls(text: str | None) -> str | None:
    """``text`` re-encoded when it is JSON only once raw control characters inside strings are allowed
    (``json.loads(strict=False)``); ``None`` when it is valid JSON already, or not JSON either way."""
    if not text:
        return None
    try:
        json.loads(text)
        return None
    except (json.JSONDecodeError, TypeError):
        pass
    try:
        data = json.loads(text, strict=False)
    except (json.JSONDecodeError, TypeError):
        return None
    return json.dumps(data, ensure_ascii=False)


def mend_raw_controls(completion: Any) -> Any:
    """``completion`` with tool-call arguments (or JSON message text) that hold a raw line break or tab
    inside a string re-encoded as the JSON they mean; anything else as it came.

    Live seeds run (extract v6, koreadaily.com): the 1.5B model ended a claim with a raw line break
    inside its string. pydantic's JSON parser refuses control characters, so instructor re-asked and
    the model wrote all five claims again to fix one character: 461 output tokens and 59 s of a 157 s
    brief (bench/results/live/seeds@14). Python's json reads the answer with ``strict=False``; the
    claims it carries are then checked like any others.
    """
    try:
        message = completion.choices[0].message
    except (AttributeError, IndexError, TypeError):
        return completion
    for call in getattr(message, "tool_calls", None) or []:
        mended = _json_without_raw_controls(getattr(call.function, "arguments", None))
        if mended is not None:
            call.function.arguments = mended
    content = getattr(message, "content", None)
    if isinstance(content, str) and content.lstrip().startswith("{"):
        mended = _json_without_raw_controls(content)
        if mended is not None:
            message.content = mended
    return completion
