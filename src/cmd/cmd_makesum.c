/*
 * kiln makesum ORIGIN: fetch a port's distfiles (no checks) and write its
 * distinfo.  kiln cargo-crates ORIGIN: fetch and extract the port's own
 * distfiles (not the crates) and print the CARGO_CRATES block from the
 * Cargo.lock found in WRKSRC, as make cargo-crates does.
 */
#include "build.h"
#include "cmd/cmd.h"
#include "fetch.h"
#include "port.h"
#include "ports_tree.h"
#include "util/path.h"
#include "util/xalloc.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void
say_stderr(void *arg, const char *line)
{
	fprintf(stderr, "%s\n", line);
}

static int
load(struct kctx *k, int argc, char **argv, struct port **p, char **tree,
    char **optdir)
{
	const char *ports = "default";
	struct port_env env;
	struct kerr e;
	char *cache = NULL;
	int ch;

	cmd_getopt_reset();
	while ((ch = getopt(argc, argv, "p:h")) != -1) {
		if (ch == 'p')
			ports = optarg;
		else
			return cmd_usage(k);
	}
	if (optind != argc - 1)
		return cmd_usage(k);
	if (ports_tree_resolve(&k->conf, ports, tree, &cache, &e) < 0)
		return cmd_fail(&e);
	free(cache);
	memset(&env, 0, sizeof(env));
	*optdir = conf_path(&k->conf, "options");
	env.portsdir = *tree;
	env.options_dir = *optdir;
	env.site_override = getenv("MASTER_SITE_OVERRIDE") ?
	    getenv("MASTER_SITE_OVERRIDE") : conf_get(&k->conf, "MASTER_SITE_OVERRIDE");
	if (port_load(&env, argv[optind], p, &e) < 0)
		return cmd_fail(&e);
	return EXIT_OK;
}

static int
fetch_all(struct kctx *k, struct port *p, bool crates)
{
	struct fetch_ctx fc;
	struct kerr e;

	memset(&fc, 0, sizeof(fc));
	fc.distdir = conf_get(&k->conf, "DISTFILES_CACHE");
	fc.dist_subdir = p->dist_subdir;
	fc.say = say_stderr;
	for (size_t i = 0; i < p->distfiles.n; i++) {
		struct port_distfile *df = &p->distfiles.v[i];
		if (!crates && strncmp(df->name, "rust/crates/", 12) == 0)
			continue;
		vec_push(&df->sites, (char *)NULL);
		int r = fetch_distfile(&fc, df->name, df->sites.v, &e);
		df->sites.n--;
		if (r < 0)
			return cmd_fail(&e);
	}
	return EXIT_OK;
}

int
cmd_makesum(int argc, char **argv, struct kctx *k)
{
	struct port *p = NULL;
	char *tree = NULL, *optdir = NULL, *dinfo = NULL;
	struct strbuf sb = STRBUF_INIT;
	VEC(char *) names = VEC_INIT;
	struct fetch_ctx fc;
	struct kerr e;
	int rc;

	if ((rc = load(k, argc, argv, &p, &tree, &optdir)) != EXIT_OK)
		goto out;
	if ((rc = fetch_all(k, p, true)) != EXIT_OK)
		goto out;
	if (port_var(p, "DISTINFO_FILE", &sb, &e) < 0) {
		rc = cmd_fail(&e);
		goto out;
	}
	strbuf_trim(&sb);
	dinfo = strbuf_detach(&sb, NULL);
	for (size_t i = 0; i < p->distfiles.n; i++)
		vec_push(&names, p->distfiles.v[i].name);
	memset(&fc, 0, sizeof(fc));
	fc.distdir = conf_get(&k->conf, "DISTFILES_CACHE");
	fc.dist_subdir = p->dist_subdir;
	if (fetch_makesum(&fc, dinfo, names.v, names.n, (long long)time(NULL), &e) < 0) {
		rc = cmd_fail(&e);
		goto out;
	}
	printf("=> wrote %s (%zu file%s)\n", dinfo, names.n, names.n == 1 ? "" : "s");
	rc = EXIT_OK;
out:
	vec_free(&names);
	strbuf_release(&sb);
	free(dinfo);
	port_free(p);
	free(tree);
	free(optdir);
	return rc;
}

int
cmd_cargo_crates(int argc, char **argv, struct kctx *k)
{
	struct port *p = NULL;
	char *tree = NULL, *optdir = NULL, *tmp = NULL, *lock = NULL;
	struct strbuf sb = STRBUF_INIT, out = STRBUF_INIT, lk = STRBUF_INIT;
	struct kerr e;
	int rc;

	if ((rc = load(k, argc, argv, &p, &tree, &optdir)) != EXIT_OK)
		goto out;
	if ((rc = fetch_all(k, p, false)) != EXIT_OK)
		goto out;
	tmp = xstrdup("/tmp/kiln-cargo-crates.XXXXXX");
	if (mkdtemp(tmp) == NULL) {
		rc = cmd_failf("cargo-crates: mkdtemp: %s", strerror(errno));
		goto out;
	}
	for (size_t i = 0; i < p->distfiles.n; i++) {
		const char *n = p->distfiles.v[i].name;
		char *f;
		if (strncmp(n, "rust/crates/", 12) == 0)
			continue;
		f = p->dist_subdir && *p->dist_subdir ? xasprintf("%s/%s/%s",
		    conf_get(&k->conf, "DISTFILES_CACHE"), p->dist_subdir, n) :
		    path_join(conf_get(&k->conf, "DISTFILES_CACHE"), n);
		int r = build_extract(f, tmp, &e);
		free(f);
		if (r < 0) {
			rc = cmd_fail(&e);
			goto out;
		}
	}
	/* WRKSRC relative to WRKDIR, then Cargo.lock in it. */
	{
		struct strbuf wd = STRBUF_INIT, ws = STRBUF_INIT;
		if (port_var(p, "WRKDIR", &wd, &e) < 0 || port_var(p, "WRKSRC", &ws, &e) < 0) {
			strbuf_release(&wd);
			strbuf_release(&ws);
			rc = cmd_fail(&e);
			goto out;
		}
		strbuf_trim(&wd);
		strbuf_trim(&ws);
		const char *rel = strncmp(ws.buf, wd.buf, wd.len) == 0 ? ws.buf + wd.len : "";
		lock = xasprintf("%s%s/Cargo.lock", tmp, rel);
		strbuf_release(&wd);
		strbuf_release(&ws);
	}
	if (path_read(lock, &lk, &e) < 0) {
		rc = cmd_failf("cargo-crates: %s: no Cargo.lock in the extracted distfile "
		    "(run cargo generate-lockfile upstream)", p->origin);
		goto out;
	}
	if (fetch_cargo_crates("Cargo.lock", lk.buf, &out, &e) < 0) {
		rc = cmd_fail(&e);
		goto out;
	}
	fputs(out.buf, stdout);
	rc = EXIT_OK;
out:
	if (tmp) {
		struct kerr e2;
		(void)path_rm_rf(tmp, &e2);
	}
	strbuf_release(&sb);
	strbuf_release(&out);
	strbuf_release(&lk);
	free(lock);
	free(tmp);
	port_free(p);
	free(tree);
	free(optdir);
	return rc;
}
