"""Reading a model's answer (briefgen/llm/answers.py): which failure an unusable answer is.

Each completion here is real-shaped: the JSON body an OpenAI-compatible server
sends (hand-made, CRAFTED), parsed by the openai SDK into the same
``ChatCompletion`` object the client receives. :func:`output_failure` must name
every way an answer can be unusable with its own kind and a one-line message
that says what to do; the end-to-end forms (a brief that fails, a partial
brief) are in ``test_faults.py``.
"""

from __future__ import annotations

from typing import Any

import pytest
from instructor.core.exceptions import IncompleteOutputException, InstructorRetryException
from openai.types.chat import ChatCompletion
from pydantic import BaseModel, ValidationError

from briefgen.errors import IncompleteOutputError, ModelOutputError, ModelRefusedError
from briefgen.llm.answers import output_failure, raw_json, refusal_text
from briefgen.testing import tool_call_completion

from ..crafted import text_completion

MAX_TOKENS = 1536


class Claims(BaseModel):
    claims: list[str]


def completion(body: dict[str, Any]) -> ChatCompletion:
    """What the openai client makes of a server's JSON body."""
    return ChatCompletion.model_validate(body)


def validation_error(text: str) -> ValidationError:
    try:
        Claims.model_validate_json(text)
    except ValidationError as exc:
        return exc
    raise AssertionError(f"{text!r} is valid")


def failed_after_reasks(answer: ChatCompletion, cause: BaseException) -> ModelOutputError:
    """output_failure as the client calls it when instructor gave up on ``answer``."""
    exc = InstructorRetryException("gave up", last_completion=answer, n_attempts=2, total_usage=None)
    exc.__cause__ = cause
    generated = answer.usage.completion_tokens if answer.usage else 0
    return output_failure(exc, [answer, answer], [(100, generated), (100, generated)], MAX_TOKENS)


def test_finish_reason_length_is_a_cut_off_that_says_how_much_was_generated() -> None:
    answer = completion(tool_call_completion('{"claims": ["Kim', finish_reason="length", completion_tokens=1536))
    failure = output_failure(IncompleteOutputException(last_completion=answer), [answer], [(100, 1536)], MAX_TOKENS)
    assert type(failure) is IncompleteOutputError and failure.kind == "cut_off"
    assert str(failure).startswith("the answer was cut off at max_tokens=1536 (1,536 tokens generated)")


def test_llama_cpp_cut_off_is_told_by_the_token_count_not_the_finish_reason() -> None:
    """llama.cpp says finish_reason "tool_calls" when it ran out of tokens mid-argument."""
    answer = completion(tool_call_completion('{"claims": ["Kim', completion_tokens=MAX_TOKENS))
    failure = failed_after_reasks(answer, validation_error('{"claims": ["Kim'))
    assert type(failure) is IncompleteOutputError and "max_claims_per_article" in str(failure)


@pytest.mark.parametrize(
    ("body", "said"),
    [
        (text_completion(None, refusal="I can't help with that request."), "I can't help with that request."),
        (text_completion("I'm sorry, but I cannot summarise this article."), "I'm sorry, but I cannot summarise"),
    ],
    ids=["refusal-field", "declining-prose"],
)
def test_a_refusal_is_named_with_the_models_own_words(body: dict[str, Any], said: str) -> None:
    answer = completion(body)
    failure = failed_after_reasks(answer, validation_error(answer.choices[0].message.content or "{}"))
    assert type(failure) is ModelRefusedError and failure.kind == "refused"
    assert said in str(failure) and "use another model" in str(failure)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (text_completion("Kim will send 6,000 workers to Kursk."), "answered with no tool call or JSON object (2 attempts)"),
        (tool_call_completion("this is {not json"), "a tool call whose arguments are not a JSON object"),
        (tool_call_completion({"claims": ["x" * 300_000]}), "characters long, far beyond any valid answer"),
        (tool_call_completion({"facts": ["Kim plans to send workers"]}), "did not fit the schema (2 attempts)"),
    ],
    ids=["prose", "non-json-arguments", "absurdly-long", "wrong-shape"],
)
def test_each_unusable_shape_has_its_own_one_line_message(body: dict[str, Any], expected: str) -> None:
    answer = completion(body)
    arguments = raw_json(answer)
    failure = failed_after_reasks(answer, validation_error("{}" if arguments is None else '{"facts": []}'))
    assert type(failure) is ModelOutputError and failure.kind == "unusable"
    assert expected in str(failure)
    assert "\n" not in str(failure) and len(str(failure)) < 600


def test_json_in_a_markdown_fence_is_read_and_a_tool_call_is_no_refusal() -> None:
    fenced = completion(text_completion('Here it is:\n```json\n{"claims": ["a"]}\n```'))
    assert raw_json(fenced) == {"claims": ["a"]}
    polite_tool_call = completion(tool_call_completion({"claims": ["I'm sorry to report the bridge fell."]}))
    assert refusal_text(polite_tool_call) is None


def test_an_unexpected_exception_inside_the_call_is_named_and_kept_to_its_article() -> None:
    wrapped = InstructorRetryException("boom", n_attempts=1, total_usage=None)
    wrapped.__cause__ = TypeError("'NoneType' object is not subscriptable")
    failure = output_failure(wrapped, [], [], 1536)
    assert type(failure) is ModelOutputError and failure.kind == "unusable"
    assert "TypeError: 'NoneType' object is not subscriptable" in str(failure) and "bug in briefgen" in str(failure)


