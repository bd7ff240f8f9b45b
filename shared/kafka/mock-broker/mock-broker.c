/*
 * mock-broker: a Kafka wire-protocol broker for tests and benchmarks, built on librdkafka's mock cluster
 * (rdkafka_mock.h). It is not Kafka: no durability, no CreateTopics, no idempotent producer (see README.md).
 *
 * Usage:  mock-broker <brokers> [topic:partitions ...]
 *
 * Protocol (line based, so any test runner can drive it through a pipe):
 *   stdout line 1            the bootstrap list, "127.0.0.1:PORT,127.0.0.1:PORT,..."
 *   stdin, one per line      down <brokerId> | up <brokerId> | create <topic> <partitions>
 *                            | error <apiKey> <errorCode> [count]   (the next `count` requests of that API fail)
 *   stdout, one per command  "ok" or "error <reason>", in command order
 *
 * Invariant: the broker lives exactly as long as whoever holds its stdin. It exits (status 0) when stdin closes,
 * which is what happens when the test runner exits or crashes, and on SIGTERM/SIGINT/SIGHUP; so no test leaves a
 * broker behind.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#define LINE_MAX_BYTES 4096

static rd_kafka_mock_cluster_t *mcluster;
static int broker_count;
/* Self-pipe: the signal handler writes a byte, the main loop polls the read end next to stdin. */
static int signal_pipe[2] = {-1, -1};

static void on_signal(int sig) {
        int saved = errno;
        unsigned char b = (unsigned char)sig;
        if (write(signal_pipe[1], &b, 1) < 0) { /* nothing useful to do in a handler */
        }
        errno = saved;
}

/* Strict decimal parse into [min, max]; returns 0 on success. */
static int parse_long(const char *text, long min, long max, long *out) {
        char *end;
        long v;
        if (!text || !*text) return -1;
        errno = 0;
        v     = strtol(text, &end, 10);
        if (errno || *end || v < min || v > max) return -1;
        *out = v;
        return 0;
}

