"""OpenAI-compatible endpoints (http.md §4) through the official `openai` SDK, pointed at the
real gateway with the gateway token as api_key and the built-in `echo` provider (§5.4) behind
the `openai-compat` plugin (libOpenAICompat.so): models, chat completions (non-stream and
stream), responses (non-stream and the event stream), embeddings (float and base64), client
tool calls, agent selection and upstream failure mapping. Raw HTTP behaviour (flags, hot
reload, methods, scopes, limits, validation texts, disconnects) is in test_openai_http.py."""
from __future__ import annotations

import base64
import hashlib
import json
import re
import struct

import httpx
import openai
import pytest
from openai import OpenAI

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
AGENTS = {
    "defaults": {"model": "echo/echo", "memorySearch": {"provider": "echo"}},
    "entries": {"main": {"default": True}, "tests": {"systemPrompt": "You are the test agent."}},
}
WEATHER_TOOL = {"type": "function", "function": {"name": "get_weather", "description": "Weather by city",
                                                 "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}


def compat_config(oc, chat: bool = True, responses: bool = True, agents=None, auth=None) -> dict:
    """Local config with the echo provider and the compat endpoints switched as asked."""
    cfg = oc.base_config(token=None) if auth else oc.base_config()
    if auth:
        cfg["gateway"]["auth"] = auth
    cfg["gateway"]["http"] = {"endpoints": {"chatCompletions": {"enabled": chat}, "responses": {"enabled": responses}}}
    cfg["models"] = {"providers": {"echo": {"api": "echo"}}}
    cfg["agents"] = AGENTS if agents is None else agents
    return cfg


def start_compat(start_gateway, oc_env, **kw):
    oc_env.write_config(compat_config(oc_env, **kw))
    gw = start_gateway()
    assert gw.wait_ready()
    return gw


def sdk(gw, **kw) -> OpenAI:
    return OpenAI(base_url=f"{gw.url}/v1", api_key=gw.token or "unused", max_retries=0, timeout=15,
                  http_client=httpx.Client(trust_env=False), **kw)


def echo_vector(text: str, dims: int = 8) -> list[float]:
    """The echo provider's embedding (§5.4), as float32 values."""
    out = []
    for i in range(dims):
        digest = hashlib.sha256(text.encode() + struct.pack(">I", i // 32)).digest()
        out.append(struct.unpack("<f", struct.pack("<f", digest[i % 32] / 127.5 - 1))[0])
    return out


def sse_lines(gw, path: str, body: dict, headers: dict | None = None) -> tuple[httpx.Response, list[str]]:
    """POST and read the SSE body as its non-empty lines."""
    with gw.client(timeout=15) as c:
        with c.stream("POST", path, json=body, headers={**gw.auth_headers(), **(headers or {})}) as r:
            lines = [ln for ln in r.iter_lines() if ln]
    return r, lines


@pytest.fixture
def compat(start_gateway, oc_env):
    return start_compat(start_gateway, oc_env)


# --------------------------------------------------------------------------- models

def test_models_list_and_retrieve(compat):
    client = sdk(compat)
    ids = [m.id for m in client.models.list()]
    assert ids == ["openclaw", "openclaw/default", "openclaw/main", "openclaw/tests"]
    model = client.models.retrieve("openclaw/main")
    assert (model.id, model.object, model.owned_by, model.created) == ("openclaw/main", "model", "openclaw", 0)
    assert client.models.retrieve("openclaw/default").id == "openclaw/default"
    with pytest.raises(openai.NotFoundError) as e:
        client.models.retrieve("openclaw/nobody")
    assert e.value.body == {"message": "Model 'openclaw/nobody' not found.", "type": "invalid_request_error"}
    with pytest.raises(openai.BadRequestError) as e:
        client.models.retrieve("gpt-4o")
    assert e.value.body["message"] == "Invalid model id."
    # Exact shape, encoded slash, headers.
    with compat.client() as c:
        r = c.get("/v1/models/openclaw%2Fdefault", headers=compat.auth_headers())
        assert r.status_code == 200
        assert r.json() == {"id": "openclaw/default", "object": "model", "created": 0, "owned_by": "openclaw", "permission": []}
        assert r.headers["content-type"] == "application/json; charset=utf-8"
        assert r.headers["cache-control"] == "no-store"


def test_models_without_agents_list_main(start_gateway, oc_env):
    gw = start_compat(start_gateway, oc_env, agents={"defaults": {"model": "echo/echo"}})
    assert [m.id for m in sdk(gw).models.list()] == ["openclaw", "openclaw/default", "openclaw/main"]


# --------------------------------------------------------------------------- chat completions

def test_chat_completion_non_stream(compat):
    with compat.client(timeout=15) as c:
        r = c.post("/v1/chat/completions", headers=compat.auth_headers(),
                   json={"model": "openclaw/default", "messages": [{"role": "user", "content": "hello world"}]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert list(body) == ["id", "object", "created", "model", "choices", "usage"]
    assert re.fullmatch(f"chatcmpl_{UUID}", body["id"]), body["id"]
    assert body["object"] == "chat.completion" and body["model"] == "openclaw/default"
    assert isinstance(body["created"], int)
    assert body["choices"] == [{"index": 0, "message": {"role": "assistant", "content": "echo: hello world"}, "finish_reason": "stop"}]
    usage = body["usage"]
    assert usage["completion_tokens"] == 3 and usage["prompt_tokens"] >= 2
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]

    completion = sdk(compat).chat.completions.create(model="openclaw", messages=[{"role": "user", "content": "hi there"}])
    assert completion.choices[0].message.content == "echo: hi there"
    assert completion.id.startswith("chatcmpl_") and completion.model == "openclaw"


def test_chat_completion_stream(compat):
    stream = sdk(compat).chat.completions.create(
        model="openclaw", messages=[{"role": "user", "content": "one two three"}], stream=True,
        stream_options={"include_usage": True})
    chunks = list(stream)
    assert len({c.id for c in chunks}) == 1 and chunks[0].id.startswith("chatcmpl_")
    assert len({c.created for c in chunks}) == 1 and {c.model for c in chunks} == {"openclaw"}
    assert chunks[0].choices[0].delta.role == "assistant" and chunks[0].choices[0].finish_reason is None
    deltas = [c.choices[0].delta.content for c in chunks[1:-2]]
    assert deltas == ["echo: ", "one ", "two ", "three"]
    finish = chunks[-2].choices[0]
    assert finish.finish_reason == "stop" and finish.delta.content is None and finish.delta.role is None
    assert chunks[-1].choices == [] and chunks[-1].usage.completion_tokens == 4

    # A long burst (one delta per word, written faster than the loop sends them, so the host
    # joins them into fewer chunks on the wire): every delta arrives once, in order.
    words = [f"w{n}" for n in range(1500)]
    chunks = list(sdk(compat).chat.completions.create(
        model="openclaw", messages=[{"role": "user", "content": " ".join(words)}], stream=True))
    deltas = [c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content]
    assert deltas == ["echo: "] + [w + " " for w in words[:-1]] + [words[-1]]

    # On the wire: data-only frames, the right head, [DONE] last, no usage chunk unless asked.
    r, lines = sse_lines(compat, "/v1/chat/completions",
                         {"model": "openclaw", "stream": True, "messages": [{"role": "user", "content": "hi"}]})
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert r.headers["cache-control"] == "no-cache"
    assert all(ln.startswith("data: ") for ln in lines) and lines[-1] == "data: [DONE]"
    frames = [json.loads(ln[6:]) for ln in lines[:-1]]
    assert frames[0]["choices"] == [{"index": 0, "delta": {"role": "assistant"}, "finish_reason": None}]
    assert frames[-1]["choices"] == [{"index": 0, "delta": {}, "finish_reason": "stop"}]
    assert all("usage" not in f for f in frames)


def test_chat_history_and_system_prompt(compat):
    """Earlier turns become a history block; system text goes to the agent, not the message."""
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "first"},
                {"role": "assistant", "content": "echo: first"}, {"role": "user", "content": [{"type": "text", "text": "second"}]}]
    reply = sdk(compat).chat.completions.create(model="openclaw", messages=messages).choices[0].message.content
    assert reply == "echo: [Conversation so far]\nUser: first\nAssistant: echo: first\n[Current message]\nsecond"


def test_chat_client_tool_calls(compat):
    client = sdk(compat)
    messages = [{"role": "user", "content": '/tool get_weather {"city":"Paris"}'}]
    completion = client.chat.completions.create(model="openclaw", messages=messages, tools=[WEATHER_TOOL])
    choice = completion.choices[0]
    assert choice.finish_reason == "tool_calls" and choice.message.content == ""
    call = choice.message.tool_calls[0]
    assert (call.id, call.type, call.function.name, json.loads(call.function.arguments)) == \
        ("call_echo_1", "function", "get_weather", {"city": "Paris"})

    chunks = list(client.chat.completions.create(model="openclaw", messages=messages, tools=[WEATHER_TOOL], stream=True))
    calls = [c.choices[0].delta.tool_calls for c in chunks if c.choices and c.choices[0].delta.tool_calls]
    assert calls[0][0].id == "call_echo_1" and calls[0][0].function.name == "get_weather" and calls[0][0].function.arguments == ""
    assert "".join(tc[0].function.arguments for tc in calls[1:]) == '{"city":"Paris"}'
    assert chunks[-1].choices[0].finish_reason == "tool_calls"

    # A required tool the model does not call is a 502 (§4.4).
    with pytest.raises(openai.APIStatusError) as e:
        client.chat.completions.create(model="openclaw", messages=[{"role": "user", "content": "no tools"}],
                                       tools=[WEATHER_TOOL], tool_choice="required")
    assert e.value.status_code == 502 and e.value.body["message"] == "Model did not call the required tool."


def test_agent_selection(compat):
    """`x-openclaw-agent-id` beats `model`; the agent's system prompt shows in prompt usage."""
    client = sdk(compat)
    messages = [{"role": "user", "content": "count me"}]

    def prompt_tokens(**kw) -> int:
        return client.chat.completions.create(messages=messages, **kw).usage.prompt_tokens

    base = prompt_tokens(model="openclaw")
    assert prompt_tokens(model="openclaw/tests") == base + 5  # "You are the test agent."
    assert prompt_tokens(model="openclaw/main", extra_headers={"x-openclaw-agent-id": "tests"}) == base + 5
    assert prompt_tokens(model="agent:tests") == base + 5
    with pytest.raises(openai.BadRequestError) as e:
        client.chat.completions.create(model="openclaw", messages=messages, extra_headers={"x-openclaw-agent-id": "ghost"})
    assert e.value.body == {"message": "Unknown agent 'ghost'.", "type": "invalid_request_error"}
    with pytest.raises(openai.BadRequestError) as e:
        client.chat.completions.create(model="gpt-4o", messages=messages)
    assert e.value.body["message"] == "Invalid `model`. Use `openclaw` or `openclaw/<agentId>`."


def test_agent_selection_required(start_gateway, oc_env):
    gw = start_compat(start_gateway, oc_env, agents={"defaults": {"model": "echo/echo"}, "entries": {"a": {}, "b": {}}})
    client = sdk(gw)
    with pytest.raises(openai.BadRequestError) as e:
        client.chat.completions.create(model="openclaw", messages=[{"role": "user", "content": "x"}])
    assert e.value.body["code"] == "AGENT_SELECTION_REQUIRED"
    assert client.chat.completions.create(model="openclaw/b", messages=[{"role": "user", "content": "x"}]).choices[0].message.content == "echo: x"


def test_upstream_failures_mapped(compat):
    client = sdk(compat)
    cases = [("rate_limit", 429, "rate_limit_error", None), ("auth", 401, "authentication_error", None),
             ("server_error", 502, "api_error", "upstream provider error"),
             ("overloaded", 503, "api_error", "upstream provider overloaded")]
    for reason, status, type_, message in cases:
        with pytest.raises(openai.APIStatusError) as e:
            client.chat.completions.create(model="openclaw", messages=[{"role": "user", "content": f"/error {reason}"}])
        assert e.value.status_code == status, reason
        assert e.value.body["type"] == type_, e.value.body
        if message:
            assert e.value.body["message"] == message
    # Once the stream has begun, the failure is an error frame, then [DONE].
    r, lines = sse_lines(compat, "/v1/chat/completions",
                         {"model": "openclaw", "stream": True, "messages": [{"role": "user", "content": "/error server_error"}]})
    assert r.status_code == 200 and lines[-1] == "data: [DONE]"
    assert json.loads(lines[-2][6:]) == {"error": {"message": "upstream provider error", "type": "api_error"}}


def test_rewritten_output(compat):
    """`/rewrite` replaces streamed text: fine for a whole answer, an error frame in a stream."""
    messages = [{"role": "user", "content": "/rewrite draft"}]
    assert sdk(compat).chat.completions.create(model="openclaw", messages=messages).choices[0].message.content == "echo: draft"
    r, lines = sse_lines(compat, "/v1/chat/completions", {"model": "openclaw", "stream": True, "messages": messages})
    assert r.status_code == 200 and lines[-1] == "data: [DONE]"
    assert json.loads(lines[-2][6:])["error"]["message"] == \
        "Assistant output cannot be represented as an append-only response stream."


# --------------------------------------------------------------------------- responses

def test_responses_non_stream(compat):
    response = sdk(compat).responses.create(model="openclaw", input="hello there", instructions="Be kind.")
    assert re.fullmatch(f"resp_{UUID}", response.id) and response.object == "response"
    assert response.status == "completed" and response.model == "openclaw"
    assert response.output_text == "echo: hello there"
    item = response.output[0]
    assert item.type == "message" and item.role == "assistant" and item.id.startswith("msg_")
    assert item.to_dict()["phase"] == "final_answer" and item.status == "completed"
    assert response.usage.output_tokens == 3
    assert response.usage.total_tokens == response.usage.input_tokens + response.usage.output_tokens


def test_responses_stream(compat):
    events = list(sdk(compat).responses.create(model="openclaw", input="a b", stream=True))
    types = [e.type for e in events]
    assert types == ["response.created", "response.in_progress", "response.output_item.added", "response.content_part.added",
                     "response.output_text.delta", "response.output_text.delta", "response.output_text.delta",
                     "response.output_text.done", "response.content_part.done", "response.output_item.done", "response.completed"]
    assert [e.sequence_number for e in events] == list(range(len(events)))
    assert events[0].response.status == "in_progress" and events[0].response.output == []
    assert "".join(e.delta for e in events if e.type == "response.output_text.delta") == "echo: a b"
    assert events[7].text == "echo: a b"
    done = events[-1].response
    assert done.status == "completed" and done.output_text == "echo: a b" and done.id == events[0].response.id

    r, lines = sse_lines(compat, "/v1/responses", {"model": "openclaw", "input": "x", "stream": True})
    assert lines[0] == "event: response.created" and lines[-1] == "data: [DONE]"
    assert json.loads(lines[1][6:])["type"] == "response.created"


def test_responses_tools_and_failure(compat):
    client = sdk(compat)
    tool = {"type": "function", "name": "get_weather", "parameters": {"type": "object"}}
    response = client.responses.create(model="openclaw", input='/tool get_weather {"city":"Oslo"}', tools=[tool])
    calls = [o for o in response.output if o.type == "function_call"]
    assert len(calls) == 1 and calls[0].call_id == "call_echo_1" and calls[0].name == "get_weather"
    assert json.loads(calls[0].arguments) == {"city": "Oslo"}
    # The client answers the call; previous_response_id continues the same session.
    follow = client.responses.create(model="openclaw", previous_response_id=response.id, tools=[tool],
                                     input=[{"type": "function_call_output", "call_id": "call_echo_1", "output": "sunny"}])
    assert follow.output_text == "echo: Tool:call_echo_1: sunny"
    # A failed run is a `failed` resource under the mapped status.
    with pytest.raises(openai.APIStatusError) as e:
        client.responses.create(model="openclaw", input="/error server_error")
    assert e.value.status_code == 502
    body = e.value.response.json()
    assert body["status"] == "failed" and body["error"] == {"code": "api_error", "message": "upstream provider error"}
    events = list(client.responses.create(model="openclaw", input="/error server_error", stream=True))
    assert events[-1].type == "response.failed" and events[-1].response.error.message == "upstream provider error"


# --------------------------------------------------------------------------- embeddings

def test_embeddings(compat):
    client = sdk(compat)
    result = client.embeddings.create(model="openclaw", input=["alpha", "beta"], encoding_format="float")
    assert result.object == "list" and result.model == "openclaw"
    assert [d.index for d in result.data] == [0, 1]
    assert result.data[0].embedding == echo_vector("alpha") and result.data[1].embedding == echo_vector("beta")
    assert (result.usage.prompt_tokens, result.usage.total_tokens) == (0, 0)
    # The SDK's default asks for base64 and decodes it itself.
    assert client.embeddings.create(model="openclaw", input="alpha").data[0].embedding == echo_vector("alpha")
    raw = client.embeddings.create(model="openclaw/main", input="gamma", encoding_format="base64", dimensions=40)
    decoded = list(struct.unpack("<40f", base64.b64decode(raw.data[0].embedding)))
    assert decoded == echo_vector("gamma", 40)
    with pytest.raises(openai.BadRequestError) as e:
        client.embeddings.create(model="openclaw", input=["x"] * 129)
    assert e.value.body["message"] == "Too many inputs (max 128)."
    with pytest.raises(openai.BadRequestError) as e:
        client.embeddings.create(model="openclaw", input="y" * 8193)
    assert e.value.body["message"] == "Input too long (max 8192 chars)."
    with pytest.raises(openai.BadRequestError) as e:
        client.embeddings.create(model="text-embedding-3-small", input="z")
    assert e.value.body["message"] == "Invalid `model`. Use `openclaw` or `openclaw/<agentId>`."
