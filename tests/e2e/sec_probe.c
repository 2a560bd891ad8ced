/* sec-probe: a test-only C plugin for the slow-client, fault and security-rule tests.
 *
 *   GET /api/sec/trickle   (gateway)  SSE: 1 KiB every 100 ms until the route deadline cuts it
 *   GET /api/sec/firehose  (gateway)  SSE: 256 KiB every 20 ms until the host drops the reader
 *   GET /api/sec/never     (gateway)  OC_DEFERRED and never answers (the host must send 504)
 *   GET /api/sec/slow      (gateway)  answers 200 "slow done" after SLOW_MS (in-flight work)
 *   GET /api/sec/config    (gateway)  calls config.get as the caller (request_id capability)
 *   GET /sec/config        (plugin)   the same call from an auth:"plugin" route
 *
 * One ticker thread drives every stream and delayed answer, so 1,000 open streams cost one
 * thread; it is joined in shutdown (the image is unmapped afterwards). Deadlines are compile
 * time defines so a test can pick them. */
#define _POSIX_C_SOURCE 200809L   /* clock_gettime, nanosleep under -std=c11 */
#include <openclaw_plugin.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef TRICKLE_MS
#define TRICKLE_MS 4000
#endif
#ifndef NEVER_MS
#define NEVER_MS 1000
#endif
#ifndef SLOW_MS
#define SLOW_MS 1500
#endif
#define MAX_SLOTS 4096
#define TICK_MS 10

#define LIT(literal) { literal, sizeof(literal) - 1 }
#define STR(literal) ((oc_str)LIT(literal))

static const oc_host_api *host;

enum kind { FREE = 0, TRICKLE, FIREHOSE, SLOW };
typedef struct slot { enum kind kind; oc_responder *responder; uint64_t due_ms; } slot;

typedef struct probe {
    pthread_mutex_t lock;
    pthread_t ticker;
    atomic_int stop;
    slot slots[MAX_SLOTS];
} probe;

static const oc_header sse_headers[] = { { LIT("content-type"), LIT("text/event-stream") } };
static const oc_header json_headers[] = { { LIT("content-type"), LIT("application/json") } };
static const oc_header text_headers[] = { { LIT("content-type"), LIT("text/plain") } };
static char trickle_event[1024];
static char firehose_event[256 * 1024];

static uint64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Takes a free slot; a full table answers 503 so the test sees the bound, not a hang. */
static int32_t park(probe *p, enum kind kind, oc_responder *responder, uint64_t due_ms) {
    pthread_mutex_lock(&p->lock);
    for (int i = 0; i < MAX_SLOTS; i++) {
        if (p->slots[i].kind == FREE) {
            p->slots[i] = (slot){ kind, responder, due_ms };
            pthread_mutex_unlock(&p->lock);
            return OC_DEFERRED;
        }
    }
    pthread_mutex_unlock(&p->lock);
    return OC_ERR_LIMIT;
}

/* One pass over the table: streams write (and end once the host refuses a write), delayed
 * answers go out when due. Responder calls happen under the lock, so never concurrently. */
static void tick(probe *p, uint64_t tick_no) {
    pthread_mutex_lock(&p->lock);
    uint64_t now = now_ms();
    for (int i = 0; i < MAX_SLOTS; i++) {
        slot *s = &p->slots[i];
        int32_t rc = OC_OK;
        if (s->kind == TRICKLE && tick_no % 10 == 0) {
            rc = host->stream_write(s->responder, (oc_str){ trickle_event, sizeof trickle_event });
        } else if (s->kind == FIREHOSE && tick_no % 2 == 0) {
            rc = host->stream_write(s->responder, (oc_str){ firehose_event, sizeof firehose_event });
        } else if (s->kind == SLOW && now >= s->due_ms) {
            oc_http_response resp = { sizeof resp, 200, text_headers, 1, STR("slow done"), NULL, NULL };
            host->respond(s->responder, &resp);
            s->kind = FREE;
            continue;
        }
        if (rc != OC_OK) {
            host->stream_end(s->responder);
            s->kind = FREE;
        }
    }
    pthread_mutex_unlock(&p->lock);
}

static void *ticker_main(void *arg) {
    probe *p = arg;
    struct timespec pause = { 0, TICK_MS * 1000000L };
    for (uint64_t n = 0; !atomic_load(&p->stop); n++) {
        tick(p, n);
        nanosleep(&pause, NULL);
    }
    return NULL;
}

static int32_t handle_stream(void *ctx, enum kind kind, oc_responder *responder) {
    if (host->stream_begin(responder, 200, sse_headers, 1) != OC_OK) return OC_ERR_CLOSED;
    int32_t rc = park(ctx, kind, responder, 0);
    if (rc != OC_DEFERRED) host->stream_end(responder);
    return OC_DEFERRED;
}

static int32_t handle_trickle(void *ctx, const oc_http_request *req, oc_responder *r, oc_http_response *out) {
    (void)req; (void)out;
    return handle_stream(ctx, TRICKLE, r);
}

static int32_t handle_firehose(void *ctx, const oc_http_request *req, oc_responder *r, oc_http_response *out) {
    (void)req; (void)out;
    return handle_stream(ctx, FIREHOSE, r);
}

static int32_t handle_never(void *ctx, const oc_http_request *req, oc_responder *r, oc_http_response *out) {
    (void)ctx; (void)req; (void)r; (void)out;
    return OC_DEFERRED;     /* the fault under test: this responder is never finished */
}

