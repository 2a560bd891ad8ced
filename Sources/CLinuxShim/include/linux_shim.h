/* Thin wrappers over Linux system calls that Glibc's Swift module does not import
 * (the same approach as swift-nio's CNIOLinux). Each wrapper is a direct pass-through;
 * no policy lives here. The one exception, the plugin crash marker, has its own header. */
#ifndef OPENCLAW_LINUX_SHIM_H
#define OPENCLAW_LINUX_SHIM_H
#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>
#include "crash_marker.h"

/* epoll(7) */
int oc_epoll_create(void);
int oc_epoll_add(int epfd, int fd, uint32_t events, uint64_t token);
int oc_epoll_mod(int epfd, int fd, uint32_t events, uint64_t token);
int oc_epoll_del(int epfd, int fd);
/* Fills tokens[i]/events[i] for up to max ready descriptors; returns the count or -1. */
int oc_epoll_wait(int epfd, uint64_t *tokens, uint32_t *events, int max, int timeout_ms);

extern const uint32_t OC_EPOLLIN;
extern const uint32_t OC_EPOLLOUT;
extern const uint32_t OC_EPOLLERR;
extern const uint32_t OC_EPOLLHUP;
extern const uint32_t OC_EPOLLRDHUP;
extern const uint32_t OC_EPOLLET;
extern const uint32_t OC_EPOLLEXCLUSIVE;

/* accept4(2) with SOCK_NONBLOCK | SOCK_CLOEXEC. */
int oc_accept_nonblocking(int fd, struct sockaddr *addr, socklen_t *len);

/* eventfd(2), non-blocking and close-on-exec: the cross-thread wake-up of a loop. */
int oc_eventfd(void);
int oc_eventfd_signal(int fd);
int oc_eventfd_drain(int fd);

/* syncfs(2) (a GNU extension): the session journal's checkpoint of many transcripts. */
int oc_syncfs(int fd);

/* inotify(7) for the config watcher. */
int oc_inotify_init(void);
int oc_inotify_watch(int fd, const char *path);

/* rm -rf without following symlinks (nftw is hidden from Swift's Glibc module). */
int oc_remove_tree(const char *path);

/* Linux thread id of the caller, for logs. */
int oc_gettid(void);

#endif
