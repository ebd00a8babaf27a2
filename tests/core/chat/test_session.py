"""The chat session's rules, driven by a scripted stand-in for the model thread (the window's
tests drive the same session through the real model thread and the starter model)."""

from __future__ import annotations

import pytest

from app.core.chat.assistant import TurnResult, TurnStart
from app.core.chat.session import ChatSession, NextStep, Notice
from app.core.chat.store import Store
from app.core.cloud.chat import CloudPlan
from app.core.cloud.providers import Provider, ProviderRegistry
from app.core.engines.base import GenerationStats
from app.core.platform.events import Event
from app.core.platform.settings import Settings
from app.core.privacy.consent import ConsentRequest


class ScriptedModels:
    """Records what the session asks for; every call is a new request id."""

    def __init__(self):
        self.calls: list[tuple] = []
        self.stopped = 0

    def _record(self, *call) -> int:
        self.calls.append(call)
        return len(self.calls)

    def send(self, conversation_id, text, model="", collections=None, thinking_level=None):
        return self._record("send", conversation_id, text, model, collections, thinking_level)

    def edit(self, conversation_id, message_id, text):
        return self._record("edit", conversation_id, message_id, text)

    def regenerate(self, conversation_id):
        return self._record("regenerate", conversation_id)

    def plan_cloud(self, conversation_id, text, provider, collections):
        return self._record("plan_cloud", conversation_id, text, provider, collections)

    def send_cloud(self, plan, choice):
        return self._record("send_cloud", plan, choice)

    def preload(self, conversation_id):
        return self._record("preload", conversation_id)

    def stop(self):
        self.stopped += 1


class Recorder:
    """Every event the session emits, in order, as (name, args)."""

    def __init__(self, session: ChatSession):
        self.seen: list[tuple] = []
        for name, value in vars(session).items():
            if isinstance(value, Event):
                value.connect(lambda *args, name=name: self.seen.append((name, args)))

    def names(self) -> list[str]:
        return [name for name, _ in self.seen]

    def last(self, name: str):
        return next(args for n, args in reversed(self.seen) if n == name)


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "chats.db")
    yield s
    s.close()


@pytest.fixture
def parts(store, tmp_path):
    models = ScriptedModels()
    settings = Settings(default_model="tiny")
    session = ChatSession(store, ProviderRegistry(tmp_path / "providers.json"), settings, models)
    return session, models, Recorder(session)


def _stats() -> GenerationStats:
    return GenerationStats(prompt_tokens=3, completion_tokens=2, ttft_s=0.1, total_s=0.2)


def _answer(store, conversation_id: int, user_id: int | None, request: int, session) -> int:
    """What the model thread reports for one whole turn; returns the answer's id."""
    answer = store.add_message(conversation_id, "assistant", "").id
    session.on_turn_started(TurnStart(conversation_id, user_id, answer, "tiny", "local"))
    store.update_text(answer, "Hi!")
    session.on_turn_finished(
        TurnResult(conversation_id, user_id, answer, "Hi!", "tiny", "local", _stats())
    )
    session.on_request_done(request)
    return answer


def test_a_new_chat_is_shown_at_once_then_adopted_when_stored(parts, store):
    session, models, seen = parts
    session.set_collections(["Work"])
    assert session.send("Hello") and session.busy
    temp = seen.last("message_shown")[0]
    assert temp.id < 0 and temp.content == "Hello"
    # A new chat carries the default model and the collections chosen before it existed.
    assert models.calls == [("send", None, "Hello", "tiny", ["Work"], None)]
    assert seen.last("busy_changed") == (True,)

    conversation = store.create_conversation("Hello")
    user = store.add_message(conversation.id, "user", "Hello")
    session.on_message_saved(conversation.id, user.id)
    assert session.conversation_id == conversation.id
    assert seen.last("conversation_started") == (conversation.id,)
    assert seen.last("message_stored") == (temp.id, user.id)

    answer = _answer(store, conversation.id, user.id, 1, session)
    assert seen.last("answer_started")[0].answer_message_id == answer
    assert seen.last("answer_ended") == (answer,)
    assert "conversations_changed" in seen.names()
    assert not session.busy and seen.last("busy_changed") == (False,)
    assert session.idle()


def test_nothing_to_send_is_explained_and_nothing_is_requested(parts):
    session, models, seen = parts
    assert not session.send("   \n")
    assert models.calls == [] and not session.busy
    assert "nothing to send" in seen.last("notice")[0].text


def test_one_turn_at_a_time(parts):
    session, models, _ = parts
    session.send("first")
    assert not session.send("second") and not session.regenerate()
    assert len(models.calls) == 1
    assert session.stop() and models.stopped == 1


