"""The Host header check (DNS rebinding) and the request parsing, as pure logic."""

from __future__ import annotations

import pytest

from app.core.server import chat
from app.core.server.errors import ApiError
from app.core.server.guard import HostCheck


@pytest.mark.parametrize(
    "header, allowed",
    [
        ("127.0.0.1:4811", True),
        ("localhost:4811", True),
        ("LOCALHOST:4811", True),
        ("[::1]:4811", True),
        ("127.0.0.1:4812", False),  # another port: another server
        ("127.0.0.1", False),  # browsers always send our (non-default) port
        ("evil.example:4811", False),  # a rebinding page's own name
        ("localhost.evil.example:4811", False),
        ("192.168.1.20:4811", False),  # another address than the bound one
        ("", False),
        (None, False),
    ],
)
def test_loopback_server_names(header, allowed):
    assert HostCheck("127.0.0.1", 4811).allows(header) is allowed


def test_a_server_on_every_address_takes_ip_literals_but_no_domain_names():
    check = HostCheck("0.0.0.0", 4811)
    assert check.allows("192.168.1.20:4811") and check.allows("localhost:4811")
    assert not check.allows("evil.example:4811") and not check.allows("192.168.1.20:80")


def _body(**extra):
    return {"model": "starter", "messages": [{"role": "user", "content": "hi"}], **extra}


@pytest.mark.parametrize(
    "body, param",
    [
        ([], None),
        (_body(messages=[]), "messages"),
        (_body(messages=[{"role": "tool", "content": "x"}]), "messages[0].role"),
        (_body(messages=[{"role": "user", "content": 3}]), "messages[0].content"),
        (
            _body(messages=[{"role": "user", "content": [{"type": "image_url"}]}]),
            "messages[0].content",
        ),
        (_body(temperature=3), "temperature"),
        (_body(temperature="hot"), "temperature"),
        (_body(max_tokens=0), "max_tokens"),
        (_body(max_tokens=1.5), "max_tokens"),
        (_body(stop=[1]), "stop"),
        (_body(stop=["a", "b", "c", "d", "e"]), "stop"),
        (_body(stream="yes"), "stream"),
        (_body(response_format={"type": "xml"}), "response_format.type"),
        (
            _body(response_format={"type": "json_schema", "json_schema": {}}),
            "response_format.json_schema.schema",
        ),
    ],
)
def test_bad_requests_name_what_is_wrong(body, param):
    with pytest.raises(ApiError) as err:
        chat.parse(body)
    assert err.value.status == 400 and err.value.param == param


def test_a_good_request():
    asked = chat.parse(
        _body(
            messages=[
                {"role": "developer", "content": "Be brief."},
                {"role": "user", "content": [{"type": "text", "text": "hi"}]},
            ],
            stop="\n",
            seed=7,
            max_completion_tokens=5,
            response_format={"type": "json_schema", "json_schema": {"schema": {"type": "object"}}},
        )
    )
    assert [(m.role, m.content) for m in asked.messages] == [
        ("system", "Be brief."),
        ("user", "hi"),
    ]
    assert asked.stop == ["\n"] and asked.seed == 7 and asked.max_tokens == 5
    assert asked.grammar is not None
