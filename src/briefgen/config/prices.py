"""The prices table: USD per million tokens of the models briefgen knows, for ``Brief.usage.cost_usd``.

A model missing here reports cost ``None`` rather than a guess; ``Settings.price``
(``BRIEFGEN_PRICE``, ``price = [0.4, 1.6]`` in the config file) sets the price of
any other model. Kept apart so that updating a price touches nothing else.
"""

from __future__ import annotations

# USD per million tokens (prompt, completion). Used for Brief.usage.cost_usd;
# unknown models report cost None rather than a guess. Override per call with
# Settings.price.
PRICES: dict[str, tuple[float, float]] = {
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-4o": (2.50, 10.00),
    "gpt-4o-mini": (0.15, 0.60),
}
