/*
 * The TLS load client for `pnpm bench iostream`: one C process that drives every TLS line-echo
 * server the same way, so the servers are compared against each other and not against their own
 * clients. It is the harness, so it must cost less than any server it drives: one thread,
 * level-triggered epoll, non-blocking sockets with TCP_NODELAY, OpenSSL (the system's libssl)
 * on each fd, no allocation per request but OpenSSL's own.
 *
 * Even so, a handshake costs this client about three quarters of the CPU it costs the server
 * (OpenSSL 3.0's client decodes the server's certificate through its provider decoders, a quarter
 * of its time in a perf profile, and verifies its signature), so it leaves out what it can: the
 * measured connections carry no CA store (with one, OpenSSL checks the chain, an ECDSA
 * verification more, even under SSL_VERIFY_NONE; the first client checks it once), read ahead (a
 * record per read(), not a header then a body), and wait for an echo rather than try to read it
 * before it can be there. It reports its own CPU time, which the bench shows beside the server's.
 *
 * usage: tls_client echo|handshakes host port connections msg_size duration_ms warmup_ms cafile
 *
 * Each message is msg_size bytes ending with a newline (its only one), for servers that echo
 * line by line; its echo is read back and compared byte for byte.
 *
 * - echo: `connections` TLS connections, each sending a message and awaiting its echo before
 *   the next (echo_client.c's load, over TLS). A request is one round trip.
 * - handshakes: `connections` connections at a time, each opening a TCP connection, completing
 *   a full TLS handshake, sending one message, reading its echo, sending close_notify and
 *   closing; then the next. A request is one such connection. Every handshake is a full one: the
 *   client keeps no session (session cache off, no ticket asked for, no session ever set on a
 *   new connection), and counts any the server resumed anyway in `resumed`.
 *
 * Requests completed after the warm-up and before the end of the duration are counted. Prints
 * one JSON line:
 *   {"requests": N, "seconds": S, "requestsPerSec": R, "errors": E, "allRequests": A,
 *    "connections": C, "resumed": 0, "clientCpuSeconds": U, "protocol": "TLSv1.3",
 *    "cipher": "…", "firstError": …}
 * allRequests counts every request the server answered, the first client's and the warm-up's
 * too: the server's CPU time over the client's run, divided by it, is its CPU per request.
 * clientCpuSeconds is this process's user + system time over the measured seconds: with it
 * well under `seconds`, the client was waiting for the server, not the other way round. A
 * connection that fails mid-run counts as one error and is dropped; so does one whose request
 * (or handshake) the server leaves unanswered for 2 s: a server that loses a message must not
 * pass for a slow one. firstError says why the first one was dropped.
 * Exits 2 on bad arguments, 1 if it cannot connect or the server fails the first client.
 *
 * The first client, as echo_client.c's (see there for why): before the measured connections
 * open, one connection verifies the server's certificate against `cafile` for the host's name or
 * address, makes one round trip, sends close_notify and half-closes, and waits for the server to
 * close its end. It also tells which protocol version and cipher the server agreed to.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

enum state { HANDSHAKE, SEND, RECV };

/* A request (or handshake) unanswered this long counts as failed: the server lost it. */
#define STALL_SECONDS 2.0

struct conn {
    int fd; /* -1 once dropped */
    SSL *ssl;
    enum state state;
    size_t received;   /* bytes of the current echo read back so far */
    uint32_t interest; /* the epoll events registered: 0, EPOLLIN or EPOLLOUT */
    double started;    /* when the current request (or connection) began */
};

