// OpenClaw Control UI (http.md §10): one same-origin WebSocket to the gateway (protocol.md
// §3–§7), plain DOM, no dependencies, no third-party requests. Text from the gateway is
// only ever inserted as text (textContent / text nodes), never parsed as HTML.
"use strict";

const BASE = document.querySelector('meta[name="openclaw-base"]').content;
// The UI talks only to the gateway that served it; the URL never comes from the query string.
const WS_URL = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + (BASE || "/");
const TOKEN_KEY = "openclaw.token.v1:" + WS_URL;
const DEVICE_AUTH_KEY = "openclaw.device.auth.v1";
const CLIENT = { id: "openclaw-control-ui", version: "0.1.0", platform: "web", mode: "ui" };
const ROLE = "operator";
const SCOPES = ["operator.admin", "operator.read", "operator.write", "operator.approvals", "operator.pairing"];
const VIEWS = ["overview", "sessions", "chat", "logs", "config", "settings"];
const NO_IDENTITY = "this browser cannot create a device identity (WebCrypto Ed25519 unavailable)";
const INSECURE = "control ui requires device identity (use HTTPS or localhost secure context)";
const SETTINGS = [
  { label: "OpenAI chat completions", path: "gateway.http.endpoints.chatCompletions.enabled", fallback: false },
  { label: "OpenAI responses", path: "gateway.http.endpoints.responses.enabled", fallback: false },
  { label: "Hooks endpoint", path: "hooks.enabled", fallback: false },
  { label: "Plugin openai-compat", path: "plugins.entries.openai-compat.enabled", fallback: true, plugin: "openai-compat" },
  { label: "Plugin admin-http-rpc", path: "plugins.entries.admin-http-rpc.enabled", fallback: false, plugin: "admin-http-rpc" },
  { label: "Plugin hooks", path: "plugins.entries.hooks.enabled", fallback: true, plugin: "hooks" },
  { label: "Plugin control-ui", path: "plugins.entries.control-ui.enabled", fallback: true, plugin: "control-ui" },
];

const $ = (id) => document.getElementById(id);

/** Builds an element; string children become text nodes. */
function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node[key] = value;
  }
  for (const child of children) node.append(child instanceof Node ? child : String(child ?? ""));
  return node;
}

function fill(parent, nodes) { parent.replaceChildren(...nodes); }
function facts(dl, pairs) { fill(dl, pairs.flatMap(([k, v]) => [el("dt", null, k), el("dd", null, v ?? "–")])); }
function show(node, visible) { node.hidden = !visible; }

function ago(ms) {
  if (typeof ms !== "number") return "–";
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  return s < 60 ? s + "s ago" : s < 3600 ? Math.floor(s / 60) + "m ago" : s < 86400 ? Math.floor(s / 3600) + "h ago" : Math.floor(s / 86400) + "d ago";
}

function duration(ms) {
  const s = Math.floor(ms / 1000), d = Math.floor(s / 86400), h = Math.floor(s / 3600) % 24, m = Math.floor(s / 60) % 60;
  return (d ? d + "d " : "") + (d || h ? h + "h " : "") + m + "m " + (s % 60) + "s";
}

function valueAt(object, path) {
  return path.split(".").reduce((node, key) => (node && typeof node === "object" ? node[key] : undefined), object);
}

function b64url(bytes) {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function hex(buffer) { return [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, "0")).join(""); }

// ---------------------------------------------------------------- device identity

