/* echo-c: a complete openclaw gateway plugin in plain C, built against the header alone.
 *
 *   POST /api/echo          (gateway auth)   answers 200 with the request body;
 *                                            with ?stream=1 answers the body as one SSE event
 *   echo-c.echo             (operator.read)  returns its params
 *   echo-c.channelStatus    (operator.read)  reports one demo channel account
 *
 * Build (exports only openclaw_plugin_entry_v1, needs only libc):
 *   cc -std=c11 -O2 -Wall -Wextra -shared -fPIC -fvisibility=hidden \
 *      -I Sources/PluginABI/include Examples/Plugins/echo-c/echo.c -o libecho_c.so
 *
 * ECHO_VERSION (default "1") is sent as the x-echo-version header, so tests can rebuild the
 * plugin with a different answer and watch a hot reload switch over. */
#include <openclaw_plugin.h>
#include <stdlib.h>
#include <string.h>

#ifndef ECHO_VERSION
#define ECHO_VERSION "1"
#endif

/* An oc_str for a string literal: as an initializer (LIT) and as an expression (STR). */
#define LIT(literal) { literal, sizeof(literal) - 1 }
#define STR(literal) ((oc_str)LIT(literal))

/* The host table: valid until the image is released, the same for every instance. */
static const oc_host_api *host;

/* One instance (several may exist over time; no global per-instance state). */
typedef struct echo_instance {
    char *config_json;          /* our copy of the init config, for the demo channel */
} echo_instance;

/* Response headers live in static storage: nothing to free for them. */
static const oc_header echo_headers[] = {
    { LIT("content-type"), LIT("application/octet-stream") },
    { LIT("x-echo-version"), LIT(ECHO_VERSION) },
};
static const oc_header sse_headers[] = {
    { LIT("content-type"), LIT("text/event-stream") },
    { LIT("x-echo-version"), LIT(ECHO_VERSION) },
};

/* Frees the body copy once the host is done with it (called exactly once, any thread). */
static void release_body(oc_http_response *resp) {
    host->mem_free(host->host_ctx, resp->release_ctx, resp->body.len);
}

static int32_t handle_echo(void *ctx, const oc_http_request *req, oc_responder *responder,
                           oc_http_response *out) {
    (void)ctx;
    if (req->query.len == 8 && memcmp(req->query.ptr, "stream=1", 8) == 0) {
        /* Streamed answer: may also be done later, from another thread. */
        host->stream_begin(responder, 200, sse_headers, 2);
        host->stream_write(responder, STR("event: echo\ndata: "));
        host->stream_write(responder, req->body);
        host->stream_write(responder, STR("\n\n"));
        host->stream_end(responder);
        return OC_DEFERRED;
    }
    /* The request body is borrowed until we return; the response must outlive that. */
    void *copy = NULL;
    if (req->body.len > 0) {
        copy = host->mem_alloc(host->host_ctx, req->body.len);
        if (copy == NULL) return OC_ERR_INTERNAL;
        memcpy(copy, req->body.ptr, req->body.len);
    }
    out->status = 200;
    out->headers = echo_headers;
    out->header_count = 2;
    out->body = (oc_str){ (const char *)copy, req->body.len };
    out->release_ctx = copy;
    out->release = copy ? release_body : NULL;
    return OC_OK;
}

static int32_t handle_echo_method(void *ctx, const oc_caller *caller, uint64_t request_id,
                                  oc_str params_json, oc_responder *responder) {
    (void)ctx; (void)caller; (void)request_id;
    return host->reply(responder, 1, params_json);
}

static int32_t handle_channel_status(void *ctx, const oc_caller *caller, uint64_t request_id,
                                     oc_str params_json, oc_responder *responder) {
    (void)ctx; (void)caller; (void)request_id; (void)params_json;
    return host->reply(responder, 1, STR("{\"accounts\":[{\"channel\":\"echo\",\"accountId\":\"default\","
                                         "\"enabled\":true,\"configured\":true,\"running\":true}]}"));
}

static int32_t init_instance(const oc_host_api *api, oc_str config_json, const oc_registrar *reg,
                             void **ctx_out) {
    (void)api;
    echo_instance *instance = calloc(1, sizeof *instance);
    if (instance == NULL) return OC_ERR_INTERNAL;
    instance->config_json = malloc(config_json.len + 1);
    if (instance->config_json == NULL) { free(instance); return OC_ERR_INTERNAL; }
    memcpy(instance->config_json, config_json.ptr, config_json.len);
    instance->config_json[config_json.len] = '\0';

    oc_route route = { sizeof route, STR("/api/echo"), OC_MATCH_EXACT, OC_AUTH_GATEWAY,
                       OC_SURFACE_WRITE_DEFAULT, OC_M_POST, STR(""), 0, 0, handle_echo };
    oc_method echo = { sizeof echo, STR("echo-c.echo"), STR("operator.read"), handle_echo_method };
    oc_method status = { sizeof status, STR("echo-c.channelStatus"), STR("operator.read"), handle_channel_status };
    int32_t rc = reg->add_route(reg->reg_ctx, &route);
    if (rc == OC_OK) rc = reg->add_method(reg->reg_ctx, &echo);
    if (rc == OC_OK) rc = reg->add_method(reg->reg_ctx, &status);
    if (rc != OC_OK) {          /* refused: free what we allocated; shutdown is not called */
        free(instance->config_json);
        free(instance);
        return rc;
    }
    host->log(host->host_ctx, OC_LOG_INFO, STR("echo-c instance ready (version " ECHO_VERSION ")"));
    *ctx_out = instance;
    return OC_OK;
}

static void shutdown_instance(void *ctx) {
    echo_instance *instance = ctx;
    host->log(host->host_ctx, OC_LOG_INFO, STR("echo-c shutdown (version " ECHO_VERSION ")"));
    free(instance->config_json);
    free(instance);
}

OC_EXPORT int32_t openclaw_plugin_entry_v1(const oc_host_api *api, oc_plugin *out, size_t out_size) {
    if (api == NULL || OC_ABI_MAJOR(api->abi_version) != 1) return OC_ERR_ABI;
    host = api;
    oc_plugin table = {
        .abi_version = OC_ABI_VERSION,
        .struct_size = sizeof(oc_plugin),
        .id = "echo-c",
        .version = "0.1.0",
        .config_schema_json = NULL,
        .init_instance = init_instance,
        .shutdown = shutdown_instance,
        .on_cancel = NULL,
    };
    memcpy(out, &table, out_size < sizeof table ? out_size : sizeof table);
    return OC_OK;
}