def test_editing_replaces_the_message_and_everything_after_it(parts, store):
    session, models, seen = parts
    conversation = store.create_conversation("c")
    user = store.add_message(conversation.id, "user", "Helo")
    store.add_message(conversation.id, "assistant", "Hm?")
    session.open(conversation.id)
    session.start_edit(user.id)
    assert seen.last("editing_changed")[0].content == "Helo" and session.editing == user.id
    session.send("Hello")
    assert models.calls[-1] == ("edit", conversation.id, user.id, "Hello")
    assert seen.last("messages_dropped") == (user.id,)
    assert seen.last("editing_changed") == (None,) and session.editing is None
    # The stored (edited) message takes the place of the one shown.
    temp = seen.last("message_shown")[0]
    answer = store.add_message(conversation.id, "assistant", "").id
    session.on_turn_started(TurnStart(conversation.id, user.id, answer, "tiny", "local"))
    assert seen.last("message_stored") == (temp.id, user.id)


def test_stop_while_editing_leaves_the_edit(parts, store):
    session, models, seen = parts
    conversation = store.create_conversation("c")
    user = store.add_message(conversation.id, "user", "Hi")
    session.open(conversation.id)
    session.start_edit(user.id)
    assert not session.stop() and models.stopped == 0
    assert session.editing is None and seen.last("editing_changed") == (None,)


def test_regenerate_drops_the_last_answer(parts, store):
    session, models, seen = parts
    conversation = store.create_conversation("c")
    user = store.add_message(conversation.id, "user", "Hi")
    store.add_message(conversation.id, "assistant", "Hello")
    session.open(conversation.id)
    assert session.regenerate()
    assert models.calls[-1] == ("regenerate", conversation.id)
    assert seen.last("messages_dropped") == (user.id + 1,)
    assert "message_shown" not in seen.names()  # nothing new to show before the answer


def test_a_message_never_stored_goes_back_to_the_input(parts):
    session, _, seen = parts
    session.send("my long careful message")
    session.on_turn_failed(None, "The disk is full.")
    assert seen.last("text_returned") == ("my long careful message",)
    assert seen.last("conversation_changed") == (None,)  # the shown message is taken away
    assert seen.last("notice") == (Notice("The disk is full.", error=True),)
    session.on_request_done(1)
    assert not session.busy


def test_a_failure_mid_answer_keeps_what_was_written(parts, store):
    session, _, seen = parts
    conversation = store.create_conversation("c")
    session.open(conversation.id)
    session.send("Hi")
    user = store.add_message(conversation.id, "user", "Hi")
    session.on_message_saved(conversation.id, user.id)
    answer = store.add_message(conversation.id, "assistant", "Half").id
    session.on_turn_started(TurnStart(conversation.id, user.id, answer, "tiny", "local"))
    session.on_turn_failed(conversation.id, "The model stopped.")
    assert seen.last("answer_ended") == (answer,)
    assert "text_returned" not in seen.names()


def _plan(conversation_id, text="Hi") -> CloudPlan:
    provider = Provider("Lab", "https://lab.example/v1", "org", default_model="m")
    request = ConsentRequest(provider, "m", [{"role": "user", "content": text}], redacted=True)
    return CloudPlan(request, conversation_id, text, None)


def test_a_provider_turn_asks_consent_first_then_offers_this_device_on_failure(parts, store):
    session, models, seen = parts
    conversation = store.create_conversation("c")
    session.open(conversation.id)
    assert session.plan_cloud("Hi", "Lab") and session.busy
    assert models.calls[-1] == ("plan_cloud", conversation.id, "Hi", "Lab", None)
    plan = _plan(conversation.id)
    session.on_cloud_planned(1, plan)
    assert seen.last("consent_needed") == (plan,) and not session.busy
    assert "message_shown" not in seen.names()  # nothing is shown as sent before consent

    session.send_cloud(plan, "once")
    assert models.calls[-1] == ("send_cloud", plan, "once")
    assert seen.last("message_shown")[0].content == "Hi"
    user = store.add_message(conversation.id, "user", "Hi")
    session.on_message_saved(conversation.id, user.id)
    session.on_turn_failed(conversation.id, "Lab answered 503.")
    notice = seen.last("notice")[0]
    assert notice.error and notice.next_step is NextStep.ANSWER_HERE
    assert "Your message is kept" in notice.text


def test_a_plan_for_a_conversation_left_meanwhile_is_dropped(parts, store):
    session, _, seen = parts
    first, second = store.create_conversation("a"), store.create_conversation("b")
    session.open(first.id)
    session.plan_cloud("Hi", "Lab")
    session.open(second.id)
    session.on_cloud_planned(1, _plan(first.id))
    assert "consent_needed" not in seen.names()
    assert "another conversation" in seen.last("notice")[0].text


def test_a_plan_that_fails_says_why(parts, store):
    session, _, seen = parts
    session.plan_cloud("Hi", "Lab")
    session.on_plan_failed(1, "Cloud providers are turned off.")
    assert not session.busy
    assert seen.last("notice") == (Notice("Cloud providers are turned off.", error=True),)


def test_no_message_to_answer_again(parts):
    session, models, seen = parts
    assert not session.plan_cloud(None, "Lab")
    assert models.calls == [] and "no message to answer again" in seen.last("notice")[0].text


def test_no_provider_yet_offers_the_providers_window(parts):
    session, _, seen = parts
    assert session.providers_to_ask() == []
    assert seen.last("notice")[0].next_step is NextStep.OPEN_PROVIDERS


