/*
 * The idle keep-alive client for `pnpm bench http`: holds N HTTP/1.1 keep-alive connections open
 * against one server, each having made one request and read its response, so the benchmark can
 * read what an idle keep-alive connection costs the server in memory; then checks that the server
 * still serves every one of them on the same connection.
 *
 * usage: http_idle_client host port connections in_flight timeout_ms
 *
 * 1. Opens `connections` TCP connections with non-blocking connect() and epoll, at most
 *    `in_flight` of them not yet answered at a time (so the server's accept queue is not
 *    flooded). Each sends `GET / HTTP/1.1` (Host, nothing else) as soon as it is connected and
 *    reads the whole response: a 2xx status, then Content-Length bytes of body. Then it is left
 *    idle (out of the epoll set). Prints one JSON line:
 *      {"connected": C, "served": S, "errors": E, "firstError": "..."}
 * 2. Waits for a line on stdin (the benchmark reads the server's memory meanwhile; EOF also
 *    goes on).
 * 3. Sends a second request on every connection served in 1 and reads its response, then prints
 *    {"connected": C, "served": S, "errors": E, "firstError": "..."} (S and E of this phase
 *    alone) and exits. A connection the server closed while it was idle fails here.
 *
 * A connection that fails, answers anything but a 2xx response with a Content-Length, or has no
 * full response within timeout_ms of its phase, counts as an error; `firstError` says what the
 * first one was (empty when none). Each phase gives up after timeout_ms, so the client always ends
 * by itself. Exits 2 on bad arguments, 1 if the address cannot be resolved.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* A response this client takes: status line, a few headers, a short body. */
#define RESPONSE_MAX 2048

enum state { IDLE, CONNECTING, WAITING, SERVED, FAILED };

struct conn {
    int fd;
    enum state state;
    int received;
    char *buffer;
};

static char first_error[160];
static long errors;

static long parse_long(const char *text, const char *name, long min) {
    char *end;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (errno != 0 || *end != '\0' || end == text || value < min) {
        fprintf(stderr, "http_idle_client: %s must be an integer >= %ld, got '%s'\n", name, min,
                text);
        exit(2);
    }
    return value;
}

static long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void fail(int epfd, struct conn *c, const char *why) {
    if (!first_error[0]) snprintf(first_error, sizeof first_error, "%s", why);
    if (c->fd >= 0) {
        epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
    }
    c->fd = -1;
    c->state = FAILED;
    errors++;
}

/*
 * Whether the bytes received so far hold a whole response: 1 yes, 0 not yet, -1 not one this
 * client takes (why in `why`).
 */
static int response_complete(struct conn *c, const char **why) {
    c->buffer[c->received] = '\0';
    char *end = strstr(c->buffer, "\r\n\r\n");
    if (!end) {
        if (c->received >= RESPONSE_MAX - 1) {
            *why = "response headers longer than 2 KiB";
            return -1;
        }
        return 0;
    }
    if (strncmp(c->buffer, "HTTP/1.", 7) != 0 || c->received < 12 || c->buffer[9] != '2') {
        *why = "not a 2xx HTTP response";
        return -1;
    }
    long length = -1;
    for (char *line = strstr(c->buffer, "\r\n"); line && line < end; line = strstr(line + 2, "\r\n")) {
        if (strncasecmp(line + 2, "Content-Length:", 15) == 0) length = strtol(line + 17, NULL, 10);
    }
    if (length < 0) {
        *why = "response without Content-Length";
        return -1;
    }
    long total = (end + 4 - c->buffer) + length;
    if (total > RESPONSE_MAX - 1) {
        *why = "response longer than 2 KiB";
        return -1;
    }
    if (c->received > total) {
        *why = "more bytes than the response's Content-Length";
        return -1;
    }
    return c->received == total;
}

static int send_request(struct conn *c, const char *request, size_t length) {
    c->received = 0;
    /* A few dozen bytes always fit an empty socket buffer: a short write is an error here. */
    return send(c->fd, request, length, MSG_NOSIGNAL) == (ssize_t)length;
}

/* Reads what `c` has; returns 1 when its response is whole, 0 to wait, -1 after fail(). */
static int on_readable(int epfd, struct conn *c) {
    for (;;) {
        ssize_t got = recv(c->fd, c->buffer + c->received, RESPONSE_MAX - 1 - c->received, 0);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0 && errno == EAGAIN) return 0;
        if (got < 0) {
            char why[120];
            snprintf(why, sizeof why, "recv: %s", strerror(errno));
            fail(epfd, c, why);
            return -1;
        }
        if (got == 0) {
            fail(epfd, c, "closed by the server before a whole response");
            return -1;
        }
        c->received += (int)got;
        const char *why = NULL;
        int done = response_complete(c, &why);
        if (done < 0) {
            fail(epfd, c, why);
            return -1;
        }
        if (done) return 1;
        if (c->received >= RESPONSE_MAX - 1) {
            fail(epfd, c, "response longer than 2 KiB");
            return -1;
        }
    }
}

