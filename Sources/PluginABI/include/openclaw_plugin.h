/* openclaw_plugin.h -- gateway plugin ABI v1.0 (DRAFT). C11; needs only <stddef.h>, <stdint.h>.
 * Every table starts with struct_size (top-level tables also abi_version). Strings are borrowed
 * UTF-8 pointer+length (oc_str), not NUL-terminated, unless a comment says otherwise. */
#ifndef OPENCLAW_PLUGIN_H
#define OPENCLAW_PLUGIN_H
#include <stddef.h>
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif
#define OC_ABI_VERSION 0x00010000u              /* (major << 16) | minor = 1.0 */
#define OPENCLAW_PLUGIN_ABI_VERSION OC_ABI_VERSION   /* long name for the same value */
#define OC_ABI_MAJOR(v) ((uint32_t)(v) >> 16)
#define OC_EXPORT __attribute__((visibility("default")))
/* Return codes (int32_t). Plain macros so Swift imports them as Int32 constants. */
#define OC_OK 0
#define OC_PASS 1                /* route handler declines; host tries the next candidate */
#define OC_DEFERRED 2            /* the reply will come through the responder */
#define OC_ERR_INVALID (-1)
#define OC_ERR_ABI (-2)
#define OC_ERR_CONFIG (-3)
#define OC_ERR_CONFLICT (-4)
#define OC_ERR_FORBIDDEN (-5)
#define OC_ERR_CLOSED (-6)       /* client gone, or responder already finished */
#define OC_ERR_LIMIT (-7)
#define OC_ERR_INTERNAL (-8)
/* int32_t enumerations. */
#define OC_AUTH_GATEWAY 0
#define OC_AUTH_PLUGIN 1
#define OC_MATCH_EXACT 0
#define OC_MATCH_PREFIX 1
#define OC_SURFACE_WRITE_DEFAULT 0
#define OC_SURFACE_TRUSTED_OPERATOR 1
#define OC_LOG_DEBUG 0
#define OC_LOG_INFO 1
#define OC_LOG_WARN 2
#define OC_LOG_ERROR 3
#define OC_FRAME_EVENT 0         /* intermediate frame of a host call */
#define OC_FRAME_RESULT 1        /* final frame: success payload JSON */
#define OC_FRAME_ERROR 2         /* final frame: {"code","message","details"?} */
/* oc_route.methods bits (0 = handler checks the method) and oc_caller.flags bits. */
#define OC_M_GET 0x01u
#define OC_M_HEAD 0x02u
#define OC_M_POST 0x04u
#define OC_M_PUT 0x08u
#define OC_M_PATCH 0x10u
#define OC_M_DELETE 0x20u
#define OC_CALLER_AUTHENTICATED 0x1u
#define OC_CALLER_SHARED_SECRET 0x2u
#define OC_CALLER_OWNER 0x4u
#define OC_CALLER_LOCAL_DIRECT 0x8u

typedef struct oc_str { const char *ptr; size_t len; } oc_str;
typedef struct oc_header { oc_str name; oc_str value; } oc_header;   /* names lower-case */
typedef struct oc_caller {             /* resolved by the host; read-only */
    uint32_t struct_size;
    uint32_t flags;                    /* OC_CALLER_* */
    oc_str auth_mode;                  /* "token" "password" "trusted-proxy" "none" "plugin" */
    oc_str subject;                    /* "bearer:<sha256>", "trusted-proxy:<user>", ... */
    const oc_str *scopes;
    size_t scope_count;
    oc_str client_ip;
} oc_caller;
typedef struct oc_http_request {
    uint32_t struct_size;
    uint64_t request_id;               /* capability for host calls on behalf of this caller */
    oc_str method;
    oc_str path;                       /* canonical path, case preserved */
    oc_str route_path;                 /* registered path that matched */
    oc_str subpath;                    /* remainder after route_path for prefix routes, else "" */
    oc_str query;                      /* raw, undecoded, without '?' */
    const oc_header *headers;
    size_t header_count;
    oc_str body;                       /* fully buffered, within the route limit */
    const oc_caller *caller;
} oc_http_request;
typedef struct oc_http_response {
    uint32_t struct_size;
    uint16_t status;
    const oc_header *headers;          /* plugin-owned until release() */
    size_t header_count;
    oc_str body;                       /* plugin-owned until release() */
    void *release_ctx;
    void (*release)(struct oc_http_response *self);   /* host calls it once; may be NULL */
} oc_http_response;
typedef struct oc_responder oc_responder;           /* opaque, host-owned */
typedef int32_t (*oc_http_handler)(void *ctx, const oc_http_request *req,
                                   oc_responder *responder, oc_http_response *out);
