/*
 * The load client for `pnpm bench loop`: one fast C process that drives every echo server the
 * same way, so the servers are compared against each other and not against their own clients.
 * It is the harness, so it must cost less per round trip than any server it drives: one thread,
 * level-triggered epoll, non-blocking sockets with TCP_NODELAY, no allocation per request, and
 * one receive buffer big enough to take a whole message in one read.
 *
 * usage: echo_client host port connections msg_size duration_ms warmup_ms [lines]
 *
 * With `lines`, each message ends with a newline (its only one), for servers that echo line by
 * line (`pnpm bench iostream`: readUntil('\n') and its peers).
 *
 * Each connection sends a msg_size-byte message, reads back exactly msg_size bytes (partial
 * reads and writes are carried over), then sends the next. Round trips completed after the
 * warm-up and before the end of the duration are counted. Prints one JSON line:
 *   {"requests": N, "seconds": S, "requestsPerSec": R, "errors": E, "connections": C}
 * A connection that fails mid-run counts as one error and is dropped.
 * Exits 2 on bad arguments, 1 if it cannot connect or the server fails the first client.
 *
 * The first client. Before the measured connections open, one connection makes one round trip,
 * half-closes, and waits for the server to close its end: every server is measured as one that
 * has already seen a client come and go, which any server in service has. Without it, a freshly
 * started CPython asyncio server (Protocol or streams) stays 5-7x slower for as long as none of
 * its connections has closed, and a benchmark that starts a server per round measures only that.
 * asyncio's transports read with recv(256 KiB): CPython allocates the 256 KiB first and shrinks
 * it to what arrived, and a fresh process's glibc malloc serves anything over its mmap threshold
 * (128 KiB at start) with mmap, so every read is mmap, recvfrom, mremap and munmap on fresh
 * zeroed pages (python/cpython#85451). glibc raises the threshold the first time it frees such a
 * chunk whole, which asyncio does at the first recv that finds EOF or EAGAIN; the measured
 * connections never find either (epoll reports them readable only when data is there), and
 * warmup_ms, spent on those same connections, does not help. Figures, and the other causes that
 * were ruled out, are in the docstring of src/peers/echo_asyncio.py.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

struct conn {
    int fd;
    size_t sent;     /* bytes of the current message written so far */
    size_t received; /* bytes of its echo read back so far */
    int want_out;    /* EPOLLOUT registered: a write is pending */
};

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long parse_long(const char *text, const char *name, long min) {
    char *end;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (errno != 0 || *end != '\0' || end == text || value < min) {
        fprintf(stderr, "echo_client: %s must be an integer >= %ld, got '%s'\n", name, min, text);
        exit(2);
    }
    return value;
}