static void print_line(long connected, long served) {
    /* first_error holds no quote or backslash: every message above is plain text. */
    printf("{\"connected\": %ld, \"served\": %ld, \"errors\": %ld, \"firstError\": \"%s\"}\n",
           connected, served, errors, first_error);
    fflush(stdout);
}

int main(int argc, char **argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: http_idle_client host port connections in_flight timeout_ms\n");
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
        fprintf(stderr, "http_idle_client: cannot resolve %s:%s: %s\n", host, port,
                gai_strerror(rc));
        return 1;
    }
    char request[256];
    int request_length =
        snprintf(request, sizeof request, "GET / HTTP/1.1\r\nHost: %s:%s\r\n\r\n", host, port);

    struct conn *conns = calloc((size_t)n, sizeof *conns);
    char *buffers = malloc((size_t)n * RESPONSE_MAX);
    struct epoll_event *events = calloc(1024, sizeof *events);
    int epfd = epoll_create1(EPOLL_CLOEXEC);
    if (!conns || !buffers || !events || epfd < 0) {
        perror("http_idle_client: setup");
        return 1;
    }
    for (long i = 0; i < n; i++) {
        conns[i].fd = -1;
        conns[i].buffer = buffers + i * RESPONSE_MAX;
    }

    /* 1. connect and make one request each, at most in_flight unanswered at a time */
    long next = 0, in_flight = 0, connected = 0, served = 0;
    long deadline = now_ms() + timeout_ms;
    while ((next < n || in_flight > 0) && now_ms() < deadline) {
        while (next < n && in_flight < in_flight_max) {
            struct conn *c = &conns[next++];
            c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            if (c->fd < 0) {
                char why[120];
                snprintf(why, sizeof why, "socket: %s", strerror(errno));
                fail(epfd, c, why);
                continue;
            }
            int one = 1;
            setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            if (connect(c->fd, addr->ai_addr, addr->ai_addrlen) != 0 && errno != EINPROGRESS) {
                char why[120];
                snprintf(why, sizeof why, "connect: %s", strerror(errno));
                fail(epfd, c, why);
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
            if (c->state == CONNECTING) {
                int err = 0;
                socklen_t len = sizeof err;
                getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
                if (err != 0) {
                    char why[120];
                    snprintf(why, sizeof why, "connect: %s", strerror(err));
                    in_flight--;
                    fail(epfd, c, why);
                    continue;
                }
                connected++;
                if (!send_request(c, request, (size_t)request_length)) {
                    in_flight--;
                    fail(epfd, c, "send of the first request failed");
                    continue;
                }
                struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
                epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
                c->state = WAITING;
            } else if (c->state == WAITING) {
                int done = on_readable(epfd, c);
                if (done == 0) continue;
                in_flight--;
                if (done < 0) continue;
                /* Idle from now on: out of the epoll set until the second requests go out. */
                epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
                c->state = SERVED;
                served++;
            }
        }
    }
    for (long i = 0; i < n; i++) {
        if (conns[i].state == CONNECTING || conns[i].state == WAITING || conns[i].state == IDLE)
            fail(epfd, &conns[i], "no whole first response in time");
    }
    print_line(connected, served);

    /* 2. hold them idle until told to go on */
    char line[64];
    if (!fgets(line, sizeof line, stdin)) { /* EOF: go on all the same */
    }

    /* 3. a second request on every connection, on the same connection (errors counted anew) */
    long waiting = 0;
    served = 0;
    errors = 0;
    first_error[0] = '\0';
    for (long i = 0; i < n; i++) {
        struct conn *c = &conns[i];
        if (c->state != SERVED) continue;
        if (!send_request(c, request, (size_t)request_length)) {
            fail(epfd, c, "send of the second request failed (closed while idle?)");
            continue;
        }
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
        epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev);
        c->state = WAITING;
        waiting++;
    }
    deadline = now_ms() + timeout_ms;
    while (waiting > 0 && now_ms() < deadline) {
        int ready = epoll_wait(epfd, events, 1024, 100);
        for (int i = 0; i < ready; i++) {
            struct conn *c = events[i].data.ptr;
            int done = on_readable(epfd, c);
            if (done == 0) continue;
            waiting--;
            if (done < 0) continue;
            epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
            c->state = SERVED;
            served++;
        }
    }
    for (long i = 0; i < n; i++)
        if (conns[i].state == WAITING) fail(epfd, &conns[i], "no whole second response in time");
    print_line(connected, served);
    for (long i = 0; i < n; i++)
        if (conns[i].fd >= 0) close(conns[i].fd);
    freeaddrinfo(addr);
    free(conns);
    free(buffers);
    free(events);
    return 0;
}
