/*
 * loopback: a test server in a forked child on 127.0.0.1 at a free port,
 * for unit tests that need a peer (HTTP downloads, distfile sites).  The
 * child runs serve(listening socket) until loopback_stop kills it.
 * Test support only; linked into every tests/unit binary.
 */
#ifndef KILN_TEST_LOOPBACK_H
#define KILN_TEST_LOOPBACK_H

#include <sys/types.h>

struct loopback {
	pid_t pid;	/* the server child, or -1 */
	int port;
};

/* Start serve() in a child; 0, or -1 when the socket or fork failed. */
int loopback_start(struct loopback *lb, void (*serve)(int listen_fd));
/* Kill and reap the child (idempotent). */
void loopback_stop(struct loopback *lb);

#endif
