/*
 * fuzz_distinfo: the distinfo parser and the word splitting used for
 * PLIST_SUB / SUB_LIST / *_VARS must never crash, hang or leak.
 */
#include "mk/mk.h"
#include "port.h"
#include "util/xalloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kerr e;
	port_distinfo d = VEC_INIT;
	mk_words w = VEC_INIT;
	char *s;

	port_distinfo_parse((const char *)data, size, "fuzz/distinfo", &d, &e);
	for (size_t i = 0; i < d.n; i++)
		if (d.v[i].sha256 && strlen(d.v[i].sha256) != 64)
			abort();	/* only well-formed sums are accepted */
	port_distinfo_free(&d);
	s = xstrndup((const char *)data, size);
	mk_split_words(s, &w);
	for (size_t i = 0; i < w.n; i++) {
		mk_unquote(w.v[i]);
		/* glob is O(pattern x word): keep both small so runs stay fast */
		if (strlen(w.v[i]) < 256 && size < 4096)
			(void)mk_glob(w.v[i], s);
	}
	mk_words_free(&w);
	free(s);
	return 0;
}
