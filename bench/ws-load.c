/*
 * ws-load: a small native WebSocket load client for the gateway protocol (benchmark only,
 * used by scripts/bench-ws). libc only: RFC 6455 client handshake, masked client frames,
 * unmasked server frames, and just enough JSON to tell a `res` from an `event`.
 *
 *   ws-load rt   <port> <token> <conns> <seconds>   closed-loop `health` round trips
 *   ws-load idle <port> <token> <conns>             hold authenticated sockets until stdin EOF
 *
 * Every socket first completes the protocol handshake (connect.challenge, then `connect` as
 * the internal `gateway-client`/`backend` client with the shared token, so no device identity
 * is needed). In `rt` mode each socket keeps exactly one `health` request in flight and sends
 * the next as soon as the answer arrives; one epoll thread drives all sockets, so the client
 * costs a read and a write syscall per round trip. It prints one line:
 *   roundtrips=<n> seconds=<s> rps=<n> p50_us=<n> p99_us=<n> errors=<n> client_cpu_s=<s>
 * In `idle` mode it prints `ready <n>` once every socket is connected and then drains
 * whatever the gateway sends (ticks), so no unread data piles up in the gateway.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Latency histogram: 1 us buckets up to 1 s; slower round trips land in the last bucket. */
#define HIST_BUCKETS 1000000

struct conn {
    int fd;
    unsigned char *buf; /* unread bytes from the server */
    size_t len, cap;
    uint64_t sent_ns;   /* when the in-flight request was written */
    unsigned long next_id;
};

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint32_t next_mask(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)rng_state;
}

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void die(const char *what) {
    perror(what);
    exit(2);
}

static void fail(const char *message) {
    fprintf(stderr, "ws-load: %s\n", message);
    exit(2);
}

static void write_all(int fd, const void *data, size_t len) {
    const unsigned char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) {
                struct pollfd pfd = {fd, POLLOUT, 0};
                poll(&pfd, 1, 1000);
                continue;
            }
            die("write");
        }
        p += n;
        len -= (size_t)n;
    }
}

/* Sends one masked text frame (client frames must be masked, RFC 6455 §5.3). */
static void send_text(struct conn *c, const char *text, size_t len) {
    unsigned char frame[16 + 4096];
    if (len > 4096) fail("request too large");
    size_t h = 0;
    frame[h++] = 0x81;
    if (len < 126) {
        frame[h++] = 0x80 | (unsigned char)len;
    } else {
        frame[h++] = 0x80 | 126;
        frame[h++] = (unsigned char)(len >> 8);
        frame[h++] = (unsigned char)len;
    }
    uint32_t mask = next_mask();
    unsigned char key[4] = {(unsigned char)(mask >> 24), (unsigned char)(mask >> 16), (unsigned char)(mask >> 8),
                            (unsigned char)mask};
    memcpy(frame + h, key, 4);
    h += 4;
    for (size_t i = 0; i < len; i++) frame[h + i] = (unsigned char)text[i] ^ key[i & 3];
    write_all(c->fd, frame, h + len);
}

/* Reads what is available into the connection buffer. Returns bytes read, 0 on EOF, -1 when
 * a non-blocking socket has nothing. */
static ssize_t fill(struct conn *c) {
    if (c->cap - c->len < 65536) {
        c->cap = c->cap ? c->cap * 2 : 131072;
        c->buf = realloc(c->buf, c->cap);
        if (!c->buf) fail("out of memory");
    }
    for (;;) {
        ssize_t n = read(c->fd, c->buf + c->len, c->cap - c->len);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) return -1;
        if (n < 0) die("read");
        c->len += (size_t)n;
        return n;
    }
}

/* Finds the next complete server frame at the start of the buffer. Returns its total size
 * (0 = incomplete) and sets opcode/payload/length. */
