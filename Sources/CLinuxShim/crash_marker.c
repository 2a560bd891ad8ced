#define _GNU_SOURCE
#include "crash_marker.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* initial-exec: the shim is linked into the executable, so the TLS slot is a fixed offset
 * from the thread pointer (no __tls_get_addr on the plugin call path). volatile: the signal
 * handler on the same thread must see the value stored before the plugin was entered. */
static __attribute__((tls_model("initial-exec"))) _Thread_local const char *volatile current_plugin;
static __attribute__((tls_model("initial-exec"))) _Thread_local int altstack_checked;

/* The record file is opened when a record is due, not held open: a descriptor kept for the
 * life of the process would pin the state dir's filesystem (it could not be remounted
 * read-only) and would miss a state dir that was moved. open(2) is async-signal-safe; a
 * spare descriptor on /dev/null is given up first so a process out of descriptors (a
 * leaking plugin) can still write its record. */
static char record_path[PATH_MAX];
static int record_armed;
static int spare_fd = -1;
static const int fatal_signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGABRT, SIGFPE };
#define FATAL_COUNT (sizeof fatal_signals / sizeof fatal_signals[0])
static struct sigaction previous_actions[FATAL_COUNT];

static pthread_key_t altstack_key;
static pthread_once_t altstack_once = PTHREAD_ONCE_INIT;
enum { ALTSTACK_SIZE = 64 * 1024 };

static void free_altstack(void *memory) {
    stack_t off = { .ss_flags = SS_DISABLE };
    sigaltstack(&off, NULL);
    free(memory);
}

static void make_altstack_key(void) { pthread_key_create(&altstack_key, free_altstack); }

/* A handler for a stack overflow needs a stack of its own; threads that already have one
 * (the Swift runtime gives the main thread one) keep it. */
static void ensure_altstack(void) {
    altstack_checked = 1;
    stack_t existing;
    if (sigaltstack(NULL, &existing) == 0 && !(existing.ss_flags & SS_DISABLE)) return;
    pthread_once(&altstack_once, make_altstack_key);
    void *memory = malloc(ALTSTACK_SIZE);
    if (!memory) return;
    stack_t stack = { .ss_sp = memory, .ss_size = ALTSTACK_SIZE, .ss_flags = 0 };
    if (sigaltstack(&stack, NULL) != 0 || pthread_setspecific(altstack_key, memory) != 0) {
        free_altstack(memory);
    }
}

const char *oc_crash_marker_enter(const char *id) {
    const char *previous = current_plugin;
    if (__builtin_expect(!altstack_checked, 0)) ensure_altstack();
    current_plugin = id;
    return previous;
}

void oc_crash_marker_leave(const char *previous) { current_plugin = previous; }

const char *oc_crash_marker_current(void) { return current_plugin; }

static const char *signal_name(int signo) {
    switch (signo) {
    case 0: return "exit";
    case SIGSEGV: return "SIGSEGV";
    case SIGBUS: return "SIGBUS";
    case SIGILL: return "SIGILL";
    case SIGTRAP: return "SIGTRAP";
    case SIGABRT: return "SIGABRT";
    case SIGFPE: return "SIGFPE";
    default: return "signal";
    }
}

/* Async-signal-safe: no stdio, no allocation. */
static size_t append_text(char *buffer, size_t at, const char *text) {
    while (*text) buffer[at++] = *text++;
    return at;
}

size_t oc_crash_marker_format(char *buffer, size_t cap, const char *id, int signo, int64_t time_ms) {
    if (cap < 256) return 0;
    size_t at = append_text(buffer, 0, "{\"plugin\":\"");
    for (size_t i = 0, kept = 0; id && id[i] && kept < 128; i++) {
        char c = id[i];
        int safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'
                   || c == '.' || c == '/';
        if (safe) { buffer[at++] = c; kept++; }
    }
    at = append_text(buffer, at, "\",\"signal\":\"");
    at = append_text(buffer, at, signal_name(signo));
    at = append_text(buffer, at, "\",\"timeMs\":");
    char digits[24];
    size_t n = 0;
    uint64_t value = time_ms < 0 ? 0 : (uint64_t)time_ms;
    do { digits[n++] = (char)('0' + value % 10); value /= 10; } while (value);
    while (n) buffer[at++] = digits[--n];
    at = append_text(buffer, at, "}\n");
    return at;
}

/* Returns whether a plugin was current (a record was due). */
static int write_record(int signo) {
    const char *id = current_plugin;
    if (!id) return 0;
    if (!record_armed) return 1;
    int spare = __atomic_exchange_n(&spare_fd, -1, __ATOMIC_SEQ_CST);
    if (spare >= 0) close(spare);
    int fd;
    do { fd = open(record_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600); } while (fd < 0 && errno == EINTR);
    if (fd < 0) return 1;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    char line[256];
    size_t length = oc_crash_marker_format(line, sizeof line, id, signo, (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000);
    ssize_t written;
    do { written = write(fd, line, length); } while (written < 0 && errno == EINTR);
    close(fd);
    return 1;
}

static void set_default(int signo) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = SIG_DFL;
    sigemptyset(&action.sa_mask);
    sigaction(signo, &action, NULL);
}

/* Does what would have happened without us: restores the action found at install time (the
 * default, or the Swift runtime's backtracer) and runs it with the original siginfo and
 * context. A default action is re-raised: the signal is blocked in this handler, so it is
 * delivered, and kills, once the handler returns. */
static void pass_on(int signo, siginfo_t *info, void *context) {
    struct sigaction previous;
    memset(&previous, 0, sizeof previous);
    previous.sa_handler = SIG_DFL;
    for (size_t i = 0; i < FATAL_COUNT; i++) {
        if (fatal_signals[i] == signo) previous = previous_actions[i];
    }
    sigaction(signo, &previous, NULL);
    if (previous.sa_handler == SIG_DFL) {
        raise(signo);
    } else if (previous.sa_handler != SIG_IGN) {
        if (previous.sa_flags & SA_SIGINFO) previous.sa_sigaction(signo, info, context);
        else previous.sa_handler(signo);
    }
}

static void on_fatal_signal(int signo, siginfo_t *info, void *context) {
    int saved_errno = errno;
    int in_plugin = write_record(signo);
    pass_on(signo, info, context);
    if (in_plugin) {
        /* A plugin crash must end the process (plugin-abi §7.3) even when an earlier handler
         * returns for a signal that will not repeat (raise, kill, abort's first raise). */
        set_default(signo);
        raise(signo);
    }
    errno = saved_errno;
}

static void on_exit_hook(void) { (void)write_record(0); }

int oc_crash_marker_install(const char *path) {
    static int installed;
    size_t length = strlen(path);
    if (length >= sizeof record_path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(record_path, path, length + 1);
    record_armed = 1;
    if (installed) return 0;
    spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_fatal_signal;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESETHAND;
    sigemptyset(&action.sa_mask);
    for (size_t i = 0; i < FATAL_COUNT; i++) {
        if (sigaction(fatal_signals[i], &action, &previous_actions[i]) != 0) return -1;
    }
    atexit(on_exit_hook);
    installed = 1;
    return 0;
}