/* Every reply is flushed at once: the driver waits for it. A failed write means the driver is gone: exit. */
static void reply(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void reply(const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        putchar('\n');
        if (fflush(stdout) != 0) exit(0);
}

static void reply_err(rd_kafka_resp_err_t err) {
        if (err) reply("error %s: %s", rd_kafka_err2name(err), rd_kafka_err2str(err));
        else reply("ok");
}

static int create_topic(const char *name, long partitions) {
        /* Replication is bookkeeping only in the mock (set_down never moves leaders); keep it plausible. */
        int replication = broker_count < 3 ? broker_count : 3;
        return rd_kafka_mock_topic_create(mcluster, name, (int)partitions, replication);
}

static void handle_command(char *line) {
        char *save = NULL;
        char *cmd  = strtok_r(line, " \t\r", &save);
        char *a1   = strtok_r(NULL, " \t\r", &save);
        char *a2   = strtok_r(NULL, " \t\r", &save);
        char *a3   = strtok_r(NULL, " \t\r", &save);
        char *rest = strtok_r(NULL, " \t\r", &save);
        long id, n, code, count = 1;

        if (!cmd) return; /* blank line: no reply, so that replies stay paired with commands */

        if ((!strcmp(cmd, "down") || !strcmp(cmd, "up")) && !a2) {
                if (parse_long(a1, 1, broker_count, &id)) {
                        reply("error broker id must be 1..%d", broker_count);
                        return;
                }
                reply_err(!strcmp(cmd, "down") ? rd_kafka_mock_broker_set_down(mcluster, (int32_t)id)
                                               : rd_kafka_mock_broker_set_up(mcluster, (int32_t)id));
        } else if (!strcmp(cmd, "create") && a1 && !a3) {
                if (parse_long(a2, 1, 100000, &n)) {
                        reply("error usage: create <topic> <partitions 1..100000>");
                        return;
                }
                reply_err(create_topic(a1, n));
        } else if (!strcmp(cmd, "error") && !rest) {
                if (parse_long(a1, 0, SHRT_MAX, &id) || parse_long(a2, SHRT_MIN, SHRT_MAX, &code) ||
                    (a3 && parse_long(a3, 1, 1000, &count))) {
                        reply("error usage: error <apiKey> <errorCode> [count 1..1000]");
                        return;
                }
                rd_kafka_resp_err_t errs[1000];
                for (long i = 0; i < count; i++) errs[i] = (rd_kafka_resp_err_t)code;
                rd_kafka_mock_push_request_errors_array(mcluster, (int16_t)id, (size_t)count, errs);
                reply("ok");
        } else {
                reply("error unknown command (down <id> | up <id> | create <topic> <partitions> | error <apiKey> <code> [count])");
        }
}

int main(int argc, char **argv) {
        char errstr[512];
        long n;
        int status = 0;

        if (argc < 2 || parse_long(argv[1], 1, 64, &n)) {
                fprintf(stderr, "usage: %s <brokers 1..64> [topic:partitions ...]\n", argv[0]);
                return 2;
        }
        broker_count = (int)n;

        /* Block the stop signals before librdkafka starts its threads (they inherit the mask), so that only the
         * main thread, which unblocks them below, ever runs the handler. */
        sigset_t stop_signals, old_mask;
        sigemptyset(&stop_signals);
        sigaddset(&stop_signals, SIGTERM);
        sigaddset(&stop_signals, SIGINT);
        sigaddset(&stop_signals, SIGHUP);
        sigprocmask(SIG_BLOCK, &stop_signals, &old_mask);
        /* A driver that goes away makes our writes fail with EPIPE instead of killing us mid-cleanup. */
        signal(SIGPIPE, SIG_IGN);

        if (pipe(signal_pipe) != 0) {
                perror("pipe");
                return 1;
        }
        fcntl(signal_pipe[1], F_SETFL, O_NONBLOCK);

        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        /* The handle only hosts the mock cluster; it connects nowhere. Warnings and errors still reach stderr. */
        if (rd_kafka_conf_set(conf, "log_level", "4", errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK) {
                fprintf(stderr, "mock-broker: %s\n", errstr);
                return 1;
        }
        rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        if (!rk) {
                fprintf(stderr, "mock-broker: rd_kafka_new: %s\n", errstr);
                return 1;
        }
        mcluster = rd_kafka_mock_cluster_new(rk, broker_count);
        if (!mcluster) {
                fprintf(stderr, "mock-broker: cannot create the mock cluster\n");
                rd_kafka_destroy(rk);
                return 1;
        }

        for (int i = 2; i < argc; i++) {
                char *colon = strrchr(argv[i], ':');
                long partitions;
                if (!colon || colon == argv[i] || parse_long(colon + 1, 1, 100000, &partitions)) {
                        fprintf(stderr, "mock-broker: topic '%s' is not name:partitions\n", argv[i]);
                        status = 2;
                        goto out;
                }
                *colon                  = '\0';
                rd_kafka_resp_err_t err = create_topic(argv[i], partitions);
                if (err) {
                        fprintf(stderr, "mock-broker: cannot create topic '%s': %s\n", argv[i], rd_kafka_err2str(err));
                        status = 1;
                        goto out;
                }
        }

        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGHUP, &sa, NULL);
        pthread_sigmask(SIG_SETMASK, &old_mask, NULL);

        reply("%s", rd_kafka_mock_cluster_bootstraps(mcluster));

        char buf[LINE_MAX_BYTES];
        size_t used = 0;
        for (;;) {
                struct pollfd fds[2] = {{.fd = 0, .events = POLLIN}, {.fd = signal_pipe[0], .events = POLLIN}};
                if (poll(fds, 2, -1) < 0) {
                        if (errno == EINTR) continue;
                        perror("poll");
                        status = 1;
                        break;
                }
                if (fds[1].revents) break; /* SIGTERM and friends */
                if (!fds[0].revents) continue;

                ssize_t got = read(0, buf + used, sizeof(buf) - 1 - used);
                if (got < 0 && errno == EINTR) continue;
                if (got <= 0) break; /* stdin closed (or failed): the driver is gone */
                used += (size_t)got;

                char *start = buf, *nl;
                while ((nl = memchr(start, '\n', used - (size_t)(start - buf)))) {
                        *nl = '\0';
                        handle_command(start);
                        start = nl + 1;
                }
                used -= (size_t)(start - buf);
                memmove(buf, start, used);
                if (used == sizeof(buf) - 1) { /* a line longer than the buffer: refuse it, keep going */
                        reply("error line too long");
                        used = 0;
                }
        }

out:
        rd_kafka_mock_cluster_destroy(mcluster);
        rd_kafka_destroy(rk);
        return status;
}