/* What every connection shares. */
struct run {
    SSL_CTX *ctx;       /* the measured connections' */
    SSL_CTX *first_ctx; /* the first client's: verifies the server's certificate */
    int epfd;
    const struct addrinfo *addr;
    int reconnect; /* handshakes: a new connection after each request */
    const char *message;
    char *buffer;
    size_t size;
    int measuring;
    double now; /* the loop's clock, read once per batch of events */
    long requests;
    long all_requests; /* the first client's and the warm-up's too */
    long errors;
    long alive;
    long resumed;
    char first_error[256];
};

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_seconds(void) {
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return (double)(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           (double)(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

static long parse_long(const char *text, const char *name, long min) {
    char *end;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (errno != 0 || *end != '\0' || end == text || value < min) {
        fprintf(stderr, "tls_client: %s must be an integer >= %ld, got '%s'\n", name, min, text);
        exit(2);
    }
    return value;
}

/* Why the last call failed: OpenSSL's first queued error, else errno's text. */
static void describe_failure(char *out, size_t size, const char *what) {
    unsigned long code = ERR_get_error();
    if (code != 0) {
        char reason[200];
        ERR_error_string_n(code, reason, sizeof reason);
        snprintf(out, size, "%s: %s", what, reason);
    } else {
        snprintf(out, size, "%s: %s", what, errno ? strerror(errno) : "connection closed");
    }
    ERR_clear_error();
}

/* A TCP socket to `addr`, non-blocking unless `blocking`, with TCP_NODELAY; -1 if it fails. */
static int open_socket(const struct addrinfo *addr, int blocking) {
    int fd = socket(addr->ai_family, addr->ai_socktype | (blocking ? 0 : SOCK_NONBLOCK),
                    addr->ai_protocol);
    if (fd < 0) return -1;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    /* Non-blocking, the connection completes later: the handshake's first write waits for it. */
    if (connect(fd, addr->ai_addr, addr->ai_addrlen) < 0 && errno != EINPROGRESS) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

/*
 * The first client (see the top of this file), on a blocking socket with 5 s timeouts. 0 when the
 * server passed, else -1 with `why` set. Fills `protocol` and `cipher`.
 */
static int first_client(struct run *run, const char *host, char *protocol, char *cipher,
                        char *why, size_t why_size) {
    int fd = open_socket(run->addr, 1);
    if (fd < 0) {
        snprintf(why, why_size, "cannot connect: %s", strerror(errno));
        return -1;
    }
    struct timeval timeout = {.tv_sec = 5};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    SSL *ssl = SSL_new(run->first_ctx);
    SSL_set_fd(ssl, fd);
    X509_VERIFY_PARAM *param = SSL_get0_param(ssl);
    if (X509_VERIFY_PARAM_set1_ip_asc(param, host) != 1) {
        ERR_clear_error();
        SSL_set_tlsext_host_name(ssl, host);
        SSL_set1_host(ssl, host);
    }
    int result = -1;
    size_t got = 0;
    errno = 0;
    if (SSL_connect(ssl) != 1) {
        long verify = SSL_get_verify_result(ssl);
        if (verify != X509_V_OK) {
            snprintf(why, why_size, "its certificate does not verify against the CA file: %s",
                     X509_verify_cert_error_string(verify));
        } else {
            describe_failure(why, why_size, "the TLS handshake failed");
        }
        goto done;
    }
    snprintf(protocol, 32, "%s", SSL_get_version(ssl));
    snprintf(cipher, 64, "%s", SSL_get_cipher_name(ssl));
    if (SSL_write(ssl, run->message, (int)run->size) != (int)run->size) {
        describe_failure(why, why_size, "cannot send its message");
        goto done;
    }
    while (got < run->size) {
        int n = SSL_read(ssl, run->buffer + got, (int)(run->size - got));
        if (n <= 0) break;
        got += (size_t)n;
    }
    if (got != run->size || memcmp(run->buffer, run->message, run->size) != 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            snprintf(why, why_size, "did not get its message echoed back within 5 s");
            ERR_clear_error();
        } else {
            describe_failure(why, why_size, "did not get its message echoed back");
        }
        goto done;
    }
    SSL_shutdown(ssl); /* close_notify */
    shutdown(fd, SHUT_WR);
    /* The server's close: its close_notify (0 from SSL_read), or EOF / a reset without it. */
    char drain[256];
    int n;
    while ((n = SSL_read(ssl, drain, sizeof drain)) > 0) {
    }
    int error = SSL_get_error(ssl, n);
    if (error == SSL_ERROR_ZERO_RETURN || error == SSL_ERROR_SYSCALL || error == SSL_ERROR_SSL) {
        result = 0;
    } else {
        snprintf(why, why_size, "did not close after the client's close_notify and EOF");
    }
done:
    ERR_clear_error();
    SSL_free(ssl);
    close(fd);
    return result;
}

static int wait_for(struct run *run, struct conn *c, uint32_t events) {
    if (c->interest == events) return 0;
    struct epoll_event ev = {.events = events, .data.ptr = c};
    c->interest = events;
    return epoll_ctl(run->epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Closes the connection; `clean` sends close_notify first (never waiting for the server's). */
static void close_conn(struct run *run, struct conn *c, int clean) {
    epoll_ctl(run->epfd, EPOLL_CTL_DEL, c->fd, NULL);
    if (clean) SSL_shutdown(c->ssl);
    ERR_clear_error();
    SSL_free(c->ssl);
    close(c->fd);
    c->ssl = NULL;
    c->fd = -1;
}

static int advance(struct run *run, struct conn *c);

/* Opens a connection in `c` and starts its handshake; -1 if it fails at once. */
static int open_conn(struct run *run, struct conn *c) {
    c->fd = open_socket(run->addr, 0);
    if (c->fd < 0) return -1;
    c->ssl = SSL_new(run->ctx);
    SSL_set_fd(c->ssl, c->fd);
    SSL_set_connect_state(c->ssl);
    c->state = HANDSHAKE;
    c->received = 0;
    c->interest = 0;
    c->started = run->now;
    struct epoll_event ev = {.events = 0, .data.ptr = c};
    if (epoll_ctl(run->epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0) return -1;
    return advance(run, c);
}

/*
 * Moves the connection on as far as it goes without waiting: handshake, send the message, read
 * its echo, then the next message (echo) or a new connection (handshakes). Leaves it waiting for
 * what OpenSSL wants; -1 on a failure.
 */
static int advance(struct run *run, struct conn *c) {
    for (;;) {
        int ret = 0;
        switch (c->state) {
        case HANDSHAKE:
            ret = SSL_do_handshake(c->ssl);
            if (ret == 1) {
                if (SSL_session_reused(c->ssl)) run->resumed++;
                c->state = SEND;
                continue;
            }
            break;
        case SEND:
            /* Whole writes (no partial-write mode): a retry after WANT_WRITE passes the same. */
            ret = SSL_write(c->ssl, run->message, (int)run->size);
            if (ret > 0) {
                c->state = RECV;
                c->received = 0;
                /* The echo cannot be here yet: wait for it rather than read for nothing. */
                if (!SSL_has_pending(c->ssl)) return wait_for(run, c, EPOLLIN);
                continue;
            }
            break;
        case RECV:
            /* Never read past the current echo. */
            ret = SSL_read(c->ssl, run->buffer + c->received, (int)(run->size - c->received));
            if (ret > 0) {
                c->received += (size_t)ret;
                if (c->received < run->size) continue;
                if (memcmp(run->buffer, run->message, run->size) != 0) {
                    snprintf(run->first_error, sizeof run->first_error,
                             "an echo differs from its message");
                    errno = 0;
                    return -1;
                }
                if (run->measuring) run->requests++;
                run->all_requests++;
                c->started = run->now;
                if (run->reconnect) {
                    close_conn(run, c, 1);
                    return open_conn(run, c);
                }
                c->state = SEND;
                continue;
            }
            break;
        }
        switch (SSL_get_error(c->ssl, ret)) {
        case SSL_ERROR_WANT_READ:
            return wait_for(run, c, EPOLLIN);
        case SSL_ERROR_WANT_WRITE:
            return wait_for(run, c, EPOLLOUT);
        default:
            return -1;
        }
    }
}

/* Drops a failed connection; `what` failed, and OpenSSL's error queue or errno says why. */
static void drop(struct run *run, struct conn *c, const char *what) {
    if (run->first_error[0] == '\0') {
        describe_failure(run->first_error, sizeof run->first_error, what);
    }
    if (c->fd >= 0) close_conn(run, c, 0);
    run->errors++;
    run->alive--;
}

/* `text` with `"` and `\` escaped, for the JSON line (OpenSSL's messages carry neither, mostly). */
static void print_json_string(const char *text) {
    putchar('"');
    for (; *text; text++) {
        if (*text == '"' || *text == '\\') putchar('\\');
        putchar(*text);
    }
    putchar('"');
}

int main(int argc, char **argv) {
    if (argc != 9 || (strcmp(argv[1], "echo") != 0 && strcmp(argv[1], "handshakes") != 0)) {
        fprintf(stderr, "usage: tls_client echo|handshakes host port connections msg_size "
                        "duration_ms warmup_ms cafile\n");
        return 2;
    }
    const char *host = argv[2];
    const char *port = argv[3];
    parse_long(port, "port", 1);
    long connections = parse_long(argv[4], "connections", 1);
    size_t size = (size_t)parse_long(argv[5], "msg_size", 1);
    long duration_ms = parse_long(argv[6], "duration_ms", 1);
    long warmup_ms = parse_long(argv[7], "warmup_ms", 0);
    const char *cafile = argv[8];

    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *addrs;
    int gai = getaddrinfo(host, port, &hints, &addrs);
    if (gai != 0) {
        fprintf(stderr, "tls_client: cannot resolve %s:%s: %s\n", host, port, gai_strerror(gai));
        return 1;
    }

    /*
     * No session kept, none resumed: every handshake is a full one. Read-ahead: a record in one
     * read(), not its header then its body. No CA store on the measured connections: OpenSSL
     * builds and checks the server's chain even when it is told not to care about the result,
     * and a store would make that an ECDSA verification per handshake on the client's side.
     */
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX *first_ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx || !first_ctx) {
        fprintf(stderr, "tls_client: SSL_CTX_new failed\n");
        return 1;
    }
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_read_ahead(ctx, 1);
    SSL_CTX_set_verify(first_ctx, SSL_VERIFY_PEER, NULL);
    if (SSL_CTX_load_verify_locations(first_ctx, cafile, NULL) != 1) {
        fprintf(stderr, "tls_client: cannot load the CA file %s\n", cafile);
        return 1;
    }

    /* Everything else allocated once, up front. */
    struct run run = {
        .ctx = ctx,
        .first_ctx = first_ctx,
        .addr = addrs,
        .reconnect = strcmp(argv[1], "handshakes") == 0,
        .size = size,
        .alive = connections,
    };
    char *message = malloc(size);
    run.buffer = malloc(size);
    struct conn *conns = calloc((size_t)connections, sizeof *conns);
    struct epoll_event *events = calloc((size_t)connections, sizeof *events);
    run.epfd = epoll_create1(EPOLL_CLOEXEC);
    if (!message || !run.buffer || !conns || !events || run.epfd < 0) {
        perror("tls_client: setup");
        return 1;
    }
    for (size_t i = 0; i < size; i++) message[i] = (char)('a' + i % 26);
    message[size - 1] = '\n';
    run.message = message;

    char protocol[32] = "", cipher[64] = "", why[300];
    if (first_client(&run, host, protocol, cipher, why, sizeof why) < 0) {
        fprintf(stderr, "tls_client: the server on %s:%s failed the first client: %s\n", host,
                port, why);
        return 1;
    }
    run.all_requests = 1;

    run.now = now_seconds();
    for (long i = 0; i < connections; i++) {
        if (open_conn(&run, &conns[i]) < 0) drop(&run, &conns[i], "cannot connect");
    }

    const double start = run.now;
    const double warm_until = start + (double)warmup_ms / 1000;
    const double stop_at = warm_until + (double)duration_ms / 1000;
    double measure_start = 0, measure_end = 0, cpu_start = 0, cpu_end = 0;
    double next_stall_check = start;

    for (;;) {
        /* The clock is read once per batch of events: cheap, and precise to one epoll_wait. */
        double now = run.now = now_seconds();
        if (!run.measuring && now >= warm_until) {
            run.measuring = 1;
            measure_start = now;
            cpu_start = cpu_seconds();
        }
        if (now >= stop_at || run.alive == 0) {
            measure_end = now;
            cpu_end = cpu_seconds();
            break;
        }
        /* A request the server has not answered in STALL_SECONDS will not be: drop it. */
        if (now >= next_stall_check) {
            next_stall_check = now + 0.1;
            for (long i = 0; i < connections; i++) {
                if (conns[i].fd >= 0 && now - conns[i].started > STALL_SECONDS) {
                    if (run.first_error[0] == '\0') {
                        snprintf(run.first_error, sizeof run.first_error,
                                 "a %s got no answer from the server for %.0f s",
                                 conns[i].state == HANDSHAKE ? "handshake" : "message",
                                 STALL_SECONDS);
                    }
                    drop(&run, &conns[i], NULL);
                }
            }
        }
        double wake = run.measuring ? stop_at : warm_until;
        if (wake > next_stall_check) wake = next_stall_check;
        int timeout_ms = (int)((wake - now) * 1000) + 1;
        int ready = epoll_wait(run.epfd, events, (int)connections, timeout_ms);
        if (ready < 0) {
            if (errno == EINTR) continue;
            perror("tls_client: epoll_wait");
            return 1;
        }
        for (int e = 0; e < ready; e++) {
            struct conn *c = events[e].data.ptr;
            if (c->fd < 0) continue;
            errno = 0;
            if (advance(&run, c) < 0) {
                drop(&run, c, run.reconnect ? "a connection failed" : "an echo failed");
            }
        }
    }

    double seconds = run.measuring ? measure_end - measure_start : 0;
    printf("{\"requests\": %ld, \"seconds\": %.6f, \"requestsPerSec\": %.1f, \"errors\": %ld, "
           "\"allRequests\": %ld, \"connections\": %ld, \"resumed\": %ld, "
           "\"clientCpuSeconds\": %.6f, \"protocol\": ",
           run.requests, seconds, seconds > 0 ? (double)run.requests / seconds : 0.0, run.errors,
           run.all_requests, connections, run.resumed, run.measuring ? cpu_end - cpu_start : 0.0);
    print_json_string(protocol);
    printf(", \"cipher\": ");
    print_json_string(cipher);
    printf(", \"firstError\": ");
    if (run.first_error[0]) {
        print_json_string(run.first_error);
    } else {
        printf("null");
    }
    printf("}\n");
    fflush(stdout);
    return 0;
}
