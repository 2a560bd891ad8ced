/*
 * openclaw_plugin.h -- the gateway plugin ABI, version 1.0.
 *
 * This header is the whole contract between the openclaw gateway (the "host") and a plugin
 * shared object. It is C11, needs only <stddef.h> and <stdint.h>, and is also valid C++.
 * Plugins may be written in any language that can export a C function: C, C++, Rust, Zig,
 * or Swift (see "Swift plugins" below).
 *
 * ---------------------------------------------------------------------------------------
 * Life of a plugin
 * ---------------------------------------------------------------------------------------
 *   1. The host reads openclaw.plugin.json next to the library. A disabled or invalid plugin
 *      is never mapped.
 *   2. The host copies the library to a private temp file, dlopen()s it (RTLD_NOW |
 *      RTLD_LOCAL), unlinks the copy, and calls openclaw_plugin_entry_v1(), which only fills
 *      an oc_plugin table.
 *   3. The host calls oc_plugin.init_instance() with the plugin's config. The plugin
 *      registers its routes, methods and event subscriptions through the oc_registrar and
 *      returns a context pointer (ctx). One image may host several instances over time: a
 *      config change re-runs init_instance on the same image, then shuts the old ctx down.
 *      Globals must therefore not assume a single instance.
 *   4. Requests arrive on host worker threads, concurrently, until the instance is retired.
 *   5. Retirement (reload, disable, config change, gateway stop): the host stops routing new
 *      calls to the instance, waits until every call and responder of that ctx finished, then
 *      calls oc_plugin.shutdown(ctx) once, from a host thread that is never a request thread.
 *      Plugin threads must be joined inside shutdown(): a C image is dlclose()d afterwards.
 *
 * ---------------------------------------------------------------------------------------
 * Conventions
 * ---------------------------------------------------------------------------------------
 *   Versions   abi_version = (major << 16) | minor. The entry symbol carries the major
 *              (openclaw_plugin_entry_v1). The host accepts major 1 with any minor.
 *   Sizes      Every struct crossing the boundary starts with struct_size (top-level tables
 *              also carry abi_version). Within a major, fields are only appended; a reader
 *              checks struct_size before touching a field added after 1.0 (an absent field
 *              reads as zero/NULL). Writers set struct_size = sizeof(their struct).
 *   Strings    oc_str: borrowed UTF-8, pointer + length, NOT NUL-terminated. ptr may be NULL
 *              when len is 0. The only NUL-terminated strings are oc_plugin.id, .version,
 *              .config_schema_json and oc_host_api.host_version, all static.
 *   JSON       crosses as UTF-8 text in an oc_str.
 *   Errors     functions return int32_t codes (OC_OK, OC_ERR_*); nothing unwinds across the
 *              boundary (no C++ exceptions, no Rust panics, no longjmp).
 *   Ownership  "borrowed" = valid only until the call returns (copy what you keep).
 *              Data the plugin hands the host (reply, stream_write, emit_event, call_method,
 *              log) is copied before the call returns. The exception is oc_http_response:
 *              its headers and body stay plugin-owned until the host calls release(resp),
 *              exactly once, after sending (or on failure).
 *   Threads    Every host function is thread-safe and may be called from any thread,
 *              including threads the plugin created. Plugin callbacks are called on host
 *              worker threads (never the network I/O thread), concurrently with each other,
 *              except where a field says "serial".
 *   Blocking   Route and method handlers should return within milliseconds; work that waits
 *              (upstream calls, agent runs) returns OC_DEFERRED and finishes later through
 *              the responder. A synchronous handler running over 5 s is logged and counted
 *              as a strike; three strikes in 60 s degrade the plugin (routes answer 503).
 *
 * ---------------------------------------------------------------------------------------
 * Swift plugins
 * ---------------------------------------------------------------------------------------
 *   A Swift plugin shares the host's Swift runtime and must be built by exactly the host's
 *   toolchain: the manifest states it ("runtime": "swift", "swiftToolchain": "6.3.1") and the
 *   host refuses a mismatch with "plugin <id>: built with Swift <a>, host runs <b>". A Swift
 *   image is never unmapped (the Swift runtime keeps pointers into every image it has seen),
 *   so a binary reload of a Swift plugin keeps the old image mapped (~30-70 KB each).
 *   C, C++, Rust and Zig plugins have no toolchain constraint and are unmapped on reload.
 */
