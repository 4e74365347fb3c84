/*
 * cmd_pkg_client: the client verbs of `kiln pkg`: update, install,
 * upgrade, delete, autoremove, add, info, query, fetch, check.  Each
 * parses its own options, sets up a struct client from the global
 * options (-r ROOT, -R REPOS_DIR, -o KEY=VALUE) and prints what the
 * client says.  Calls: pkg/client, cmd_pkg, util.
 */
#include "cmd/cmd_pkg.h"

#include "pkg/client.h"
#include "util/xalloc.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static void
say_line(void *arg, const char *line)
{
	(void)arg;
	printf("%s\n", line);
	fflush(stdout);
}

static bool
confirm(void *arg, const char *q)
{
	char buf[32];

	(void)arg;
	printf("%s [y/N]: ", q);
	fflush(stdout);
	if (fgets(buf, sizeof(buf), stdin) == NULL)
		return false;
	return buf[0] == 'y' || buf[0] == 'Y';
}

static bool
yes_value(const char *v)
{
	return v && (strcasecmp(v, "yes") == 0 || strcasecmp(v, "true") == 0 ||
	    strcmp(v, "1") == 0);
}

static void
client_setup(struct client *c, const struct pkg_globals *g)
{
	const char *v;

	client_init(c);
	c->root = g->root;
	c->repos_dir = g->repos_dir ? g->repos_dir : pkg_globals_get(g, "REPOS_DIR");
	c->say = say_line;
	c->confirm = confirm;
	c->yes = yes_value(pkg_globals_get(g, "ASSUME_ALWAYS_YES"));
	v = pkg_globals_get(g, "RUN_SCRIPTS");
	if (v && !yes_value(v))
		c->run_scripts = false;
	/* -o ABI=... must reach repoconf's ${ABI} expansion. */
	v = pkg_globals_get(g, "ABI");
	if (v)
		setenv("ABI", v, 1);
}

/*
 * Parse "-y", "-q", "-f", "-l", "-d", "-s", "-a" style flags allowed by
 * `allowed`; returns optind or -1 for usage/help (*rc set).
 */
static int
parse_flags(int argc, char **argv, const char *allowed, const char *verb,
    unsigned *flags, int *rc)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "yes", no_argument, NULL, 'y' },
		{ NULL, 0, NULL, 0 },
	};
	const struct pkg_verb *v = pkg_verb_find(verb);
	char opts[32];
	int ch;

	snprintf(opts, sizeof(opts), "%sh", allowed);
	cmd_getopt_reset();
	*flags = 0;
	while ((ch = getopt_long(argc, argv, opts, longopts, NULL)) != -1) {
		if (ch == 'h') {
			printf("usage: %s\n", v->usage);
			*rc = EXIT_OK;
			return -1;
		}
		if (ch == '?' || strchr(allowed, ch) == NULL) {
			*rc = pkg_verb_usage(v);
			return -1;
		}
		*flags |= 1u << (ch - 'a');
	}
	return optind;
}

#define FLAG(f, c) (((f) >> ((c) - 'a')) & 1u)

/* Open the client, run fn, print the error, close.  The shared shape of
 * the transaction verbs. */
static int
finish(struct client *c, int r, struct kerr *e)
{
	client_close(c);
	return r < 0 ? cmd_fail(e) : EXIT_OK;
}

int
pkg_cmd_update(int argc, char **argv, const struct pkg_globals *g,
    struct kctx *k)
{
	struct client c;
	struct kerr e;
	unsigned f;
	int rc, i = parse_flags(argc, argv, "fq", "update", &f, &rc);

	(void)k;
	if (i < 0)
		return rc;
	if (i != argc)
		return pkg_verb_usage(pkg_verb_find("update"));
	client_setup(&c, g);
	c.quiet = FLAG(f, 'q');
	if (client_open(&c, true, &e) < 0)
		return finish(&c, -1, &e);
	return finish(&c, client_update(&c, FLAG(f, 'f'), &e), &e);
}

typedef int (*names_fn)(struct client *, char *const *, size_t, struct kerr *);

static int
names_verb(int argc, char **argv, const struct pkg_globals *g, const char *verb,
    names_fn fn, bool need_names)
{
	struct client c;
	struct kerr e;
	unsigned f;
	int rc, i = parse_flags(argc, argv, "yq", verb, &f, &rc);

	if (i < 0)
		return rc;
	if (need_names && i == argc)
		return pkg_verb_usage(pkg_verb_find(verb));
	client_setup(&c, g);
	c.yes = c.yes || FLAG(f, 'y');
	c.quiet = FLAG(f, 'q');
	if (client_open(&c, true, &e) < 0)
		return finish(&c, -1, &e);
	return finish(&c, fn(&c, argv + i, (size_t)(argc - i), &e), &e);
}

int
pkg_cmd_install(int argc, char **argv, const struct pkg_globals *g,
    struct kctx *k)
{
	(void)k;
	return names_verb(argc, argv, g, "install", client_install, true);
}

int
pkg_cmd_upgrade(int argc, char **argv, const struct pkg_globals *g,
    struct kctx *k)
{
	(void)k;
	return names_verb(argc, argv, g, "upgrade", client_upgrade, false);
}

