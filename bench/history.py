"""History at scale: a store with many conversations, opened by the real window."""

from __future__ import annotations

import random
import statistics
import time

from PySide6.QtWidgets import QApplication

from app.core.store import Store

WORDS = ("budget contract invoice meeting holiday garden python server backup report lighthouse "
         "storm recipe travel museum patient clinic audit policy network printer license piano "
         "violin harvest quantum orbit glacier market ledger").split()


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
            cur = db.execute("INSERT INTO conversations (title, created, updated) VALUES (?,?,?)",
                             (" ".join(rng.choices(WORDS, k=4)).capitalize(), now + c * 60,
                              now + c * 60))
            cid = cur.lastrowid
            if count == long_conversation:
                long_id = cid
            db.executemany(
                "INSERT INTO messages (conversation_id, role, content, model, engine, created, "
                "updated) VALUES (?,?,?,?,?,?,?)",
                [(cid, "user" if i % 2 == 0 else "assistant",
                  " ".join(rng.choices(WORDS, k=rng.randint(8, 40))), "bench", "local",
                  now + c * 60 + i, now + c * 60 + i) for i in range(count)])
        db.execute("COMMIT")
    return long_id


def measure(rt, *, conversations: int, messages: int, long_conversation: int,
            searches: int = 50) -> dict:
    from app.ui.main_window import MainWindow

    started = time.perf_counter()
    long_id = generate(rt.paths.database, conversations=conversations, messages=messages,
                       long_conversation=long_conversation)
    generated = time.perf_counter() - started
    app = QApplication.instance()

    start = time.perf_counter()
    window = MainWindow(rt)
    window.show()
    app.processEvents()
    open_app = time.perf_counter() - start
    listed = window.panel.model.rowCount()

    rng, times = random.Random(3), []
    with Store(rt.paths.database) as store:
        for _ in range(searches):
            query = " ".join(rng.sample(WORDS, 2))
            start = time.perf_counter()
            store.search(query)
            times.append(time.perf_counter() - start)
    start = time.perf_counter()
    window.open_conversation(long_id)
    app.processEvents()
    open_long = time.perf_counter() - start
    window.close()
    return {"conversations": conversations, "messages": messages, "generate_s": generated,
            "open_app_s": open_app, "rows_loaded_in_list": listed,
            "search_p95_ms": statistics.quantiles(times, n=20)[-1] * 1000,
            "open_long_conversation_ms": open_long * 1000,
            "long_conversation_messages": long_conversation}
