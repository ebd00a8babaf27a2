"""History at scale: a store with many conversations, opened by the real window."""

from __future__ import annotations

import random
import statistics
import time

from PySide6.QtGui import QTextDocument

from app.core.chat.store import Store
from bench import Failed
from bench.window import drain_events

WORDS = (
    "budget contract invoice meeting holiday garden python server backup report lighthouse "
    "storm recipe travel museum patient clinic audit policy network printer license piano "
    "violin harvest quantum orbit glacier market ledger"
).split()


def generate(path, *, conversations: int, messages: int, long_conversation: int) -> int:
    """Fill a store fast (one transaction, executemany). Returns the long conversation's id."""
    rng = random.Random(7)
    per = max(2, messages // conversations)
    now = time.time() - conversations * 60
    with Store(path) as store:
        db = store._db  # bulk loading is a benchmark's business, not the store's
        db.execute("BEGIN")
        long_id = None
        for c in range(conversations):
            count = long_conversation if c == conversations // 2 else per
            cur = db.execute(
                "INSERT INTO conversations (title, created, updated) VALUES (?,?,?)",
                (" ".join(rng.choices(WORDS, k=4)).capitalize(), now + c * 60, now + c * 60),
            )
            cid = cur.lastrowid
            if count == long_conversation:
                long_id = cid
            db.executemany(
                "INSERT INTO messages (conversation_id, role, content, model, engine, created, "
                "updated) VALUES (?,?,?,?,?,?,?)",
                [
                    (
                        cid,
                        "user" if i % 2 == 0 else "assistant",
                        " ".join(rng.choices(WORDS, k=rng.randint(8, 40))),
                        "bench",
                        "local",
                        now + c * 60 + i,
                        now + c * 60 + i,
                    )
                    for i in range(count)
                ],
            )
        db.execute("COMMIT")
    return long_id


def rendered(window, until, timeout_s: float = 60) -> None:
    """Run the event loop until ``until()`` holds once everything queued has run (deferred
    layout and drawing included), then paint the window as the screen would."""
    started = time.perf_counter()
    while True:
        drain_events()
        if until():
            break
        if time.perf_counter() - started > timeout_s:
            raise Failed(f"the window did not finish drawing within {timeout_s:g} s")
    window.repaint()


def measure(
    rt,
    *,
    conversations: int,
    messages: int,
    long_conversation: int,
    searches: int = 50,
    opens: int = 3,
) -> dict:
    from app.ui.chat.chat_view import PAGE
    from app.ui.chat.main_window import MainWindow

    started = time.perf_counter()
    long_id = generate(
        rt.paths.database,
        conversations=conversations,
        messages=messages,
        long_conversation=long_conversation,
    )
    generated = time.perf_counter() - started

    with Store(rt.paths.database) as store:  # the window opens with the newest conversation
        newest_shown = min(PAGE, len(store.messages(store.conversations(limit=1)[0].id)))
    start = time.perf_counter()
    window = MainWindow(rt)
    try:
        window.show()
        rendered(
            window,
            lambda: (
                window.panel.model.rowCount() > 0 and len(window.chat.message_ids()) == newest_shown
            ),
        )
        open_app = time.perf_counter() - start
        listed = window.panel.model.rowCount()

        rng, times, hits = random.Random(3), [], []
        with Store(rt.paths.database) as store:
            for _ in range(searches):
                query = " ".join(rng.sample(WORDS, 2))  # words in the history: each is found
                start = time.perf_counter()
                hits.append(len(store.search(query)))
                times.append(time.perf_counter() - start)
            found_absent = len(store.search("zeppelin"))  # and one it does not hold
            newest = store.messages(long_id)[-1].content[:40]
            other_id = next(c.id for c in store.conversations(limit=2) if c.id != long_id)
            other_shown = min(PAGE, len(store.messages(other_id)))
        if min(hits) == 0 or found_absent:
            raise Failed(
                f"search is broken: {hits.count(0)} of {searches} searches for words "
                f"in the history found nothing; a word not in it found {found_absent}"
            )

        view, times_open = window.chat, []
        for _ in range(opens):  # the median of a few, each from another conversation
            window.open_conversation(other_id)
            rendered(window, lambda: len(view.message_ids()) == other_shown)
            start = time.perf_counter()
            window.open_conversation(long_id)
            rendered(
                window,
                lambda: (
                    len(view.message_ids()) == min(PAGE, long_conversation)
                    and not view.document()
                    .find(
                        newest,
                        view.document().characterCount(),
                        QTextDocument.FindFlag.FindBackward,
                    )
                    .isNull()
                ),
            )
            times_open.append(time.perf_counter() - start)
    finally:
        window.close()
    return {
        "conversations": conversations,
        "messages": messages,
        "generate_s": generated,
        "open_app_s": open_app,
        "rows_loaded_in_list": listed,
        "search_p95_ms": statistics.quantiles(times, n=20)[-1] * 1000,
        "search_hits_min": min(hits),
        "search_hits_median": statistics.median(hits),
        "open_long_conversation_ms": statistics.median(times_open) * 1000,
        "open_long_conversation_all_ms": [t * 1000 for t in times_open],
        "messages_drawn": len(view.message_ids()),
        "long_conversation_messages": long_conversation,
    }