/** The device key pair lives in IndexedDB; the private key is non-extractable. */
const Identity = {
  open() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open("openclaw-control-ui", 1);
      request.onupgradeneeded = () => request.result.createObjectStore("keys");
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  },
  transact(db, mode, action) {
    return new Promise((resolve, reject) => {
      const request = action(db.transaction("keys", mode).objectStore("keys"));
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  },
  async load() {
    if (!window.isSecureContext || !crypto.subtle) throw new Error(INSECURE);
    const db = await this.open();
    let device = await this.transact(db, "readonly", (store) => store.get("device"));
    if (!device) {
      let pair;
      try {
        pair = await crypto.subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"]);
      } catch {
        throw new Error(NO_IDENTITY);
      }
      const raw = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
      device = { id: hex(await crypto.subtle.digest("SHA-256", raw)), publicKey: b64url(raw), privateKey: pair.privateKey };
      await this.transact(db, "readwrite", (store) => store.put(device, "device"));
    }
    db.close();
    return device;
  },
  /** The v3 signature over the challenge nonce (protocol.md §6.5). */
  async sign(device, nonce, token) {
    const signedAt = Date.now();
    const payload = ["v3", device.id, CLIENT.id, CLIENT.mode, ROLE, SCOPES.join(","), signedAt, token, nonce, CLIENT.platform, ""].join("|");
    const signature = await crypto.subtle.sign({ name: "Ed25519" }, device.privateKey, new TextEncoder().encode(payload));
    return { id: device.id, publicKey: device.publicKey, signature: b64url(new Uint8Array(signature)), signedAt, nonce };
  },
};

// ---------------------------------------------------------------- connection

class RpcError extends Error {
  constructor(error) {
    super(error?.message || "request failed");
    this.code = error?.code;
    this.details = error?.details || {};
  }
}

/** One gateway connection with handshake, requests, seq tracking and reconnect backoff. */
class Connection {
  constructor(hooks) {
    this.hooks = hooks;
    this.pending = new Map();
    this.nextId = 0;
    this.wanted = false;
    this.backoffMs = 1000;
  }

  /** Loads the device identity first: without one the page does not connect at all. */
  async start(secret) {
    this.secret = secret;
    this.wanted = true;
    this.backoffMs = 1000;
    try {
      this.device = await Identity.load();
    } catch (error) {
      this.wanted = false;
      this.hooks.state("disconnected", error.message);
      return;
    }
    this.open();
  }

  stop() {
    this.wanted = false;
    clearTimeout(this.retryTimer);
    if (this.ws) this.ws.close(1000, "disconnect");
    this.hooks.state("disconnected");
  }

  open() {
    clearTimeout(this.retryTimer);
    this.failure = null;
    this.hello = null;
    this.lastSeq = null;
    this.hooks.state("connecting");
    const ws = new WebSocket(WS_URL);
    this.ws = ws;
    ws.onmessage = (event) => ws === this.ws && this.receive(JSON.parse(event.data));
    ws.onclose = (event) => ws === this.ws && this.closed(event);
  }

  receive(frame) {
    this.lastInbound = Date.now();
    if (frame.type === "res") {
      const waiter = this.pending.get(frame.id);
      this.pending.delete(frame.id);
      if (waiter) frame.ok ? waiter.resolve(frame.payload) : waiter.reject(new RpcError(frame.error));
    } else if (frame.event === "connect.challenge") {
      this.handshake(frame.payload.nonce);
    } else if (frame.type === "event") {
      if (typeof frame.seq === "number") {
        if (this.lastSeq !== null && frame.seq > this.lastSeq + 1) this.hooks.gap();
        this.lastSeq = frame.seq;
      }
      this.hooks.event(frame.event, frame.payload || {}, frame);
    }
  }

  async handshake(nonce) {
    const ws = this.ws;
    const device = this.device;
    try {
      const stored = JSON.parse(localStorage.getItem(DEVICE_AUTH_KEY) || "null");
      const auth = {};
      if (this.secret.kind === "password") auth.password = this.secret.value;
      else if (this.secret.value) auth.token = this.secret.value;
      else if (stored && stored.deviceId === device.id) auth.deviceToken = stored.token;
      const params = {
        minProtocol: 4, maxProtocol: 4, client: CLIENT, role: ROLE, scopes: SCOPES, caps: [], auth,
        locale: navigator.language, userAgent: navigator.userAgent,
        device: await Identity.sign(device, nonce, auth.token || ""),
      };
      const hello = await this.call("connect", params, ws);
      if (hello.auth?.deviceToken) {
        localStorage.setItem(DEVICE_AUTH_KEY, JSON.stringify({ deviceId: device.id, role: ROLE, token: hello.auth.deviceToken }));
      }
      this.hello = hello;
      this.backoffMs = 1000;
      this.hooks.state("connected");
      this.hooks.ready(hello);
    } catch (error) {
      this.failure = classify(error);
      if (this.failure.fatal) this.wanted = false;
      this.hooks.state(this.failure.state, this.failure.message);
      if (ws.readyState === WebSocket.OPEN) ws.close(1000);
    }
  }

  call(method, params, ws = this.ws) {
    if (!ws || ws.readyState !== WebSocket.OPEN) return Promise.reject(new Error("not connected"));
    const id = "ui-" + ++this.nextId;
    ws.send(JSON.stringify({ type: "req", id, method, params }));
    return new Promise((resolve, reject) => this.pending.set(id, { resolve, reject }));
  }

  request(method, params = {}) {
    return this.hello ? this.call(method, params) : Promise.reject(new Error("not connected"));
  }

  closed(event) {
    const reason = event.reason || (event.code === 1006 ? "connection lost" : "");
    for (const waiter of this.pending.values()) waiter.reject(new Error("connection closed"));
    this.pending.clear();
    this.hello = null;
    this.hooks.closed(event.code, reason);
    if (!this.wanted) return;
    if (!this.failure || this.failure.state !== "pairing required") this.hooks.state("disconnected");
    this.retryTimer = setTimeout(() => this.open(), this.backoffMs);
    this.hooks.retrying(this.backoffMs);
    this.backoffMs = Math.min(this.backoffMs * 2, 30000);
  }

  /** Closes a link that was silent for two tick intervals (protocol.md §9, code 4000). */
  watchdog() {
    const interval = this.hello?.policy?.tickIntervalMs;
    if (interval && Date.now() - this.lastInbound > 2 * interval) this.ws.close(4000, "tick timeout");
  }
}

/** Maps a failed connect to a UI state; fatal ones stop the reconnect loop. */
function classify(error) {
  const code = error.details?.code || "";
  if (code === "CONTROL_UI_ORIGIN_NOT_ALLOWED") return { state: "origin not allowed", message: error.message, fatal: true };
  if (code === "PAIRING_REQUIRED") {
    const id = error.details.requestId ? " (requestId: " + error.details.requestId + ")" : "";
    return { state: "pairing required", message: "Device not approved yet" + id + ". Approve it with: openclaw devices approve --latest" };
  }
  if (code.startsWith("AUTH_") || /^unauthorized/.test(error.message)) return { state: "unauthorized", message: error.message, fatal: true };
  const fatal = code.startsWith("DEVICE_") || code.startsWith("CONTROL_UI_");
  return { state: fatal ? "unauthorized" : "disconnected", message: error.message, fatal };
}

// ---------------------------------------------------------------- views

const state = { hello: null, helloAt: 0, health: null, presence: [], status: null, stateVersion: { presence: -1, health: -1 },
  config: null, plugins: null, chat: { sessionKey: "", runs: new Map() }, logs: { cursor: null, lines: [], timer: 0 } };

const gateway = new Connection({
  state: renderState,
  ready(hello) {
    state.hello = hello;
    state.helloAt = Date.now();
    state.health = hello.snapshot?.health || null;
    state.presence = hello.snapshot?.presence || [];
    state.stateVersion = hello.snapshot?.stateVersion || state.stateVersion;
    if (!$("chat-session").value) $("chat-session").value = hello.snapshot?.sessionDefaults?.mainSessionKey || "agent:main:main";
    notice("");
    banner("");
    gateway.request("status").then((status) => { state.status = status; renderOverview(); }, () => {});
    renderOverview();
    refreshView();
  },
  gap: refreshHealth,
  event: onEvent,
  closed(code, reason) {
    $("close-reason").textContent = "last close: " + code + (reason ? " " + reason : "");
    if (code === 1012 || code === 4000) banner("Gateway connection ended (" + (reason || code) + "); reconnecting…");
  },
  retrying(ms) { $("close-reason").textContent += " · retry in " + ms / 1000 + " s"; },
});

function renderState(name, message) {
  const node = $("state");
  node.textContent = name;
  node.dataset.state = name;
  const connected = name === "connected";
  $("connect-button").textContent = gateway.wanted ? "Disconnect" : "Connect";
  if (message) notice(name + ": " + message);
  else if (connected) notice("");
}

function notice(text) { $("notice").textContent = text; show($("notice"), !!text); }
function banner(text) { $("banner").textContent = text; show($("banner"), !!text); }

function onEvent(name, payload, frame) {
  if (name === "health" && newer("health", frame)) { state.health = payload; renderOverview(); }
  else if (name === "presence" && newer("presence", frame)) { state.presence = payload.presence || []; renderOverview(); }
  else if (name === "chat") onChat(payload);
  else if (name === "shutdown") banner("Gateway: " + (payload.reason || "stopping") + "; reconnecting when it is back…");
}

/** Drops snapshots that are not newer than the one shown (protocol.md §10.1). */
function newer(kind, frame) {
  const version = frame.stateVersion?.[kind];
  if (typeof version !== "number") return true;
  if (version <= state.stateVersion[kind]) return false;
  state.stateVersion[kind] = version;
  return true;
}

function refreshHealth() {
  gateway.request("health").then((health) => { state.health = health; renderOverview(); }, () => {});
  gateway.request("system-presence").then((list) => { state.presence = list; renderOverview(); }, () => {});
}

function renderOverview() {
  const hello = state.hello;
  const snapshot = hello?.snapshot || {};
  const uptime = hello ? duration((snapshot.uptimeMs || 0) + Date.now() - state.helloAt) : "–";
  facts($("gateway-facts"), [
    ["Version", hello?.server?.version], ["Uptime", uptime], ["Auth mode", snapshot.authMode],
    ["Default agent", snapshot.sessionDefaults?.defaultAgentId || state.health?.defaultAgentId],
    ["Listener", state.status?.gateway ? state.status.gateway.bind + ":" + state.status.gateway.port : undefined],
    ["Scopes", hello?.auth?.scopes?.join(", ")],
  ]);
  const health = state.health;
  const badge = $("health-badge");
  badge.textContent = health ? (health.ok ? "ok" : "degraded") : "unknown";
  badge.dataset.ok = health ? String(!!health.ok) : "";
  facts($("health-facts"), [
    ["Checked", health ? ago(health.ts) : undefined], ["Agents", health?.agents?.map((a) => a.name || a.id).join(", ")],
    ["Sessions", health?.sessions?.count], ["Heartbeat", health ? health.heartbeatSeconds + " s" : undefined],
  ]);
  fill($("presence-rows"), state.presence.map((p) => el("tr", null,
    el("td", null, p.host || p.deviceId?.slice(0, 12) || p.instanceId || "–"), el("td", null, p.mode), el("td", null, p.platform),
    el("td", null, p.version), el("td", null, p.reason), el("td", null, ago(p.ts)))));
}

async function loadSessions() {
  try {
    const result = await gateway.request("sessions.list", {});
    const rows = result.sessions || [];
    show($("sessions-empty"), rows.length === 0);
    fill($("session-rows"), rows.map((row) => el("tr", { class: "clickable", title: "Open chat history", onclick: () => openSession(row.key) },
      el("td", { class: "mono" }, row.key), el("td", null, row.key.split(":")[1] || "–"),
      el("td", null, ago(row.updatedAt)), el("td", null, row.model || "–"))));
  } catch (error) {
    notice("sessions: " + error.message);
  }
}

// ---------------------------------------------------------------- chat

function messageText(message) {
  if (!message) return "";
  if (typeof message === "string") return message;
  const content = message.content ?? message.text;
  if (typeof content === "string") return content;
  return Array.isArray(content) ? content.map((part) => (typeof part === "string" ? part : part.text || "")).join("") : "";
}

function addBubble(role, text) {
  const bubble = el("div", { class: "bubble " + role }, el("span", { class: "role" }, role), el("div", { class: "text" }, text));
  $("chat-log").append(bubble);
  scrollChat();
  return bubble;
}

function scrollChat() { $("chat-log").scrollTop = $("chat-log").scrollHeight; }

function openSession(key) {
  $("chat-session").value = key;
  navigate("chat");
}

async function loadHistory() {
  const sessionKey = $("chat-session").value.trim();
  if (!sessionKey || !gateway.hello) return;
  try {
    const history = await gateway.request("chat.history", { sessionKey, limit: 200 });
    state.chat.sessionKey = history.sessionKey || sessionKey;
    state.chat.runs.clear();
    fill($("chat-log"), []);
    for (const message of history.messages || []) addBubble(message.role || "assistant", messageText(message));
  } catch (error) {
    notice("chat history: " + error.message);
  }
}

async function sendChat(event) {
  event.preventDefault();
  const input = $("chat-input");
  const message = input.value.trim();
  const sessionKey = $("chat-session").value.trim();
  if (!message || !sessionKey) return;
  input.value = "";
  addBubble("user", message);
  try {
    const ack = await gateway.request("chat.send", { sessionKey, message, idempotencyKey: crypto.randomUUID() });
    runBubble(ack.runId);
    state.chat.current = ack.runId;
    $("chat-stop").disabled = false;
  } catch (error) {
    addBubble("error", error.message);
  }
}

/** The assistant bubble of a run, created by whichever comes first: the ack or an event. */
function runBubble(runId) {
  let run = state.chat.runs.get(runId);
  if (!run) {
    run = { bubble: addBubble("assistant", ""), text: "" };
    run.bubble.classList.add("streaming");
    state.chat.runs.set(runId, run);
  }
  return run;
}

function onChat(payload) {
  const mine = state.chat.runs.has(payload.runId);
  const key = (payload.sessionKey || "").toLowerCase();
  if (!mine && key !== (state.chat.sessionKey || $("chat-session").value.trim()).toLowerCase()) return;
  const run = runBubble(payload.runId);
  const body = run.bubble.querySelector(".text");
  if (payload.state === "delta") {
    run.text = payload.replace ? payload.deltaText || "" : run.text + (payload.deltaText || "");
  } else {
    run.text = messageText(payload.message) || run.text;
    if (payload.state === "error") run.text += (run.text ? "\n" : "") + "error: " + (payload.errorMessage || "run failed");
    if (payload.state === "aborted") run.text += " [stopped]";
    run.bubble.classList.remove("streaming");
    run.bubble.classList.add(payload.state);
    if (state.chat.current === payload.runId) $("chat-stop").disabled = true;
  }
  body.textContent = run.text;
  scrollChat();
}

function stopChat() {
  const sessionKey = $("chat-session").value.trim();
  gateway.request("chat.abort", { sessionKey, runId: state.chat.current }).catch((error) => notice("stop: " + error.message));
}

// ---------------------------------------------------------------- logs

function formatLog(line) {
  try {
    const { time, level, subsystem, msg, pid, hostname, ...rest } = JSON.parse(line);
    const extra = Object.entries(rest).map(([k, v]) => k + "=" + (typeof v === "string" ? v : JSON.stringify(v))).join(" ");
    return [String(time || "").slice(11, 19), (level || "").padEnd(5), subsystem, msg, extra].filter(Boolean).join(" ");
  } catch {
    return line;
  }
}

/** One poll loop at a time: a call while a request is in flight leaves the rescheduling to it. */
async function pollLogs() {
  const logs = state.logs;
  clearTimeout(logs.timer);
  if (logs.busy || currentView() !== "logs" || !gateway.hello) return;
  logs.busy = true;
  if (!document.hidden && !$("logs-pause").checked) {
    try {
      const params = logs.cursor === null ? { limit: 300 } : { cursor: logs.cursor, limit: 1000 };
      const result = await gateway.request("logs.tail", params);
      if (result.reset) logs.lines = [];
      logs.cursor = result.cursor;
      logs.lines = logs.lines.concat(result.lines.map(formatLog)).slice(-2000);
      $("logs-file").textContent = result.file || "";
      renderLogs();
    } catch (error) {
      notice("logs: " + error.message);
    }
  }
  logs.busy = false;
  logs.timer = setTimeout(pollLogs, 2000);
}

function renderLogs() {
  const filter = $("logs-filter").value.toLowerCase();
  const output = $("logs-output");
  output.textContent = state.logs.lines.filter((line) => !filter || line.toLowerCase().includes(filter)).join("\n");
  if ($("logs-follow").checked) output.scrollTop = output.scrollHeight;
}

// ---------------------------------------------------------------- config and settings

async function loadConfig() {
  try {
    state.config = await gateway.request("config.get", {});
  } catch (error) {
    notice("config: " + error.message);
    return;
  }
  const config = state.config;
  facts($("config-facts"), [["File", config.path], ["Exists", String(config.exists)], ["Valid", String(config.valid)], ["Hash", config.hash?.slice(0, 16)]]);
  fill($("config-issues"), (config.issues || []).map((issue) => el("li", null, issue.path + ": " + issue.message)));
  $("config-raw").textContent = config.raw ?? JSON.stringify(config.parsed, null, 2);
  renderSettings();
}

async function loadSettings() {
  await loadConfig();
  const admin = state.hello?.auth?.scopes?.includes("operator.admin");
  state.plugins = admin ? (await gateway.request("plugins.list").catch(() => null))?.plugins : null;
  renderSettings();
}

function renderSettings() {
  const admin = !!state.hello?.auth?.scopes?.includes("operator.admin");
  $("settings-hint").textContent = admin ? "Changes are written with config.patch and applied by the gateway." : "Read-only: changing settings needs operator.admin.";
  const effective = state.config?.config || {};
  fill($("settings-rows"), SETTINGS.map((setting) => {
    const value = valueAt(effective, setting.path);
    const enabled = typeof value === "boolean" ? value : setting.fallback;
    const plugin = setting.plugin && state.plugins?.find((p) => p.id === setting.plugin);
    const box = el("input", { type: "checkbox", checked: enabled, disabled: !admin || !state.config, onchange: () => toggle(setting, box) });
    return el("tr", null, el("td", null, setting.label), el("td", { class: "mono" }, setting.path),
      el("td", null, plugin ? plugin.state + (plugin.reason ? " (" + plugin.reason + ")" : "") : "–"), el("td", null, box));
  }));
}

async function toggle(setting, box) {
  if (setting.plugin === "control-ui" && !box.checked && !confirm("Turn off the Control UI? This page will stop working.")) {
    box.checked = true;
    return;
  }
  const patch = {};
  const keys = setting.path.split(".");
  keys.reduce((node, key, i) => (node[key] = i === keys.length - 1 ? box.checked : {}), patch);
  const params = { raw: JSON.stringify(patch), note: "control-ui: " + setting.path };
  if (state.config?.hash) params.baseHash = state.config.hash;
  try {
    const result = await gateway.request("config.patch", params);
    $("settings-result").textContent = setting.path + " = " + box.checked + ": " + (result.restart?.required ? "restart required" : "applied");
  } catch (error) {
    $("settings-result").textContent = setting.path + ": " + error.message;
  }
  await loadSettings();
}

// ---------------------------------------------------------------- navigation and wiring

function currentView() {
  const rest = location.pathname.slice(BASE.length).split("/")[1] || "overview";
  return VIEWS.includes(rest) ? rest : "overview";
}

function navigate(view) {
  if (view !== currentView()) history.pushState(null, "", BASE + "/" + view);
  refreshView();
}

function refreshView() {
  const view = currentView();
  for (const name of VIEWS) show($("view-" + name), name === view);
  for (const link of document.querySelectorAll("nav a")) link.classList.toggle("active", link.dataset.view === view);
  if (!gateway.hello) return;
  if (view === "overview") refreshHealth();
  else if (view === "sessions") loadSessions();
  else if (view === "chat") loadHistory();
  else if (view === "logs") pollLogs();
  else if (view === "config") loadConfig();
  else if (view === "settings") loadSettings();
}

/** A `#token=` fragment is read once, stored for this gateway and removed from the URL. */
function takeFragmentToken() {
  const match = /(?:^|&)token=([^&]*)/.exec(location.hash.slice(1));
  if (!match) return;
  history.replaceState(null, "", location.pathname);
  const token = decodeURIComponent(match[1]);
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
}

function connectClicked(event) {
  event.preventDefault();
  if (gateway.wanted) return gateway.stop();
  const kind = $("secret-kind").value;
  const value = $("secret").value.trim();
  // Tokens are kept per WebSocket URL for this tab only; passwords are never stored.
  if (kind === "token" && value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
  gateway.start({ kind, value });
}

function init() {
  takeFragmentToken();
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) $("secret").value = token;
  $("secret-kind").onchange = () => { $("secret").placeholder = "Gateway " + $("secret-kind").value; };
  $("connect-form").onsubmit = connectClicked;
  for (const link of document.querySelectorAll("a[data-view]")) {
    link.onclick = (event) => { event.preventDefault(); navigate(link.dataset.view); };
  }
  window.onpopstate = refreshView;
  $("sessions-refresh").onclick = loadSessions;
  $("config-refresh").onclick = loadConfig;
  $("chat-form").onsubmit = sendChat;
  $("chat-stop").onclick = stopChat;
  $("chat-session").onchange = loadHistory;
  $("chat-input").onkeydown = (event) => {
    if (event.key === "Enter" && !event.shiftKey) sendChat(event);
  };
  $("logs-filter").oninput = renderLogs;
  document.addEventListener("visibilitychange", () => currentView() === "logs" && pollLogs());
  setInterval(() => {
    if (gateway.hello) gateway.watchdog();
    if (gateway.hello && currentView() === "overview") renderOverview();
  }, 1000);
  refreshView();
  renderOverview();
  if (token) gateway.start({ kind: "token", value: token });
}

init();