static int connect_to(const struct addrinfo *addr) {
    int fd = socket(addr->ai_family, addr->ai_socktype, addr->ai_protocol);
    if (fd < 0) return -1;
    if (connect(fd, addr->ai_addr, addr->ai_addrlen) < 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    return fd;
}

/* Reads exactly `size` bytes, or until EOF when `size` is 0; the bytes read, or -1 on error. */
static ssize_t recv_all(int fd, char *buffer, size_t capacity, size_t size) {
    size_t got = 0;
    for (;;) {
        size_t want = size ? size - got : capacity;
        if (size && want == 0) return (ssize_t)got;
        ssize_t n = recv(fd, buffer + (size ? got : 0), want, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return -1;
        if (n == 0) return size ? -1 : (ssize_t)got;
        got += (size_t)n;
    }
}

/*
 * The first client (see the top of this file): one round trip, a half-close, and the server's
 * close awaited, on a blocking socket with 5 s timeouts. 0 when the server passed, else -1 with
 * `why` set.
 */
static int first_client(const struct addrinfo *addrs, const char *message, char *buffer,
                        size_t capacity, size_t size, const char **why) {
    int fd = -1;
    for (const struct addrinfo *addr = addrs; addr && fd < 0; addr = addr->ai_next)
        fd = connect_to(addr);
    if (fd < 0) {
        *why = "cannot connect";
        return -1;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    struct timeval timeout = {.tv_sec = 5};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    errno = 0;
    int result = -1;
    if (send(fd, message, size, MSG_NOSIGNAL) != (ssize_t)size) {
        *why = "cannot send its message";
    } else if (recv_all(fd, buffer, capacity, size) < 0 || memcmp(buffer, message, size) != 0) {
        *why = "did not get its message echoed back";
    } else if (shutdown(fd, SHUT_WR) < 0 || recv_all(fd, buffer, capacity, 0) != 0) {
        *why = "did not close after the client's EOF";
    } else {
        result = 0;
    }
    close(fd);
    return result;
}

static void set_interest(int epfd, struct conn *c, int want_out) {
    if (c->want_out == want_out) return;
    struct epoll_event ev = {.events = EPOLLIN | (want_out ? EPOLLOUT : 0), .data.ptr = c};
    epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
    c->want_out = want_out;
}

static void drop(int epfd, struct conn *c, long *errors, long *alive) {
    epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    c->fd = -1;
    (*errors)++;
    (*alive)--;
}

/* Writes what is left of the current message; 0 when fine (done or pending), -1 on error. */
static int send_rest(int epfd, struct conn *c, const char *message, size_t size) {
    while (c->sent < size) {
        ssize_t n = send(c->fd, message + c->sent, size - c->sent, MSG_NOSIGNAL);
        if (n > 0) {
            c->sent += (size_t)n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            set_interest(epfd, c, 1);
            return 0;
        } else {
            return -1;
        }
    }
    set_interest(epfd, c, 0);
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 7 && !(argc == 8 && strcmp(argv[7], "lines") == 0)) {
        fprintf(stderr,
                "usage: echo_client host port connections msg_size duration_ms warmup_ms [lines]\n");
        return 2;
    }
    const int lines = argc == 8;
    const char *host = argv[1];
    const char *port = argv[2];
    parse_long(port, "port", 1);
    long connections = parse_long(argv[3], "connections", 1);
    size_t size = (size_t)parse_long(argv[4], "msg_size", 1);
    long duration_ms = parse_long(argv[5], "duration_ms", 1);
    long warmup_ms = parse_long(argv[6], "warmup_ms", 0);

    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *addrs;
    int gai = getaddrinfo(host, port, &hints, &addrs);
    if (gai != 0) {
        fprintf(stderr, "echo_client: cannot resolve %s:%s: %s\n", host, port, gai_strerror(gai));
        return 1;
    }

    /* Everything allocated once, up front. */
    size_t buffer_size = size > 65536 ? size : 65536;
    char *message = malloc(size);
    char *buffer = malloc(buffer_size);
    struct conn *conns = calloc((size_t)connections, sizeof *conns);
    struct epoll_event *events = calloc((size_t)connections, sizeof *events);
    int epfd = epoll_create1(EPOLL_CLOEXEC);
    if (!message || !buffer || !conns || !events || epfd < 0) {
        perror("echo_client: setup");
        return 1;
    }
    for (size_t i = 0; i < size; i++) message[i] = (char)('a' + i % 26);
    if (lines) message[size - 1] = '\n';

    const char *why;
    if (first_client(addrs, message, buffer, buffer_size, size, &why) < 0) {
        fprintf(stderr, "echo_client: the server on %s:%s failed the first client: %s (%s)\n", host,
                port, why, errno ? strerror(errno) : "no error");
        return 1;
    }

    for (long i = 0; i < connections; i++) {
        const struct addrinfo *addr;
        int fd = -1;
        for (addr = addrs; addr && fd < 0; addr = addr->ai_next) fd = connect_to(addr);
        if (fd < 0) {
            fprintf(stderr, "echo_client: cannot connect to %s:%s (connection %ld of %ld): %s\n",
                    host, port, i + 1, connections, strerror(errno));
            return 1;
        }
        conns[i].fd = fd;
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &conns[i]};
        if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
            perror("echo_client: epoll_ctl");
            return 1;
        }
    }
    freeaddrinfo(addrs);

    long errors = 0;
    long alive = connections;
    long requests = 0;
    const double start = now_seconds();
    const double warm_until = start + (double)warmup_ms / 1000;
    const double stop_at = warm_until + (double)duration_ms / 1000;
    double measure_start = 0;
    double measure_end = 0;
    int measuring = 0;

    for (long i = 0; i < connections; i++) {
        if (send_rest(epfd, &conns[i], message, size) < 0) drop(epfd, &conns[i], &errors, &alive);
    }

    for (;;) {
        /* The clock is read once per batch of events: cheap, and precise to one epoll_wait. */
        double now = now_seconds();
        if (!measuring && now >= warm_until) {
            measuring = 1;
            measure_start = now;
        }
        if (now >= stop_at || alive == 0) {
            measure_end = now;
            break;
        }
        double wake = measuring ? stop_at : warm_until;
        int timeout_ms = (int)((wake - now) * 1000) + 1;
        int ready = epoll_wait(epfd, events, (int)connections, timeout_ms);
        if (ready < 0) {
            if (errno == EINTR) continue;
            perror("echo_client: epoll_wait");
            return 1;
        }
        for (int e = 0; e < ready; e++) {
            struct conn *c = events[e].data.ptr;
            if (c->fd < 0) continue;
            uint32_t flags = events[e].events;
            if (flags & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
                /* Never read past the current echo: the next message starts a new count. */
                ssize_t n = recv(c->fd, buffer, size - c->received, 0);
                if (n > 0) {
                    c->received += (size_t)n;
                } else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
                    drop(epfd, c, &errors, &alive);
                    continue;
                }
            }
            if ((flags & EPOLLOUT) && c->sent < size) {
                if (send_rest(epfd, c, message, size) < 0) {
                    drop(epfd, c, &errors, &alive);
                    continue;
                }
            }
            if (c->received == size && c->sent == size) {
                if (measuring) requests++;
                c->sent = 0;
                c->received = 0;
                if (send_rest(epfd, c, message, size) < 0) drop(epfd, c, &errors, &alive);
            }
        }
    }

    double seconds = measuring ? measure_end - measure_start : 0;
    printf("{\"requests\": %ld, \"seconds\": %.6f, \"requestsPerSec\": %.1f, \"errors\": %ld, "
           "\"connections\": %ld}\n",
           requests, seconds, seconds > 0 ? (double)requests / seconds : 0.0, errors, connections);
    fflush(stdout);
    return 0;
}