#ifndef OPENCLAW_PLUGIN_H
#define OPENCLAW_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ===== Versions ======================================================================== */

#define OC_ABI_VERSION 0x00010000u                  /* (major << 16) | minor = 1.0 */
#define OPENCLAW_PLUGIN_ABI_VERSION OC_ABI_VERSION  /* long name for the same value */
#define OC_ABI_MAJOR(v) ((uint32_t)(v) >> 16)
#define OC_ABI_MINOR(v) ((uint32_t)(v) & 0xFFFFu)

/* Marks the entry point exported; build with -fvisibility=hidden so nothing else is. */
#define OC_EXPORT __attribute__((visibility("default")))

/* ===== Return codes (int32_t) ==========================================================
 * Plain macros, so Swift imports them as Int32 constants. */

#define OC_OK 0                  /* success */
#define OC_PASS 1                /* route handler declines: the host tries the next candidate
                                    route, then its fallback (404) */
#define OC_DEFERRED 2            /* the handler will finish later through its responder */
#define OC_ERR_INVALID (-1)      /* bad argument, malformed JSON, unknown or stale id */
#define OC_ERR_ABI (-2)          /* version or struct size not supported */
#define OC_ERR_CONFIG (-3)       /* the plugin rejects its configuration */
#define OC_ERR_CONFLICT (-4)     /* route or method already taken */
#define OC_ERR_FORBIDDEN (-5)    /* not declared in the manifest, or outside the plugin's rights */
#define OC_ERR_CLOSED (-6)       /* client gone, deadline passed, or responder already finished */
#define OC_ERR_LIMIT (-7)        /* a host limit was hit (queued stream bytes, concurrency) */
#define OC_ERR_INTERNAL (-8)     /* anything else */

/* ===== Enumerations (int32_t) ========================================================== */

/* oc_route.auth: who authenticates requests on the route. */
#define OC_AUTH_GATEWAY 0        /* host checks credential, origin, limiter, scopes first */
#define OC_AUTH_PLUGIN 1         /* handler checks its own secret; caller has no operator scopes */

/* oc_route.match: how the path is compared with the request's lower-case canonical path. */
#define OC_MATCH_EXACT 0         /* equal */
#define OC_MATCH_PREFIX 1        /* equal, or starts with path + "/" ("/" matches everything) */

/* oc_route.surface: which scopes a gateway-authenticated caller receives (http.md §3.2). */
#define OC_SURFACE_WRITE_DEFAULT 0
#define OC_SURFACE_TRUSTED_OPERATOR 1

/* oc_host_api.log levels. */
#define OC_LOG_DEBUG 0
#define OC_LOG_INFO 1
#define OC_LOG_WARN 2
#define OC_LOG_ERROR 3

/* oc_frame_cb kinds. */
#define OC_FRAME_EVENT 0         /* intermediate frame of a host call (zero or more) */
#define OC_FRAME_RESULT 1        /* final frame: success payload JSON */
#define OC_FRAME_ERROR 2         /* final frame: {"code","message","details"?} */

/* oc_route.methods bits. 0 = the handler checks the method itself. With bits set the host
 * answers other methods 405 + Allow before authentication. */
#define OC_M_GET 0x01u
#define OC_M_HEAD 0x02u
#define OC_M_POST 0x04u
#define OC_M_PUT 0x08u
#define OC_M_PATCH 0x10u
#define OC_M_DELETE 0x20u

