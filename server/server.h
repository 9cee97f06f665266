/*
 * server.h: `oyako serve` (prefix srv_), the journal over HTTP(S) with
 * accounts, roles and group commit: BRIEF section 10, specs/server.md.
 *
 * The journal knows nothing of the server: the server is one more user of
 * journal/journal.h, with a single writer thread that commits the events of
 * concurrent requests together.  Functions return 0 or an errno value; a
 * message for people goes to the caller's buffer.  The server logs one
 * access line per request on stderr and prints nothing else.
 */
#ifndef OYAKO_SERVER_H
#define OYAKO_SERVER_H

#include <stddef.h>

typedef struct srv srv;

typedef struct srv_config {
	const char *journal;		/* the journal directory */
	const char *listen;		/* "HOST:PORT" ("[::1]:PORT"), port 0: any free one */
	const char *tls_cert;		/* PEM files; both or neither */
	const char *tls_key;
	int insecure_http;		/* allow plain HTTP on a non-loopback address */
	size_t max_body;		/* bytes; larger bodies get 413 */
	unsigned max_connections;
	unsigned per_ip_connections;
	unsigned timeout;		/* seconds a connection may stay idle */
	unsigned login_window;		/* seconds of the failed-login window */
	const char *key_file;		/* the vault's master key; NULL: $OYAKO_KEY_FILE, else none */
	const char *tool_dir;		/* where oyako-annual and the others are; NULL: beside /proc/self/exe */
} srv_config;

void srv_config_default(srv_config *c);

/* Opens the journal and the accounts, binds the address and starts
 * serving.  On failure returns an errno value (or a JN_E* code of the
 * journal) with a message in err; EPERM: a non-loopback address without
 * TLS or --insecure-http. */
int srv_start(const srv_config *c, srv **sp, char *err, size_t errsize);

/* The base URL actually bound ("http://127.0.0.1:40123"). */
const char *srv_url(const srv *s);

/* Stops accepting, lets the requests in flight finish (feeds end),
 * commits what is queued, and frees everything.  Accepts NULL. */
void srv_stop(srv *s);

#endif
