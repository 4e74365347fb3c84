/*
 * cmd: the command table's contract.  Each command lives in cmd/cmd_NAME.c
 * as `int cmd_NAME(int argc, char **argv, struct kctx *k)`; argv[0] is the
 * command name, options follow (parse them with getopt_long after
 * cmd_getopt_reset).  It returns an exit status: 0 ok, 1 failure, 2 usage.
 * Only main.c and cmd/ print or exit.
 */
#ifndef KILN_CMD_H
#define KILN_CMD_H

#include "conf.h"
#include "util/kerr.h"

#include <stdbool.h>

enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,
	EXIT_USAGE = 2,
};

/* What a command needs; main() checks these once before calling it. */
enum cmd_flags {
	CMD_ROOT = 1 << 0,	/* must run as uid 0 */
	CMD_CONF = 1 << 1,	/* reads kiln.conf (errors in it are fatal) */
	CMD_BASEFS = 1 << 2,	/* creates BASEFS's layout on demand */
};

struct kctx;

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv, struct kctx *k);
	unsigned flags;
	const char *summary;	/* one line for `kiln help` */
	const char *usage;	/* synopsis and options for `kiln help NAME` */
};

/* The context main() hands every command. */
struct kctx {
	struct conf conf;	/* loaded when the command has CMD_CONF */
	const struct cmd *cmd;	/* the running command's row */
	int verbose;		/* -v count; -1 for -q */
	const char *conf_file;	/* -c FILE, or NULL */
	const char *basefs;	/* -B DIR, or NULL */
};

/* Print "usage: ..." for the running command on stderr; returns EXIT_USAGE. */
int cmd_usage(const struct kctx *k);
/* Print "kiln: MESSAGE" on stderr; returns EXIT_FAIL. */
int cmd_fail(const struct kerr *e);
int cmd_failf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Reset getopt so each command parses its own argv from argv[1]. */
void cmd_getopt_reset(void);

/* The table, in main.c, ending with a NULL name. */
extern const struct cmd kiln_commands[];
const struct cmd *cmd_find(const char *name);

int cmd_help(int argc, char **argv, struct kctx *k);
int cmd_version(int argc, char **argv, struct kctx *k);
int cmd_config(int argc, char **argv, struct kctx *k);
int cmd_status(int argc, char **argv, struct kctx *k);
int cmd_serve(int argc, char **argv, struct kctx *k);
int cmd_daemon(int argc, char **argv, struct kctx *k);
int cmd_queue(int argc, char **argv, struct kctx *k);
int cmd_bulk(int argc, char **argv, struct kctx *k);
int cmd_testport(int argc, char **argv, struct kctx *k);
int cmd_makesum(int argc, char **argv, struct kctx *k);
int cmd_cargo_crates(int argc, char **argv, struct kctx *k);
int cmd_jail(int argc, char **argv, struct kctx *k);
int cmd_run(int argc, char **argv, struct kctx *k);
int cmd_vm(int argc, char **argv, struct kctx *k);
int cmd_image(int argc, char **argv, struct kctx *k);
int cmd_pkg(int argc, char **argv, struct kctx *k);
int cmd_ports(int argc, char **argv, struct kctx *k);
int cmd_info(int argc, char **argv, struct kctx *k);

#endif
