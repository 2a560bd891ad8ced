#define _GNU_SOURCE
#include "linux_shim.h"
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>

const uint32_t OC_EPOLLIN = EPOLLIN;
const uint32_t OC_EPOLLOUT = EPOLLOUT;
const uint32_t OC_EPOLLERR = EPOLLERR;
const uint32_t OC_EPOLLHUP = EPOLLHUP;
const uint32_t OC_EPOLLRDHUP = EPOLLRDHUP;
const uint32_t OC_EPOLLET = EPOLLET;
const uint32_t OC_EPOLLEXCLUSIVE = EPOLLEXCLUSIVE;

int oc_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

static int ctl(int epfd, int op, int fd, uint32_t events, uint64_t token) {
    struct epoll_event ev;
    ev.events = events;
    ev.data.u64 = token;
    return epoll_ctl(epfd, op, fd, &ev);
}

int oc_epoll_add(int epfd, int fd, uint32_t events, uint64_t token) { return ctl(epfd, EPOLL_CTL_ADD, fd, events, token); }
int oc_epoll_mod(int epfd, int fd, uint32_t events, uint64_t token) { return ctl(epfd, EPOLL_CTL_MOD, fd, events, token); }
int oc_epoll_del(int epfd, int fd) { return epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL); }

int oc_epoll_wait(int epfd, uint64_t *tokens, uint32_t *events, int max, int timeout_ms) {
    struct epoll_event evs[256];
    if (max > 256) max = 256;
    int n;
    do { n = epoll_wait(epfd, evs, max, timeout_ms); } while (n < 0 && errno == EINTR);
    for (int i = 0; i < n; i++) { tokens[i] = evs[i].data.u64; events[i] = evs[i].events; }
    return n;
}

int oc_accept_nonblocking(int fd, struct sockaddr *addr, socklen_t *len) {
    return accept4(fd, addr, len, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

int oc_eventfd(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }
int oc_eventfd_signal(int fd) { uint64_t one = 1; return (int)write(fd, &one, sizeof one); }
int oc_eventfd_drain(int fd) { uint64_t v; return (int)read(fd, &v, sizeof v); }

int oc_syncfs(int fd) { return syncfs(fd); }

int oc_inotify_init(void) { return inotify_init1(IN_NONBLOCK | IN_CLOEXEC); }
int oc_inotify_watch(int fd, const char *path) {
    return inotify_add_watch(fd, path, IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_MODIFY);
}

int oc_gettid(void) { return (int)syscall(SYS_gettid); }

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb; (void)flag; (void)ftw;
    return remove(path);
}

int oc_remove_tree(const char *path) { return nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS); }