/* oc_caller.flags bits. */
#define OC_CALLER_AUTHENTICATED 0x1u   /* passed gateway auth (always set on OC_AUTH_GATEWAY) */
#define OC_CALLER_SHARED_SECRET 0x2u   /* admitted by the gateway token or password */
#define OC_CALLER_OWNER 0x4u           /* the owner (shared-secret caller) */
#define OC_CALLER_LOCAL_DIRECT 0x8u    /* loopback peer, no forwarding headers, local Host */

/* ===== Basic types ===================================================================== */

/* Borrowed UTF-8 text: ptr + len, no NUL terminator. Owner and lifetime: see each field. */
typedef struct oc_str {
    const char *ptr;
    size_t len;
} oc_str;

/* One HTTP header. Names are lower-case when the host produces them; the host accepts any
 * case from plugins. */
typedef struct oc_header {
    oc_str name;
    oc_str value;
} oc_header;

/* Who is calling, as resolved by the host. Host-owned, read-only, valid as long as the
 * request or call it came with (see oc_http_request and oc_method_handler). */
typedef struct oc_caller {
    uint32_t struct_size;
    uint32_t flags;                    /* OC_CALLER_* bits */
    oc_str auth_mode;                  /* "token" | "password" | "trusted-proxy" | "none" |
                                          "device" | "plugin" */
    oc_str subject;                    /* stable caller id, e.g. "bearer:<sha256>",
                                          "trusted-proxy:<user>", "device:<id>"; may be "" */
    const oc_str *scopes;              /* granted operator scopes ("operator.read", ...) */
    size_t scope_count;                /* 0 on OC_AUTH_PLUGIN routes, whatever headers say */
    oc_str client_ip;                  /* resolved client address (trusted proxies applied) */
} oc_caller;

/* ===== HTTP ============================================================================= */

/* A fully received request. Host-owned; every pointer stays valid until the handler returns,
 * or, when it returns OC_DEFERRED, until its responder is finished. */
typedef struct oc_http_request {
    uint32_t struct_size;
    uint64_t request_id;               /* capability naming this in-flight request: pass it to
                                          call_method to act as this caller; stale once finished */
    oc_str method;                     /* upper-case, e.g. "POST" */
    oc_str path;                       /* canonical path (decoded, dot-segments resolved), case kept */
    oc_str route_path;                 /* the registered path that matched */
    oc_str subpath;                    /* prefix routes: remainder after route_path, starting
                                          with "/" (or ""); exact routes: "" */
    oc_str query;                      /* raw query, undecoded, without '?'; "" if none */
    const oc_header *headers;          /* in arrival order, names lower-case */
    size_t header_count;
    oc_str body;                       /* fully buffered; never longer than the route limit */
    const oc_caller *caller;           /* never NULL */
} oc_http_request;

/* A complete response. The plugin fills it (in *out, or for oc_host_api.respond) and owns
 * the memory behind headers and body until the host calls release(self), exactly once, on
 * any thread, after the bytes were copied or sent or the response was dropped (client gone,
 * deadline passed). The host adds Content-Length and its standard security headers. */
typedef struct oc_http_response {
    uint32_t struct_size;              /* sizeof(oc_http_response) */
    uint16_t status;                   /* 100..599; anything else becomes 500 */
    const oc_header *headers;          /* plugin-owned until release() */
    size_t header_count;
    oc_str body;                       /* plugin-owned until release() */
    void *release_ctx;                 /* free for the plugin's use in release() */
    void (*release)(struct oc_http_response *self);   /* may be NULL (static data) */
} oc_http_response;

/* Host-owned handle through which one request or method call is finished. Opaque. It is
 * finished exactly once: by respond (HTTP), reply (method) or stream_end. Calls on a finished
 * or unknown responder are harmless and return OC_ERR_CLOSED. Any thread; never two calls on
 * the same responder at the same time. */