static size_t peek_frame(const struct conn *c, int *opcode, const unsigned char **payload, size_t *plen) {
    if (c->len < 2) return 0;
    const unsigned char *b = c->buf;
    if (b[1] & 0x80) fail("server frame is masked");
    size_t h = 2, len = b[1] & 0x7F;
    if (len == 126) {
        if (c->len < 4) return 0;
        len = ((size_t)b[2] << 8) | b[3];
        h = 4;
    } else if (len == 127) {
        if (c->len < 10) return 0;
        len = 0;
        for (int i = 2; i < 10; i++) len = (len << 8) | b[i];
        h = 10;
    }
    if (c->len < h + len) return 0;
    *opcode = b[0] & 0x0F;
    *payload = b + h;
    *plen = len;
    return h + len;
}

static void consume(struct conn *c, size_t n) {
    memmove(c->buf, c->buf + n, c->len - n);
    c->len -= n;
}

/* Whether a text frame is a `res` (the only kind the client waits for); events are skipped. */
static int is_response(const unsigned char *p, size_t len) {
    static const char prefix[] = "{\"type\":\"res\"";
    return len >= sizeof prefix - 1 && memcmp(p, prefix, sizeof prefix - 1) == 0;
}

static int contains(const unsigned char *p, size_t len, const char *needle) {
    return memmem(p, len, needle, strlen(needle)) != NULL;
}

/* Blocking: waits for the next `res` frame and returns whether it has "ok":true. */
static int await_response(struct conn *c) {
    for (;;) {
        int opcode;
        const unsigned char *p;
        size_t plen, total;
        while ((total = peek_frame(c, &opcode, &p, &plen)) > 0) {
            if (opcode == 0x8) fail("server closed the socket during the handshake");
            int ok = opcode == 0x1 && is_response(p, plen) ? 1 + contains(p, plen, "\"ok\":true") : 0;
            consume(c, total);
            if (ok) return ok == 2;
        }
        if (fill(c) == 0) fail("server closed the connection during the handshake");
    }
}

/* Opens one socket and completes the upgrade and the `connect` handshake (blocking). */
static void open_conn(struct conn *c, int port, const char *token) {
    memset(c, 0, sizeof *c);
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (c->fd < 0) die("socket");
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(c->fd, (struct sockaddr *)&addr, sizeof addr) < 0) die("connect");

    char upgrade[256];
    int n = snprintf(upgrade, sizeof upgrade,
                     "GET / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
                     port);
    write_all(c->fd, upgrade, (size_t)n);
    unsigned char *end;
    while (!(end = memmem(c->buf, c->len, "\r\n\r\n", 4))) {
        if (fill(c) == 0) fail("connection closed during the upgrade");
    }
    if (c->len < 12 || memcmp(c->buf, "HTTP/1.1 101", 12) != 0) fail("upgrade refused");
    consume(c, (size_t)(end + 4 - c->buf));

    char connect_req[1024];
    n = snprintf(connect_req, sizeof connect_req,
                 "{\"type\":\"req\",\"id\":\"c\",\"method\":\"connect\",\"params\":{\"minProtocol\":4,\"maxProtocol\":4,"
                 "\"client\":{\"id\":\"gateway-client\",\"version\":\"bench\",\"platform\":\"linux\",\"mode\":\"backend\"},"
                 "\"role\":\"operator\",\"scopes\":[\"operator.read\"],\"auth\":{\"token\":\"%s\"}}}",
                 token);
    if (n <= 0 || (size_t)n >= sizeof connect_req) fail("token too long");
    send_text(c, connect_req, (size_t)n);
    if (!await_response(c)) fail("connect refused (wrong token?)");
    if (fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK) < 0) die("fcntl");
}

static void send_health(struct conn *c) {
    char req[96];
    int n = snprintf(req, sizeof req, "{\"type\":\"req\",\"id\":\"%lu\",\"method\":\"health\"}", c->next_id++);
    c->sent_ns = now_ns();
    send_text(c, req, (size_t)n);
}

static int epoll_all(struct conn *conns, int count) {
    int ep = epoll_create1(0);
    if (ep < 0) die("epoll_create1");
    for (int i = 0; i < count; i++) {
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev) < 0) die("epoll_ctl");
    }
    return ep;
}

static uint64_t percentile(const uint32_t *hist, uint64_t total, double q) {
    uint64_t rank = (uint64_t)(q * (double)total), seen = 0;
    for (uint64_t us = 0; us < HIST_BUCKETS; us++) {
        seen += hist[us];
        if (seen > rank) return us;
    }
    return HIST_BUCKETS;
}

