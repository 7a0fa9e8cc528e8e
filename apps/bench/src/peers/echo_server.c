/*
 * The ceiling for `pnpm bench loop`: the simplest fast echo server C can be, so every other
 * server's rate can be read as a fraction of what this machine's loopback allows. One thread,
 * level-triggered epoll, non-blocking sockets with TCP_NODELAY; each read goes into one 64 KiB
 * buffer and is written straight back. A write the socket cannot take whole is kept (the only
 * allocation) and the connection stops reading until EPOLLOUT has flushed it.
 *
 * usage: echo_server port        (0 picks a free port)
 *
 * Listens on 127.0.0.1, prints {"port": N} once listening, and exits when stdin reaches EOF
 * (the parent closed it, or died) or on SIGTERM/SIGINT. A stdin that epoll cannot watch (a
 * regular file, /dev/null) is ignored, and only the signals stop it.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUFFER_SIZE 65536
#define MAX_EVENTS 256

struct conn {
    int fd;
    char *pending; /* what a partial write left over, or NULL */
    size_t pending_len;
    size_t pending_off;
};

/* epoll data for the three fds that are not connections */
static char listener_tag, stdin_tag, signal_tag;

static void close_conn(int epfd, struct conn *c) {
    epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    free(c->pending);
    free(c);
}

static void watch(int epfd, struct conn *c, uint32_t events) {
    struct epoll_event ev = {.events = events, .data.ptr = c};
    epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Writes data; keeps what the socket would not take. Returns -1 if the connection failed. */
static int write_or_keep(int epfd, struct conn *c, const char *data, size_t len) {
    size_t off = 0;
    while (off < len) {
        ssize_t n = send(c->fd, data + off, len - off, MSG_NOSIGNAL);
        if (n > 0) {
            off += (size_t)n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            c->pending = malloc(len - off);
            if (!c->pending) return -1;
            memcpy(c->pending, data + off, len - off);
            c->pending_len = len - off;
            c->pending_off = 0;
            watch(epfd, c, EPOLLOUT);
            return 0;
        } else {
            return -1;
        }
    }
    return 0;
}

static int flush_pending(int epfd, struct conn *c) {
    while (c->pending_off < c->pending_len) {
        ssize_t n = send(c->fd, c->pending + c->pending_off, c->pending_len - c->pending_off,
                         MSG_NOSIGNAL);
        if (n > 0) {
            c->pending_off += (size_t)n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return 0;
        } else {
            return -1;
        }
    }
    free(c->pending);
    c->pending = NULL;
    watch(epfd, c, EPOLLIN);
    return 0;
}

static void accept_all(int epfd, int listener) {
    for (;;) {
        int fd = accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) perror("echo_server: accept");
            return;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct conn *c = calloc(1, sizeof *c);
        if (!c) {
            close(fd);
            continue;
        }
        c->fd = fd;
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
        if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
            close(fd);
            free(c);
        }
    }
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: echo_server port\n");
        return 2;
    }
    char *end;
    long port = strtol(argv[1], &end, 10);
    if (*end != '\0' || end == argv[1] || port < 0 || port > 65535) {
        fprintf(stderr, "echo_server: port must be 0..65535, got '%s'\n", argv[1]);
        return 2;
    }

    /* SIGTERM and SIGINT arrive as readable data on a signalfd in the same epoll set. */
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    sigprocmask(SIG_BLOCK, &signals, NULL);
    int sigfd = signalfd(-1, &signals, SFD_NONBLOCK | SFD_CLOEXEC);

    int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t addr_len = sizeof addr;
    if (listener < 0 || bind(listener, (struct sockaddr *)&addr, sizeof addr) < 0 ||
        listen(listener, SOMAXCONN) < 0 ||
        getsockname(listener, (struct sockaddr *)&addr, &addr_len) < 0) {
        fprintf(stderr, "echo_server: cannot listen on 127.0.0.1:%ld: %s\n", port,
                strerror(errno));
        return 1;
    }

    int epfd = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &listener_tag};
    if (sigfd < 0 || epfd < 0 || epoll_ctl(epfd, EPOLL_CTL_ADD, listener, &ev) < 0) {
        perror("echo_server: setup");
        return 1;
    }
    ev.data.ptr = &signal_tag;
    epoll_ctl(epfd, EPOLL_CTL_ADD, sigfd, &ev);
    ev.data.ptr = &stdin_tag;
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, STDIN_FILENO, &ev) < 0 && errno != EPERM) {
        perror("echo_server: watching stdin");
        return 1;
    }

    printf("{\"port\": %d}\n", ntohs(addr.sin_port));
    fflush(stdout);

    static char buffer[BUFFER_SIZE];
    struct epoll_event events[MAX_EVENTS];
    for (;;) {
        int ready = epoll_wait(epfd, events, MAX_EVENTS, -1);
        if (ready < 0) {
            if (errno == EINTR) continue;
            perror("echo_server: epoll_wait");
            return 1;
        }
        for (int e = 0; e < ready; e++) {
            void *tag = events[e].data.ptr;
            if (tag == &listener_tag) {
                accept_all(epfd, listener);
            } else if (tag == &signal_tag) {
                return 0;
            } else if (tag == &stdin_tag) {
                ssize_t n = read(STDIN_FILENO, buffer, sizeof buffer);
                if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return 0;
            } else {
                struct conn *c = tag;
                if (c->pending) {
                    if (flush_pending(epfd, c) < 0) close_conn(epfd, c);
                    continue;
                }
                ssize_t n = recv(c->fd, buffer, sizeof buffer, 0);
                if (n > 0) {
                    if (write_or_keep(epfd, c, buffer, (size_t)n) < 0) close_conn(epfd, c);
                } else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
                    close_conn(epfd, c);
                }
            }
        }
    }
}