typedef struct oc_responder oc_responder;

/* Route handler. Called on a host worker thread, concurrently with other calls; borrowed
 * req (see oc_http_request). Return:
 *   OC_OK        *out is filled (out is host memory, zeroed, struct_size preset); the host
 *                sends it and calls out->release once.
 *   OC_PASS      not claimed; the next candidate route gets the request.
 *   OC_DEFERRED  the plugin finishes `responder` later (respond, or stream_begin/write/end),
 *                from any thread. It MUST finish it even after cancellation.
 *   < 0          the host answers 500 "Internal Server Error" and logs the code.
 * Should not block; see "Blocking" above. */
typedef int32_t (*oc_http_handler)(void *ctx, const oc_http_request *req,
                                   oc_responder *responder, oc_http_response *out);

/* WS RPC method handler. Called on a host worker thread after the host checked role and
 * scope; caller and params_json are borrowed until the responder is finished. Finish with
 * reply(responder, ok, json), now or later, from any thread. The return value only reports
 * failure to start: < 0 makes the host reply UNAVAILABLE itself (then do not reply);
 * OC_OK and OC_DEFERRED both mean "I (will) reply". */
typedef int32_t (*oc_method_handler)(void *ctx, const oc_caller *caller, uint64_t request_id,
                                     oc_str params_json, oc_responder *responder);

/* Event subscription callback: a notification, nothing to answer. Serial per plugin, on a
 * host queue; name and payload_json are borrowed for the call. Payload shape:
 * {"type","action","sessionKey"?,"timestamp","context"}. */
typedef void (*oc_event_handler)(void *ctx, oc_str name, oc_str payload_json);

/* Receives the frames of a host call (config_get, call_method). Serial for one call: zero or
 * more OC_FRAME_EVENT, then exactly one OC_FRAME_RESULT or OC_FRAME_ERROR, after which `user`
 * is never used again. json is borrowed for the call. May run on any host thread, possibly
 * before the initiating function returned. Must not block for long. */
typedef void (*oc_frame_cb)(void *user, int32_t kind, oc_str json);

/* ===== Registration (during init_instance only) ======================================= */

/* One HTTP route. Read during add_route only (the host copies it). Every route must be
 * declared in the manifest ("routes"), else OC_ERR_FORBIDDEN. Host rules (http.md §2.4):
 * routes under /v1, /api, /tools need OC_AUTH_GATEWAY; /health, /healthz, /ready, /readyz and
 * /tools/invoke are not registrable; one (path, match) once; no plugin-auth route under a
 * gateway-auth prefix route. */
typedef struct oc_route {
    uint32_t struct_size;              /* sizeof(oc_route) */
    oc_str path;                       /* canonical absolute path, e.g. "/api/echo" */
    int32_t match;                     /* OC_MATCH_* */
    int32_t auth;                      /* OC_AUTH_* */
    int32_t surface;                   /* OC_SURFACE_*; ignored for OC_AUTH_PLUGIN */
    uint32_t methods;                  /* OC_M_* bits; 0 = handler checks */
    oc_str required_scope;             /* scope beyond authentication; "" = none */
    uint64_t max_body_bytes;           /* 0 = host default (1 MiB); larger bodies get 413 */
    uint32_t timeout_ms;               /* reply deadline; 0 = plugin default (requestTimeoutMs) */
    oc_http_handler handle;            /* required */
} oc_route;

/* One WS RPC method, sharing the host's single method registry. Read during add_method only.
 * The name must be "<pluginId>.<verb>" and declared in the manifest ("methods"); the scope
 * is "operator.read", "operator.write" or "operator.admin". A plugin exposing channels
 * (manifest "channels") registers "<pluginId>.channelStatus" (operator.read): params
 * {"probe","timeoutMs"}, result {"accounts":[{"channel","accountId","enabled","configured",
 * "running"?,"connected"?,"linked"?,"statusIssues"?}]}. */