int
pkg_cmd_delete(int argc, char **argv, const struct pkg_globals *g,
    struct kctx *k)
{
	(void)k;
	return names_verb(argc, argv, g, "delete", client_delete, true);
}

static int
autoremove_fn(struct client *c, char *const *names, size_t n, struct kerr *e)
{
	(void)names;
	(void)n;
	return client_autoremove(c, e);
}

int
pkg_cmd_autoremove(int argc, char **argv, const struct pkg_globals *g,
    struct kctx *k)
{
	(void)k;
	for (int i = 1; i < argc; i++)
		if (argv[i][0] != '-')
			return pkg_verb_usage(pkg_verb_find("autoremove"));
	return names_verb(argc, argv, g, "autoremove", autoremove_fn, false);
}

static int
add_fn(struct client *c, char *const *names, size_t n, struct kerr *e)
{
	/* pkg add does not ask. */
	c->yes = true;
	for (size_t i = 0; i < n; i++)
		if (client_add(c, names[i], e) < 0)
			return -1;
	return 0;
}

int
pkg_cmd_add(int argc, char **argv, const struct pkg_globals *g, struct kctx *k)
{
	(void)k;
	return names_verb(argc, argv, g, "add", add_fn, true);
}

int
pkg_cmd_fetch(int argc, char **argv, const struct pkg_globals *g,
    struct kctx *k)
{
	struct client c;
	struct kerr e;
	unsigned f;
	int rc, i = parse_flags(argc, argv, "yqda", "fetch", &f, &rc);

	(void)k;
	if (i < 0)
		return rc;
	if (i == argc && !FLAG(f, 'a'))
		return pkg_verb_usage(pkg_verb_find("fetch"));
	client_setup(&c, g);
	c.quiet = FLAG(f, 'q');
	if (client_open(&c, true, &e) < 0)
		return finish(&c, -1, &e);
	return finish(&c, client_fetch(&c, argv + i, (size_t)(argc - i),
	    FLAG(f, 'd'), &e), &e);
}

int
pkg_cmd_info(int argc, char **argv, const struct pkg_globals *g,
    struct kctx *k)
{
	struct client c;
	struct strbuf out = STRBUF_INIT;
	struct kerr e;
	unsigned f;
	const char *fmt;
	int rc, i = parse_flags(argc, argv, "la", "info", &f, &rc);

	(void)k;
	if (i < 0)
		return rc;
	if (argc - i > 1)
		return pkg_verb_usage(pkg_verb_find("info"));
	client_setup(&c, g);
	if (client_open(&c, false, &e) < 0)
		return finish(&c, -1, &e);
	if (FLAG(f, 'l') && i == argc) {
		client_close(&c);
		return pkg_verb_usage(pkg_verb_find("info"));
	}
	if (FLAG(f, 'l'))
		fmt = "%n-%v:";
	else if (i == argc)
		fmt = "%n-%v\t%c";
	else
		fmt = "Name           : %n\\nVersion        : %v\\n"
		    "Origin         : %o\\nPrefix         : %p\\n"
		    "Repository     : %R\\nComment        : %c\\n"
		    "Maintainer     : %m\\nWWW            : %w\\n"
		    "ABI            : %q\\nFlat size      : %sh\\n"
		    "Automatic      : %a\\nDescription    :\\n%e";
	rc = client_query(&c, fmt, i < argc ? argv[i] : NULL, &out, &e);
	/* pkg info -l: "name-version:" then one tab-indented path a line. */
	if (rc == 0 && FLAG(f, 'l'))
		rc = client_query(&c, "\t%Fp", argv[i], &out, &e);
	fputs(out.buf, stdout);
	strbuf_release(&out);
	return finish(&c, rc, &e);
}

int
pkg_cmd_query(int argc, char **argv, const struct pkg_globals *g,
    struct kctx *k)
{
	struct client c;
	struct strbuf out = STRBUF_INIT;
	struct kerr e;
	unsigned f;
	int rc, i = parse_flags(argc, argv, "a", "query", &f, &rc);

	(void)k;
	if (i < 0)
		return rc;
	if (argc - i < 1 || argc - i > 2)
		return pkg_verb_usage(pkg_verb_find("query"));
	client_setup(&c, g);
	if (client_open(&c, false, &e) < 0)
		return finish(&c, -1, &e);
	rc = client_query(&c, argv[i], i + 1 < argc ? argv[i + 1] : NULL, &out, &e);
	fputs(out.buf, stdout);
	strbuf_release(&out);
	return finish(&c, rc, &e);
}

int
pkg_cmd_check(int argc, char **argv, const struct pkg_globals *g,
    struct kctx *k)
{
	struct client c;
	struct kerr e;
	unsigned f;
	int rc, bad, i = parse_flags(argc, argv, "saq", "check", &f, &rc);

	(void)k;
	if (i < 0)
		return rc;
	if (!FLAG(f, 's'))
		return pkg_verb_usage(pkg_verb_find("check"));
	client_setup(&c, g);
	if (client_open(&c, false, &e) < 0)
		return finish(&c, -1, &e);
	bad = client_check_sums(&c, argv + i, (size_t)(argc - i), &e);
	client_close(&c);
	if (bad < 0)
		return cmd_fail(&e);
	if (bad > 0)
		return cmd_failf("check: %d problem(s) found", bad);
	return EXIT_OK;
}
