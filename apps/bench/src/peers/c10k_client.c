/*
 * The C10k client for `pnpm bench streams`: holds N idle connections open against one server,
 * so the benchmark can read what they cost the server in memory, then checks that the server
 * still serves every one of them.
 *
 * usage: c10k_client host port connections in_flight timeout_ms
 *
 * 1. Opens `connections` TCP connections with non-blocking connect() and epoll, at most
 *    `in_flight` handshakes pending at a time (so the server's accept queue is not flooded),
 *    then prints one JSON line: {"connected": C, "errors": E}.
 * 2. Waits for a line on stdin (the benchmark reads the server's memory meanwhile; EOF also
 *    goes on).
 * 3. Sends one 16-byte request on every connection and reads back its 16-byte reply, then prints
 *    {"connected": C, "served": S, "errors": E} and exits. A connection that fails, or that has
 *    no full reply within timeout_ms, counts as an error.
 *
 * Each phase gives up after timeout_ms, so the client always ends by itself. Exits 2 on bad
 * arguments, 1 if the address cannot be resolved.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define REQUEST_SIZE 16

enum state { IDLE, CONNECTING, CONNECTED, WAITING, SERVED, FAILED };

struct conn {
    int fd;
    enum state state;
    int received;
};

static long parse_long(const char *text, const char *name, long min) {
    char *end;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (errno != 0 || *end != '\0' || end == text || value < min) {
        fprintf(stderr, "c10k_client: %s must be an integer >= %ld, got '%s'\n", name, min, text);
        exit(2);
    }
    return value;
}

static long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void fail(int epfd, struct conn *c, long *errors) {
    if (c->fd >= 0) {
        epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
    }
    c->fd = -1;
    c->state = FAILED;
    (*errors)++;
}

int main(int argc, char **argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: c10k_client host port connections in_flight timeout_ms\n");
        return 2;
    }
    const char *host = argv[1];
    const char *port = argv[2];
    long n = parse_long(argv[3], "connections", 1);
    long in_flight_max = parse_long(argv[4], "in_flight", 1);
    long timeout_ms = parse_long(argv[5], "timeout_ms", 1);

    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM};
    struct addrinfo *addr;
    int rc = getaddrinfo(host, port, &hints, &addr);
    if (rc != 0) {
        fprintf(stderr, "c10k_client: cannot resolve %s:%s: %s\n", host, port, gai_strerror(rc));
        return 1;
    }

    struct conn *conns = calloc((size_t)n, sizeof *conns);
    struct epoll_event *events = calloc(1024, sizeof *events);
    int epfd = epoll_create1(EPOLL_CLOEXEC);
    if (!conns || !events || epfd < 0) {
        perror("c10k_client: setup");
        return 1;
    }
    for (long i = 0; i < n; i++) conns[i].fd = -1;

    /* 1. connect, at most in_flight handshakes at a time */
    long next = 0, in_flight = 0, connected = 0, errors = 0;
    long deadline = now_ms() + timeout_ms;
    int first_errno = 0;
    while ((next < n || in_flight > 0) && now_ms() < deadline) {
        while (next < n && in_flight < in_flight_max) {
            struct conn *c = &conns[next++];
            c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            if (c->fd < 0) {
                if (!first_errno) first_errno = errno;
                fail(epfd, c, &errors);
                continue;
            }
            if (connect(c->fd, addr->ai_addr, addr->ai_addrlen) == 0) {
                c->state = CONNECTED;
                connected++;
                continue;
            }
            if (errno != EINPROGRESS) {
                if (!first_errno) first_errno = errno;
                fail(epfd, c, &errors);
                continue;
            }
            struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = c};
            epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev);
            c->state = CONNECTING;
            in_flight++;
        }
        int ready = epoll_wait(epfd, events, 1024, 100);
        for (int i = 0; i < ready; i++) {
            struct conn *c = events[i].data.ptr;
            int err = 0;
            socklen_t len = sizeof err;
            getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
            in_flight--;
            if (err != 0) {
                if (!first_errno) first_errno = err;
                fail(epfd, c, &errors);
                continue;
            }
            /* Idle from now on: out of the epoll set until the requests go out. */
            epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
            c->state = CONNECTED;
            connected++;
        }
    }
    for (long i = 0; i < n; i++) {
        if (conns[i].state == CONNECTING || conns[i].state == IDLE) {
            if (!first_errno) first_errno = ETIMEDOUT;
            fail(epfd, &conns[i], &errors);
        }
    }
    if (first_errno) fprintf(stderr, "c10k_client: first connect error: %s\n", strerror(first_errno));
    printf("{\"connected\": %ld, \"errors\": %ld}\n", connected, errors);
    fflush(stdout);

    /* 2. hold them idle until told to go on */
    char line[64];
    if (!fgets(line, sizeof line, stdin)) { /* EOF: go on all the same */
    }

    /* 3. one request on every connection, and its reply */
    char request[REQUEST_SIZE];
    memset(request, 'x', sizeof request);
    long waiting = 0, served = 0;
    for (long i = 0; i < n; i++) {
        struct conn *c = &conns[i];
        if (c->state != CONNECTED) continue;
        /* 16 bytes always fit an empty socket buffer: a short write is an error here. */
        if (send(c->fd, request, sizeof request, MSG_NOSIGNAL) != (ssize_t)sizeof request) {
            fail(epfd, c, &errors);
            continue;
        }
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
        epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev);
        c->state = WAITING;
        waiting++;
    }
    deadline = now_ms() + timeout_ms;
    char buffer[4096];
    while (waiting > 0 && now_ms() < deadline) {
        int ready = epoll_wait(epfd, events, 1024, 100);
        for (int i = 0; i < ready; i++) {
            struct conn *c = events[i].data.ptr;
            ssize_t got = recv(c->fd, buffer, sizeof buffer, 0);
            if (got < 0 && (errno == EAGAIN || errno == EINTR)) continue;
            waiting--;
            if (got <= 0) {
                fail(epfd, c, &errors);
                continue;
            }
            c->received += (int)got;
            if (c->received < REQUEST_SIZE) {
                waiting++;
                continue;
            }
            epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
            c->state = SERVED;
            served++;
        }
    }
    for (long i = 0; i < n; i++)
        if (conns[i].state == WAITING) fail(epfd, &conns[i], &errors);
    printf("{\"connected\": %ld, \"served\": %ld, \"errors\": %ld}\n", connected, served, errors);
    fflush(stdout);
    for (long i = 0; i < n; i++)
        if (conns[i].fd >= 0) close(conns[i].fd);
    freeaddrinfo(addr);
    free(conns);
    free(events);
    return 0;
}