def test_collections_of_a_new_chat_then_of_a_stored_one(parts, store):
    session, _, seen = parts
    session.toggle_collection("Work", True)
    assert session.collections() == ["Work"] and seen.last("collections_changed") == (["Work"],)
    conversation = store.create_conversation("c")
    session.open(conversation.id)
    assert session.collections() == []
    session.toggle_collection("Home", True)
    assert store.collections(conversation.id) == ["Home"]
    session.new()
    assert session.collections() == []  # a new chat starts without


def test_deleting_the_open_conversation_starts_a_new_chat(parts, store):
    session, _, seen = parts
    conversation = store.create_conversation("c")
    session.open(conversation.id)
    session.forget(conversation.id + 1)
    assert session.conversation_id == conversation.id
    session.forget(conversation.id)
    assert session.conversation_id is None and seen.last("conversation_changed") == (None,)


def test_a_broken_subscriber_does_not_stop_the_others(parts):
    session, _, _ = parts
    got = []
    session.busy_changed.connect(lambda busy: 1 / 0)
    session.busy_changed.connect(got.append)
    session.send("Hi")
    assert got == [True]


def test_loading_a_model_is_not_an_answer(parts):
    session, models, _ = parts
    session.preload()
    assert session.loading and not session.busy and not session.idle()
    session.on_request_done(1)
    assert session.idle()


# -- the thinking level ------------------------------------------------------------------------


@pytest.fixture
def reasoning(store, paths, tmp_path):
    """A session whose models folder holds a Qwen3-like model (on/off, the default model) and a
    gpt-oss-like one (effort levels)."""
    from thinking_models import write_reasoning_models

    write_reasoning_models(paths.models)
    models = ScriptedModels()
    providers = ProviderRegistry(tmp_path / "providers.json")
    settings = Settings(default_model="qwen3-tiny")
    session = ChatSession(store, providers, settings, models, paths=paths)
    return session, models, Recorder(session)


def test_a_new_chat_keeps_its_thinking_level_and_sends_it_with_the_first_message(reasoning, store):
    session, models, seen = reasoning
    choice = session.thinking_choice()
    assert (choice.style, choice.levels, choice.own, choice.default) == (
        "switch",
        ("on", "off"),
        None,
        None,
    )
    assert session.thinking_level() is None  # the model decides

    session.set_thinking("off")
    assert seen.last("thinking_changed")[0].own == "off" and session.thinking_level() == "off"
    assert store.count_conversations() == 0  # nothing stored before the first message
    session.send("Hi")
    assert models.calls[-1] == ("send", None, "Hi", "qwen3-tiny", [], "off")

    # Changed again while the model thread stored the conversation (with "off"): the new one wins.
    session.set_thinking("on")
    conversation = store.create_conversation("Hi")
    store.set_thinking(conversation.id, "off")
    session.on_message_saved(conversation.id, store.add_message(conversation.id, "user", "Hi").id)
    assert store.thinking(conversation.id) == "on"
    _answer(store, conversation.id, None, 1, session)

    session.new()  # a new chat starts at Auto again
    assert session.thinking_choice().own is None
    session.send("Again")
    assert models.calls[-1][-1] is None


def test_a_stored_conversation_keeps_its_level_in_the_models_words(reasoning, store):
    session, _, seen = reasoning
    conversation = store.create_conversation("c", model="oss-tiny")
    store.set_thinking(conversation.id, "on")
    session.open(conversation.id)
    choice = seen.last("thinking_changed")[0]  # opening says what the model offers
    assert (choice.style, choice.levels) == ("effort", ("low", "medium", "high"))
    assert choice.own == "medium"  # what gpt-oss is told for "on"

    session.set_thinking("high")
    assert store.thinking(conversation.id) == "high" and session.thinking_level() == "high"
    with pytest.raises(ValueError, match="thinking must be one of on, off, low"):
        session.set_thinking("max")
    assert store.thinking(conversation.id) == "high"
    session.set_thinking(None)
    assert store.thinking(conversation.id) is None


def test_the_models_own_default_applies_where_the_conversation_has_none(reasoning, store, paths):
    from app.core.models.service import ModelLibrary

    session, _, seen = reasoning
    ModelLibrary(paths, Settings()).set_model_defaults("qwen3-tiny", thinking="High")
    session.model_changed()
    choice = seen.last("thinking_changed")[0]
    assert (choice.own, choice.default, choice.level) == (None, "on", "on")
    session.set_thinking("off")
    assert session.thinking_level() == "off"  # the conversation's own wins


def test_no_switch_is_offered_for_a_model_without_one(reasoning, store, paths, tmp_path):
    session, _, seen = reasoning
    conversation = store.create_conversation("c", model="starter")
    store.set_thinking(conversation.id, "high")  # e.g. from `enclave ask --thinking high`
    session.open(conversation.id)
    assert seen.last("thinking_changed") == (None,)
    assert session.thinking_choice() is None and session.thinking_level() is None
    # Without the models' folder the session cannot know which switch a model has.
    blind = ChatSession(store, ProviderRegistry(tmp_path / "p.json"), Settings(), ScriptedModels())
    assert blind.thinking_choice() is None