static int run_roundtrips(struct conn *conns, int count, double seconds) {
    uint32_t *hist = calloc(HIST_BUCKETS, sizeof *hist);
    if (!hist) fail("out of memory");
    int ep = epoll_all(conns, count);
    uint64_t total = 0, errors = 0;
    uint64_t start = now_ns(), stop = start + (uint64_t)(seconds * 1e9);
    for (int i = 0; i < count; i++) send_health(&conns[i]);
    struct epoll_event events[256];
    uint64_t now = start;
    while (now < stop) {
        int ready = epoll_wait(ep, events, 256, 100);
        if (ready < 0 && errno != EINTR) die("epoll_wait");
        now = now_ns();
        for (int e = 0; e < ready; e++) {
            struct conn *c = &conns[events[e].data.u32];
            if (fill(c) == 0) fail("server closed a connection under load");
            int opcode;
            const unsigned char *p;
            size_t plen, size;
            while ((size = peek_frame(c, &opcode, &p, &plen)) > 0) {
                if (opcode == 0x8) fail("server closed a connection under load");
                if (opcode == 0x1 && is_response(p, plen)) {
                    if (!contains(p, plen, "\"ok\":true")) errors++;
                    uint64_t us = (now - c->sent_ns) / 1000;
                    hist[us < HIST_BUCKETS ? us : HIST_BUCKETS - 1]++;
                    total++;
                    if (now < stop) send_health(c);
                }
                consume(c, size);
            }
        }
    }
    double elapsed = (double)(now - start) / 1e9;
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    double cpu = (double)(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                 (double)(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
    printf("roundtrips=%llu seconds=%.2f rps=%.0f p50_us=%llu p99_us=%llu errors=%llu client_cpu_s=%.2f\n",
           (unsigned long long)total, elapsed, (double)total / elapsed, (unsigned long long)percentile(hist, total, 0.50),
           (unsigned long long)percentile(hist, total, 0.99), (unsigned long long)errors, cpu);
    return errors ? 1 : 0;
}

static int hold_idle(struct conn *conns, int count) {
    int ep = epoll_all(conns, count);
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)count};
    int stdin_pollable = epoll_ctl(ep, EPOLL_CTL_ADD, STDIN_FILENO, &ev) == 0;
    printf("ready %d\n", count);
    fflush(stdout);
    /* stdin from a file (e.g. /dev/null) cannot be polled: that is an immediate EOF. */
    if (!stdin_pollable) return 0;
    struct epoll_event events[256];
    for (;;) {
        int ready = epoll_wait(ep, events, 256, -1);
        if (ready < 0 && errno != EINTR) die("epoll_wait");
        for (int e = 0; e < ready; e++) {
            uint32_t i = events[e].data.u32;
            if (i == (uint32_t)count) {
                char scratch[64];
                if (read(STDIN_FILENO, scratch, sizeof scratch) <= 0) return 0;
                continue;
            }
            if (fill(&conns[i]) == 0) fail("server closed an idle connection");
            conns[i].len = 0; /* drain: ticks and other broadcasts are not needed */
        }
    }
}

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: %s rt <port> <token> <conns> <seconds> | idle <port> <token> <conns>\n", argv[0]);
        return 2;
    }
    int port = atoi(argv[2]), count = atoi(argv[4]);
    const char *token = argv[3];
    if (port <= 0 || count <= 0) fail("bad port or connection count");
    rng_state ^= (uint64_t)now_ns() ^ ((uint64_t)getpid() << 32);
    struct conn *conns = calloc((size_t)count, sizeof *conns);
    if (!conns) fail("out of memory");
    for (int i = 0; i < count; i++) open_conn(&conns[i], port, token);
    if (strcmp(argv[1], "rt") == 0 && argc >= 6) return run_roundtrips(conns, count, atof(argv[5]));
    if (strcmp(argv[1], "idle") == 0) return hold_idle(conns, count);
    fail("unknown mode");
    return 2;
}
