/*
 * fuzz_daemon: the daemon's two readers of untrusted text, a schedule file
 * and a POST /api/builds body, must never crash or leak.  The first byte
 * picks the reader: even a schedule file, odd a request.
 */
#include "daemon.h"
#include "util/ucl.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kerr e;
	struct uv *o;

	if (size < 1)
		return 0;
	if ((o = uv_parse((const char *)data + 1, size - 1, &e)) == NULL)
		return 0;
	if (data[0] % 2 == 0) {
		daemon_scheds s = VEC_INIT;
		if (daemon_sched_parse(o, "fuzz", &s, &e) == 0)
			daemon_scheds_free(&s);
	} else {
		struct daemon_job j;
		daemon_job_from_request(o, &j, &e);
		daemon_job_free(&j);
	}
	uv_free(o);
	return 0;
}