typedef struct oc_method {
    uint32_t struct_size;              /* sizeof(oc_method) */
    oc_str name;
    oc_str scope;
    oc_method_handler handle;          /* required */
} oc_method;

/* Passed to init_instance; valid only during that call, on that thread. Any refused
 * registration (non-OC_OK return) fails the whole init: the plugin should return that code,
 * and nothing it registered takes effect. */
typedef struct oc_registrar {
    uint32_t abi_version, struct_size;
    void *reg_ctx;                     /* host-owned; pass back unchanged */
    int32_t (*add_route)(void *reg_ctx, const oc_route *route);
    int32_t (*add_method)(void *reg_ctx, const oc_method *method);
    /* event_pattern: an exact host event name ("gateway:startup", "command:new", ...) or
     * "<prefix>:*"; must be listed in the manifest events.subscribe. */
    int32_t (*subscribe)(void *reg_ctx, oc_str event_pattern, oc_event_handler handler);
} oc_registrar;

/* ===== Host services ==================================================================== */

/* The host's function table. Host-owned, immutable, valid from the entry call until the
 * image is released (after the last shutdown). All functions are thread-safe; none blocks
 * on network I/O. host_ctx identifies the plugin to the host: always pass the one from this
 * table. */
typedef struct oc_host_api {
    uint32_t abi_version, struct_size;
    void *host_ctx;

    /* Writes one line to the gateway log as subsystem "plugins", field plugin=<id>.
     * message is copied. Never log secrets. */
    void (*log)(void *host_ctx, int32_t level, oc_str message);

    /* Reads the value at a dotted config path from the active runtime snapshot (SecretRefs
     * resolved) and delivers it as one OC_FRAME_RESULT (JSON "null" when absent) before
     * returning. Allowed paths: under "plugins.entries.<id>.config" and the manifest's
     * configPaths; anything else returns OC_ERR_FORBIDDEN and calls nothing. */
    int32_t (*config_get)(void *host_ctx, oc_str dotted_path, oc_frame_cb sink, void *user);

    /* Broadcasts event "plugin.<id>.<name>" with payload_json to clients holding `scope`
     * ("operator.write" or "operator.admin"). name and scope must be declared in the
     * manifest events.emit, else OC_ERR_FORBIDDEN. Copies; does not wait for delivery. */
    int32_t (*emit_event)(void *host_ctx, oc_str name, oc_str payload_json, oc_str scope);

    /* Dispatches a host RPC method as the caller behind request_id (normal scope checks).
     * request_id 0, or one from an OC_AUTH_PLUGIN route, means the plugin itself: only
     * methods granted to it (manifest "grants", approved in plugins.entries.<id>.grants).
     * Returns OC_OK and sets *call_id_out (may be NULL); frames then arrive on on_frame as
     * described at oc_frame_cb. A stale request_id returns OC_ERR_INVALID and calls nothing.
     * params_json is copied. */
    int32_t (*call_method)(void *host_ctx, uint64_t request_id, oc_str method, oc_str params_json,
                           oc_frame_cb on_frame, void *user, uint64_t *call_id_out);

    /* Aborts a call started by call_method. The final OC_FRAME_ERROR still arrives (unless the
     * call already finished). Unknown ids are ignored. */
    void (*cancel_call)(void *host_ctx, uint64_t call_id);

    /* Finishes an HTTP responder with one complete response (same ownership as OC_OK: the
     * host calls resp->release once, also when it returns an error). resp is read during the
     * call; the struct itself may live on the caller's stack. OC_ERR_CLOSED if the responder
     * is finished or the client went away (the response is released, not sent). */
    int32_t (*respond)(oc_responder *r, oc_http_response *resp);

    /* Finishes a method responder: ok != 0 -> json is the result payload; ok == 0 -> json is
     * {"code","message","details"?} with a code from protocol.md §8.1. json is copied and
     * must be valid JSON (else the host replies UNAVAILABLE and returns OC_ERR_INVALID). */
    int32_t (*reply)(oc_responder *r, int32_t ok, oc_str json);

    /* Starts a streamed HTTP response: sends status and headers now; the host applies
     * chunked encoding. Headers are copied. For SSE send "content-type: text/event-stream". */
    int32_t (*stream_begin)(oc_responder *r, uint16_t status, const oc_header *headers, size_t n);

    /* Queues one chunk (copied) of a begun stream; the plugin formats "event:"/"data:" lines.
     * OC_ERR_CLOSED once cancelled. Over 8 MiB queued for one client drops the connection. */
    int32_t (*stream_write)(oc_responder *r, oc_str chunk);

    /* Finishes a begun stream (flushes, writes the terminating chunk). Always call it, also
     * after cancellation, so the host can release the request. */
    void (*stream_end)(oc_responder *r);

    /* 1 once the client disconnected or the deadline passed (oc_plugin.on_cancel was or will
     * be called), else 0. */
    int32_t (*is_cancelled)(const oc_responder *r);

    /* Host allocator, for response memory a plugin wants the host to free with mem_free in
     * its release(). Any thread. mem_alloc returns NULL on failure. */
    void *(*mem_alloc)(void *host_ctx, size_t size);
    void (*mem_free)(void *host_ctx, void *ptr, size_t size);

    /* NUL-terminated, static: the gateway version (as hello-ok.server.version). */
    const char *host_version;
} oc_host_api;

