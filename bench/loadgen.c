/*
 * loadgen: durable appends over HTTP against `oyako serve`, from many
 * keep-alive clients at once, one event a request.
 *
 *     loadgen URL TOKEN CLIENTS N
 *
 * CLIENTS threads each open one connection (raw sockets, HTTP/1.1
 * keep-alive) and post N handbook.issued events, each opening a new case,
 * one a request, each waiting for its reply (a 201: on disk).  Prints
 * "EVENTS WALL_NS P50_NS P99_NS" (latency of one request, all clients).
 * Exit: 0, 2 usage, 6 a failed connection or a reply other than 201.
 * Plain http:// only (the bench measures the server, not TLS).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "journal.h"

static char host[256], port[16];
static const char *token;
static int per_client;
static long long *lat;		/* CLIENTS * N latencies */
static int failed;

static long long
now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int
dial(void)
{
	struct addrinfo hints, *res, *ai;
	int fd = -1, one = 1;

	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, port, &hints, &res) != 0)
		return -1;
	for (ai = res; ai; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol)) < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd >= 0)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return fd;
}

static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n) {
		if ((w = write(fd, p, n)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Reads one reply; returns its status, or -1. */
static int
read_reply(int fd, char *buf, size_t size)
{
	size_t have = 0, need;
	char *end, *cl;
	ssize_t r;
	int status;

	for (;;) {
		if (have == size - 1)
			return -1;
		if ((r = read(fd, buf + have, size - 1 - have)) <= 0)
			return -1;
		have += (size_t)r;
		buf[have] = '\0';
		if ((end = strstr(buf, "\r\n\r\n")) != NULL)
			break;
	}
	if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1)
		return -1;
	cl = strcasestr(buf, "\r\nContent-Length:");
	need = (size_t)(end + 4 - buf) + (cl ? strtoul(cl + 17, NULL, 10) : 0);
	while (have < need) {
		if (need >= size || (r = read(fd, buf + have, need - have)) <= 0)
			return -1;
		have += (size_t)r;
	}
	return status;
}

static void *
client(void *arg)
{
	long k = (long)arg;
	char body[512], req[2048], buf[8192], id[37];
	uint8_t bin[JN_ID_LEN];
	int fd, i, n, blen, status;
	long long t0;

	if ((fd = dial()) < 0) {
		failed = 1;
		return NULL;
	}
	for (i = 0; i < per_client; i++) {
		jn_uuid_generate(bin);
		jn_uuid_format(bin, id);
		blen = snprintf(body, sizeof body, "{\"id\":\"%s\",\"type\":\"handbook.issued\","
		    "\"stream\":\"case:%s\",\"occurred\":\"2025-04-01\",\"data\":{\"district\":\"bench\","
		    "\"due_date\":\"2027-06-01\",\"support_needed\":false}}", id, id);
		n = snprintf(req, sizeof req, "POST /v1/events HTTP/1.1\r\nHost: %s:%s\r\n"
		    "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
		    "Content-Length: %d\r\n\r\n%s", host, port, token, blen, body);
		t0 = now_ns();
		if (write_all(fd, req, (size_t)n) != 0 ||
		    (status = read_reply(fd, buf, sizeof buf)) != 201) {
			failed = 1;
			break;
		}
		lat[k * per_client + i] = now_ns() - t0;
	}
	close(fd);
	return NULL;
}

static int
cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

int
main(int argc, char **argv)
{
	const char *url, *hp, *colon;
	pthread_t *th;
	long long t0, wall;
	long clients, k;
	size_t total;

	if (argc != 5 || strncmp(argv[1], "http://", 7) != 0 || (clients = atol(argv[3])) < 1 ||
	    (per_client = atoi(argv[4])) < 1) {
		fprintf(stderr, "usage: loadgen http://HOST:PORT TOKEN CLIENTS N\n");
		return 2;
	}
	url = argv[1];
	token = argv[2];
	hp = url + 7;
	if ((colon = strrchr(hp, ':')) == NULL || (size_t)(colon - hp) >= sizeof host) {
		fprintf(stderr, "loadgen: error: '%s' has no port\n", url);
		return 2;
	}
	memcpy(host, hp, (size_t)(colon - hp));
	snprintf(port, sizeof port, "%.*s", (int)strcspn(colon + 1, "/"), colon + 1);
	total = (size_t)clients * (size_t)per_client;
	if ((lat = calloc(total, sizeof *lat)) == NULL || (th = calloc((size_t)clients, sizeof *th)) == NULL)
		return 6;
	t0 = now_ns();
	for (k = 0; k < clients; k++)
		if (pthread_create(&th[k], NULL, client, (void *)k) != 0)
			return 6;
	for (k = 0; k < clients; k++)
		pthread_join(th[k], NULL);
	wall = now_ns() - t0;
	if (failed) {
		fprintf(stderr, "loadgen: error: a request failed (connection, or not 201)\n");
		return 6;
	}
	qsort(lat, total, sizeof *lat, cmp_ll);
	printf("%zu %lld %lld %lld\n", total, wall, lat[total / 2], lat[total * 99 / 100]);
	return 0;
}