typedef int32_t (*oc_method_handler)(void *ctx, const oc_caller *caller, uint64_t request_id,
                                     oc_str params_json, oc_responder *responder);
typedef void (*oc_event_handler)(void *ctx, oc_str name, oc_str payload_json);
typedef void (*oc_frame_cb)(void *user, int32_t kind, oc_str json);
typedef struct oc_route {
    uint32_t struct_size;
    oc_str path;
    int32_t match;                     /* OC_MATCH_* */
    int32_t auth;                      /* OC_AUTH_* */
    int32_t surface;                   /* OC_SURFACE_*; ignored for OC_AUTH_PLUGIN */
    uint32_t methods;                  /* OC_M_* bits */
    oc_str required_scope;             /* "" = nothing beyond authentication */
    uint64_t max_body_bytes;           /* 0 = host default (1 MiB) */
    uint32_t timeout_ms;               /* deferred-reply deadline; 0 = plugin default */
    oc_http_handler handle;
} oc_route;
typedef struct oc_method {
    uint32_t struct_size;
    oc_str name;                       /* "<pluginId>.<verb>" */
    oc_str scope;                      /* "operator.read" | "operator.write" | "operator.admin" */
    oc_method_handler handle;
} oc_method;
typedef struct oc_registrar {          /* valid only during init_instance */
    uint32_t abi_version, struct_size;
    void *reg_ctx;
    int32_t (*add_route)(void *reg_ctx, const oc_route *route);
    int32_t (*add_method)(void *reg_ctx, const oc_method *method);
    int32_t (*subscribe)(void *reg_ctx, oc_str event_pattern, oc_event_handler handler);
} oc_registrar;
typedef struct oc_host_api {           /* valid from the entry call until the image is released */
    uint32_t abi_version, struct_size;
    void *host_ctx;
    void (*log)(void *host_ctx, int32_t level, oc_str message);
    int32_t (*config_get)(void *host_ctx, oc_str dotted_path, oc_frame_cb sink, void *user);
    int32_t (*emit_event)(void *host_ctx, oc_str name, oc_str payload_json, oc_str scope);
    int32_t (*call_method)(void *host_ctx, uint64_t request_id, oc_str method, oc_str params_json,
                           oc_frame_cb on_frame, void *user, uint64_t *call_id_out);
    void (*cancel_call)(void *host_ctx, uint64_t call_id);
    /* A responder is finished exactly once: respond (HTTP), reply (WS method) or stream_end. */
    int32_t (*respond)(oc_responder *r, oc_http_response *resp);
    int32_t (*reply)(oc_responder *r, int32_t ok, oc_str json);
    int32_t (*stream_begin)(oc_responder *r, uint16_t status, const oc_header *headers, size_t n);
    int32_t (*stream_write)(oc_responder *r, oc_str chunk);
    void (*stream_end)(oc_responder *r);
    int32_t (*is_cancelled)(const oc_responder *r);
    void *(*mem_alloc)(void *host_ctx, size_t size);
    void (*mem_free)(void *host_ctx, void *ptr, size_t size);
    const char *host_version;          /* NUL-terminated, static: gateway version */
} oc_host_api;
typedef struct oc_plugin {             /* filled by the entry point */
    uint32_t abi_version, struct_size;
    const char *id;                    /* NUL-terminated, static; must equal the manifest id */
    const char *version;               /* NUL-terminated, static */
    const char *config_schema_json;    /* NUL-terminated JSON Schema, or NULL */
    int32_t (*init_instance)(const oc_host_api *host, oc_str config_json,
                             const oc_registrar *reg, void **ctx_out);
    void (*shutdown)(void *ctx);
    void (*on_cancel)(void *ctx, uint64_t request_id);   /* optional */
} oc_plugin;
/* The only exported symbol. Writes at most out_size bytes into *out (zeroed by the host). */
OC_EXPORT int32_t openclaw_plugin_entry_v1(const oc_host_api *host, oc_plugin *out, size_t out_size);
#ifdef __cplusplus
}
#endif
#endif /* OPENCLAW_PLUGIN_H */