/* ===== The plugin's table =============================================================== */

/* Filled by the entry point; the host copies it. Function pointers stay valid as long as the
 * image is mapped (the host guarantees that while any instance exists). */
typedef struct oc_plugin {
    uint32_t abi_version, struct_size; /* OC_ABI_VERSION, sizeof(oc_plugin) */
    const char *id;                    /* NUL-terminated, static; must equal the manifest id */
    const char *version;               /* NUL-terminated, static */
    const char *config_schema_json;    /* NUL-terminated JSON Schema, or NULL; informational
                                          (the manifest configSchema is what the host checks) */

    /* Creates an instance. config_json (borrowed for the call) is
     * {"config":<plugins.entries.<id>.config>,"sections":{"<path>":<value>,...}}, already
     * validated against the manifest schema. Registers through reg (valid only during the
     * call) and returns OC_OK with *ctx_out set (may be NULL). On failure it frees what it
     * allocated and returns < 0; shutdown is then not called. Host thread, serial per plugin;
     * may block briefly (reading files), not on the network. */
    int32_t (*init_instance)(const oc_host_api *host, oc_str config_json,
                             const oc_registrar *reg, void **ctx_out);

    /* Destroys an instance after its last call and responder finished. Called once per
     * successful init_instance, on a host thread that is never a request thread. Must join
     * the threads this instance started. Required. */
    void (*shutdown)(void *ctx);

    /* Optional (may be NULL). Called at most once per request when a deferred HTTP request or
     * method call is cancelled (client gone, deadline, drain timeout). Any host thread. The
     * plugin must still finish the responder. */
    void (*on_cancel)(void *ctx, uint64_t request_id);
} oc_plugin;

/* The only exported symbol. The host zero-fills *out and passes its sizeof(oc_plugin); the
 * plugin writes min(out_size, its sizeof) bytes and returns OC_OK (or OC_ERR_ABI when
 * host->abi_version's major is not one it supports). It only fills the table: no threads,
 * no registration, no host calls other than log. Called once per loaded image, on a host
 * thread. host stays valid until the image is released. */
OC_EXPORT int32_t openclaw_plugin_entry_v1(const oc_host_api *host, oc_plugin *out, size_t out_size);

#ifdef __cplusplus
}
#endif

#endif /* OPENCLAW_PLUGIN_H */
