/* Plugin crash marker (plugin-abi.md §7.3). The host stores the id of the plugin the calling
 * thread is executing in a C thread-local before every call into plugin code and clears it
 * after. A fatal-signal handler (SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGABRT, SIGFPE) and an
 * atexit hook append one JSON line for that id to the record file (opened at that moment;
 * see crash_marker.c for why it is not held open). The
 * signal then goes to whatever handled it before (the default action, or the Swift runtime's
 * backtracer, called with the original siginfo), and after a plugin crash the default action
 * is re-raised so the process surely dies. Crashes outside plugin calls write nothing and are
 * handled exactly as without this handler. Only async-signal-safe calls (write,
 * clock_gettime, sigaction, raise) run in the handler. */
#ifndef OPENCLAW_CRASH_MARKER_H
#define OPENCLAW_CRASH_MARKER_H
#include <stddef.h>
#include <stdint.h>

/* Makes `id` (NUL-terminated, must stay valid for the life of the process, or NULL) the
 * calling thread's current plugin and returns the previous one, for nesting:
 *   const char *saved = oc_crash_marker_enter(id); call_plugin(); oc_crash_marker_leave(saved);
 * The first call on a thread also gives it an alternate signal stack (64 KiB, freed when the
 * thread exits) unless it has one, so a stack overflow inside a plugin is still recorded. */
const char *oc_crash_marker_enter(const char *id);
void oc_crash_marker_leave(const char *previous);
/* The calling thread's current plugin id, or NULL. */
const char *oc_crash_marker_current(void);

/* Installs the handlers and the atexit hook once per process; records are appended to `path`
 * (created 0600 when missing; its directory must exist). A later call only replaces the
 * path. Returns 0, or -1 with errno set (path too long, or a sigaction failed). */
int oc_crash_marker_install(const char *path);

/* Formats the record the handler writes:
 *   {"plugin":"<id>","signal":"<SIGSEGV|…|exit>","timeMs":<unix ms>}\n
 * `signo` 0 means exit(3). Characters of `id` outside [A-Za-z0-9._/-] are dropped and it is
 * cut at 128 bytes. Returns the length written (no NUL), or 0 when `cap` is below 256. */
size_t oc_crash_marker_format(char *buffer, size_t cap, const char *id, int signo, int64_t time_ms);

#endif
