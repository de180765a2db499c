"""What the load benchmark records and how it is judged: turns, conversations, percentiles, the
ordering check against the server's tracker, and the printed table.

Pure functions only (no network), so tests/test_load_bench.py checks them offline.
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

TIMEOUT = "timeout"
EMPTY = "empty"


@dataclass
class Turn:
    """One resident message and what came back for it over the channel."""

    text: str
    sent_at: float                                    # perf_counter() when sent
    replies: list[str] = field(default_factory=list)  # bot texts received, in arrival order
    arrivals: list[float] = field(default_factory=list)  # perf_counter() of each reply's arrival
    latency: float | None = None                      # seconds to the last bot message of the turn
    error: str | None = None                          # "timeout", "empty", "http 500", "connection: ..."


@dataclass
class Conversation:
    """One simulated resident's conversation: its id on the server and its turns in sending order."""

    conversation_id: str
    turns: list[Turn] = field(default_factory=list)
    error: str | None = None   # failed before the first message (connect, session request)


@dataclass
class Figures:
    """The row of the table for one target and channel."""

    target: str
    channel: str
    residents: int
    conversations: int
    messages: int
    replies: int
    errors: Counter
    p50: float | None
    p95: float | None
    p99: float | None
    throughput: float
    ordering: str


def percentile(values: list[float], q: float) -> float | None:
    """The q-th percentile (0-100) with linear interpolation between ranks; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100.0
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _parts(texts: list[str]) -> list[str]:
    """Bot texts as comparable pieces (stock socket.io splits a text with buttons at blank lines)."""
    return [part.strip() for text in texts for part in text.split("\n\n") if part.strip()]


def tracker_turns(events: list[dict]) -> tuple[list[str], list[list[str]]]:
    """User texts in tracker order, and the bot texts after each one up to the next user message.

    Bot messages before the first user message (a session start) go with the first turn: they are
    delivered together with its reply.
    """
    users: list[str] = []
    bots: list[list[str]] = []
    before_first: list[str] = []
    for event in events:
        kind = event.get("event")
        if kind == "user":
            users.append(event.get("text") or "")
            bots.append(before_first if len(users) == 1 else [])
        elif kind == "bot" and event.get("text"):
            (bots[-1] if bots else before_first).append(event["text"])
    return users, bots


def check_conversation(conversation: Conversation, events: list[dict]) -> tuple[list[str], int]:
    """Ordering and interleaving violations of one conversation, and its late turns.

    Server side (the tracker): exactly the messages sent, in the order sent, each answered before
    the next one was taken, nothing from another conversation. Client side: the bot messages
    received are the tracker's, in its order, and nothing foreign.

    A turn is late when some of its bot messages came only after the resident had sent the next
    message (socket.io has no end-of-turn signal: the resident waits for a quiet moment). When the
    order holds, such messages are given back to their turn and its reply time is corrected.
    Returns ([] and the number of late turns) when all is well.
    """
    cid = conversation.conversation_id
    turns = conversation.turns
    sent = [turn.text for turn in turns]
    users, bots = tracker_turns(events)
    problems: list[str] = []
    foreign = Counter(users) - Counter(sent)
    # a resident stops at its first error; that last message may or may not have reached the server
    missing = Counter(turn.text for turn in turns if turn.error is None) - Counter(users)
    if foreign:
        problems.append(f"{cid}: foreign user message(s) in the tracker: {sorted(foreign)}")
    if missing:
        problems.append(f"{cid}: sent but not in the tracker: {sorted(missing)}")
    if not foreign and not missing and users != sent[:len(users)]:
        problems.append(f"{cid}: reordered: sent {sent}, tracker {users}")
    for index, turn in enumerate(turns[:len(bots)]):
        if turn.error is None and not bots[index]:
            nxt = "the next message was taken first" if index + 1 < len(users) else "no bot message"
            problems.append(f"{cid}: turn {index + 1} ({turn.text!r}) has no reply in the tracker: {nxt}")
    if problems:
        return problems, 0
    expected = [_parts(bots[index]) if turn.error is None and index < len(bots) else []
                for index, turn in enumerate(turns)]
    received = [(index, part, at) for index, turn in enumerate(turns)
                for text, at in zip(turn.replies, turn.arrivals) for part in _parts([text])]
    flat = [part for parts in expected for part in parts]
    for position, (index, part, _) in enumerate(received):
        if position >= len(flat) or part != flat[position]:
            if part not in flat:
                return [f"{cid}: turn {index + 1} received another conversation's message: {part[:60]!r}"], 0
            return [f"{cid}: turn {index + 1} received bot messages out of order"], 0
    late = position = 0
    for number, (turn, parts) in enumerate(zip(turns, expected)):
        own = received[position:position + len(parts)]
        position += len(parts)
        if turn.error is not None:
            continue
        if len(own) != len(parts) or any(index != number for index, _, _ in own):
            late += 1
        if own:
            turn.latency = own[-1][2] - turn.sent_at
    return [], late


def ordering_summary(problems: list[str], checked: int, unreadable: int = 0, late: int = 0) -> str:
    """One line for the table: 'ok (K conversations)' or the number of violations, and the late turns."""
    notes = f"{checked} conversations"
    notes += f"; {unreadable} tracker(s) unreadable" if unreadable else ""
    notes += f"; {late} late turn(s)" if late else ""
    return f"ok ({notes})" if not problems else f"{len(problems)} violation(s) ({notes})"


def figures(target: str, channel: str, residents: int, conversations: list[Conversation], elapsed: float,
            ordering: str) -> Figures:
    """Count messages, replies and errors, and the reply-time percentiles, of one measured run."""
    turns = [turn for conversation in conversations for turn in conversation.turns]
    errors: Counter = Counter(turn.error.split(":")[0] for turn in turns if turn.error)
    errors.update(conversation.error.split(":")[0] for conversation in conversations if conversation.error)
    latencies = [turn.latency for turn in turns if turn.error is None and turn.latency is not None]
    answered = sum(1 for turn in turns if turn.error is None)
    return Figures(target, channel, residents, len(conversations), len(turns), answered, errors,
                   *(percentile(latencies, q) for q in (50, 95, 99)),
                   throughput=answered / elapsed if elapsed > 0 else 0.0, ordering=ordering)


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{1000 * value:.0f}"


def table(rows: list[Figures]) -> str:
    """A Markdown table of the runs, one row per target and channel."""
    lines = ["| target | channel | residents | conversations | messages | replies | errors "
             "| p50 / p95 / p99 ms | throughput msg/s | ordering |",
             "|---|---|---:|---:|---:|---:|---|---:|---:|---|"]
    for row in rows:
        errors = ", ".join(f"{count} {kind}" for kind, count in sorted(row.errors.items())) or "0"
        lines.append(f"| {row.target} | {row.channel} | {row.residents} | {row.conversations} | {row.messages} "
                     f"| {row.replies} | {errors} "
                     f"| {_ms(row.p50)} / {_ms(row.p95)} / {_ms(row.p99)} | {row.throughput:.1f} | {row.ordering} |")
    return "\n".join(lines)