static int32_t handle_slow(void *ctx, const oc_http_request *req, oc_responder *r, oc_http_response *out) {
    (void)req; (void)out;
    return park(ctx, SLOW, r, now_ms() + SLOW_MS);
}

/* config.get result frame → 200 with the payload, error frame → 403 with the error. */
static void release_copy(oc_http_response *resp) {
    host->mem_free(host->host_ctx, resp->release_ctx, resp->body.len);
}

static void config_frame(void *user, int32_t kind, oc_str json) {
    if (kind == OC_FRAME_EVENT) return;
    void *copy = host->mem_alloc(host->host_ctx, json.len ? json.len : 1);
    if (copy != NULL) memcpy(copy, json.ptr, json.len);
    oc_http_response resp = { sizeof resp, kind == OC_FRAME_RESULT ? 200 : 403, json_headers, 1,
                              { copy, copy ? json.len : 0 }, copy, copy ? release_copy : NULL };
    host->respond(user, &resp);
}

static int32_t handle_config(void *ctx, const oc_http_request *req, oc_responder *r, oc_http_response *out) {
    (void)ctx; (void)out;
    uint64_t call_id = 0;
    int32_t rc = host->call_method(host->host_ctx, req->request_id, STR("config.get"), STR("{}"),
                                   config_frame, r, &call_id);
    if (rc != OC_OK) {
        /* Refused before dispatch: the same shape as an error frame. */
        out->status = 403;
        out->headers = json_headers;
        out->header_count = 1;
        out->body = rc == OC_ERR_FORBIDDEN ? STR("{\"code\":\"FORBIDDEN\",\"message\":\"call_method refused\"}")
                                           : STR("{\"code\":\"INVALID_REQUEST\",\"message\":\"call_method refused\"}");
        return OC_OK;
    }
    return OC_DEFERRED;
}

static int32_t init_instance(const oc_host_api *api, oc_str config_json, const oc_registrar *reg, void **ctx_out) {
    (void)api; (void)config_json;
    probe *p = calloc(1, sizeof *p);
    if (p == NULL) return OC_ERR_INTERNAL;
    pthread_mutex_init(&p->lock, NULL);
    const oc_route routes[] = {
        { sizeof(oc_route), STR("/api/sec/trickle"), OC_MATCH_EXACT, OC_AUTH_GATEWAY, OC_SURFACE_WRITE_DEFAULT, OC_M_GET, STR(""), 0, TRICKLE_MS, handle_trickle },
        { sizeof(oc_route), STR("/api/sec/firehose"), OC_MATCH_EXACT, OC_AUTH_GATEWAY, OC_SURFACE_WRITE_DEFAULT, OC_M_GET, STR(""), 0, 60000, handle_firehose },
        { sizeof(oc_route), STR("/api/sec/never"), OC_MATCH_EXACT, OC_AUTH_GATEWAY, OC_SURFACE_WRITE_DEFAULT, OC_M_GET, STR(""), 0, NEVER_MS, handle_never },
        { sizeof(oc_route), STR("/api/sec/slow"), OC_MATCH_EXACT, OC_AUTH_GATEWAY, OC_SURFACE_WRITE_DEFAULT, OC_M_GET, STR(""), 0, 10000, handle_slow },
        { sizeof(oc_route), STR("/api/sec/config"), OC_MATCH_EXACT, OC_AUTH_GATEWAY, OC_SURFACE_WRITE_DEFAULT, OC_M_GET, STR(""), 0, 5000, handle_config },
        { sizeof(oc_route), STR("/sec/config"), OC_MATCH_EXACT, OC_AUTH_PLUGIN, OC_SURFACE_WRITE_DEFAULT, OC_M_GET, STR(""), 0, 5000, handle_config },
    };
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        int32_t rc = reg->add_route(reg->reg_ctx, &routes[i]);
        if (rc != OC_OK) { pthread_mutex_destroy(&p->lock); free(p); return rc; }
    }
    if (pthread_create(&p->ticker, NULL, ticker_main, p) != 0) {
        pthread_mutex_destroy(&p->lock);
        free(p);
        return OC_ERR_INTERNAL;
    }
    *ctx_out = p;
    return OC_OK;
}

static void shutdown_instance(void *ctx) {
    probe *p = ctx;
    atomic_store(&p->stop, 1);
    pthread_join(p->ticker, NULL);
    pthread_mutex_destroy(&p->lock);
    free(p);
}

OC_EXPORT int32_t openclaw_plugin_entry_v1(const oc_host_api *api, oc_plugin *out, size_t out_size) {
    if (api == NULL || OC_ABI_MAJOR(api->abi_version) != 1) return OC_ERR_ABI;
    host = api;
    memset(trickle_event, 'x', sizeof trickle_event);
    memcpy(trickle_event, "data: ", 6);
    trickle_event[sizeof trickle_event - 2] = '\n';
    trickle_event[sizeof trickle_event - 1] = '\n';
    memset(firehose_event, 'y', sizeof firehose_event);
    memcpy(firehose_event, "data: ", 6);
    firehose_event[sizeof firehose_event - 2] = '\n';
    firehose_event[sizeof firehose_event - 1] = '\n';
    oc_plugin table = {
        .abi_version = OC_ABI_VERSION, .struct_size = sizeof(oc_plugin), .id = "sec-probe", .version = "0.1.0",
        .config_schema_json = NULL, .init_instance = init_instance, .shutdown = shutdown_instance, .on_cancel = NULL,
    };
    memcpy(out, &table, out_size < sizeof table ? out_size : sizeof table);
    return OC_OK;
}
