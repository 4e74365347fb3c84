/*
 * port_int: what port.c and port_fw.c share.
 */
#ifndef KILN_PORT_INT_H
#define KILN_PORT_INT_H

#include "port.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

struct fw {
	struct port *p;
	const struct port_env *env;
	bool options_done, uses_done, pre_done, final_done, cargo, crates_done;
	mk_words implicit;	/* dependency words USES added */
};

const struct mk *fw_base_mk(void);
void fw_start(struct fw *f);
int fw_hook(struct mk *m, enum mk_sys which, void *arg, struct kerr *e);
/* ${name} expanded and trimmed (caller frees); *err = -1 on failure. */
char *fw_get(struct mk *m, const char *name, struct kerr *e, int *err);
int fw_words(struct mk *m, const char *name, mk_words *w, struct kerr *e);

#endif
