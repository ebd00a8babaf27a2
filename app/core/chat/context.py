"""Make a conversation fit the model's context window.

When the history is too long, the oldest turns are dropped (the system prompt always stays); when
the newest message alone is too long, it is shortened. Either way the caller gets a notice to show,
so the user knows what the model did and did not see.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.core.engines.base import ChatMessage, Engine

SHORTENED_MARK = "\n\n[… shortened by Enclave to fit the model's context window …]"
# No tokenizer packs more characters than this into one token of ordinary text, so a message longer
# than context_length * this cannot fit, and counting beyond that point is wasted work.
MAX_CHARS_PER_TOKEN = 16


@dataclass
class FitResult:
    messages: list[ChatMessage]
    prompt_tokens: int
    dropped_messages: int = 0
    shortened: bool = False
    notices: list[str] = field(default_factory=list)


def fit(messages: list[ChatMessage], engine: Engine, *, answer_tokens: int) -> FitResult:
    """Return the messages to send so that prompt + answer fit in the engine's context.

    Args:
        messages: optional system message first, then the turns; the last one is the new message.
        engine: counts tokens for its own prompt format.
        answer_tokens: room to keep free for the answer.
    """
    budget = engine.context_length - answer_tokens
    system = [m for m in messages[:1] if m.role == "system"]
    turns = messages[len(system) :]
    if not turns:
        raise ValueError("nothing to send")

    original = turns[-1]
    longest = engine.context_length * MAX_CHARS_PER_TOKEN
    huge = len(original.content) > longest
    if huge:  # a giant paste cannot fit: never tokenise all of it, go straight to shortening
        turns = turns[:-1] + [ChatMessage(original.role, original.content[:longest])]
    elif (total := engine.count_tokens(messages)) <= budget:
        return FitResult(list(messages), total)

    # Drop the fewest oldest turns that make it fit (a binary search: counting is not free).
    low, high = 1, (0 if huge else len(turns) - 1)
    best = None
    while low <= high:
        mid = (low + high) // 2
        count = engine.count_tokens(system + turns[mid:])
        if count <= budget:
            best, high = (mid, count), mid - 1
        else:
            low = mid + 1
    if best is not None:
        dropped, count = best
        return FitResult(
            system + turns[dropped:],
            count,
            dropped_messages=dropped,
            notices=[_dropped_notice(dropped, engine.context_length, bool(system))],
        )

    # Even the newest message alone does not fit: everything older goes.
    last, dropped = turns[-1], len(turns) - 1
    notices = [_dropped_notice(dropped, engine.context_length, bool(system))] if dropped else []
    if system and engine.count_tokens(system) > budget // 2:
        # A giant system prompt: keep its beginning, a quarter of the room.
        system = [ChatMessage("system", engine.truncate(system[0].content, budget // 4))]
        notices.append(
            "The system prompt is too long for the model's context; only its beginning was used."
        )
        if not huge and (count := engine.count_tokens(system + [last])) <= budget:
            return FitResult(system + [last], count, dropped_messages=dropped, notices=notices)

    # Shorten the message itself.
    room = budget - engine.count_tokens(system + [ChatMessage(last.role, SHORTENED_MARK)])
    text = engine.truncate(last.content, max(room, 1))
    kept = system + [ChatMessage(last.role, text + SHORTENED_MARK)]
    count = engine.count_tokens(kept)
    while count > budget and text:  # tokenisation at the seam can differ by a few tokens
        text = text[: int(len(text) * 0.95)]
        kept[-1] = ChatMessage(last.role, text + SHORTENED_MARK)
        count = engine.count_tokens(kept)
    notices.append(
        f"Your message was too long for the model's {engine.context_length:,}-token context; "
        f"only its first {len(text):,} of {len(original.content):,} characters were used. "
        f"The full text is kept in the conversation."
    )
    return FitResult(kept, count, dropped_messages=dropped, shortened=True, notices=notices)


def _dropped_notice(dropped: int, context_length: int, has_system: bool) -> str:
    kept = " (the system prompt was kept)" if has_system else ""
    return (
        f"The conversation is longer than the model's {context_length:,}-token context, so "
        f"the {dropped} oldest message{'s' if dropped != 1 else ''} "
        f"{'were' if dropped != 1 else 'was'} left out of this answer{kept}."
    )
