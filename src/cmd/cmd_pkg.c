/*
 * cmd_pkg: `kiln pkg`: parses the global options (-r, -R, -o), finds the
 * verb in pkg_verbs[] and runs it; and the package-side verbs create,
 * repo and version.  The client verbs live in cmd_pkg_client.c.
 * Calls: pkg/, version, util.
 */
#include "cmd/cmd_pkg.h"

#include "pkg/archive.h"
#include "pkg/create.h"
#include "pkg/repo.h"
#include "util/xalloc.h"
#include "version.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct pkg_verb pkg_verbs[] = {
	{ "help", pkg_cmd_help, "list the verbs, or show one verb's usage",
	  "kiln pkg help [VERB]" },
	{ "create", pkg_cmd_create, "create a package from a stage directory",
	  "kiln pkg create -r STAGEDIR -m METADIR [-p PLIST] [-o OUTDIR]\n"
	  "                [-f tzst|txz|tgz|tbz|tar] [-l LEVEL] [-T THREADS] [-t MTIME]\n"
	  "  -r STAGEDIR  root of the staged files (paths in the list are below it)\n"
	  "  -m METADIR   +MANIFEST (UCL), +DESC, +DISPLAY, install scripts\n"
	  "  -p PLIST     packing list (pkg-plist syntax)\n"
	  "  -o OUTDIR    where NAME-VERSION.pkg is written (default .)\n"
	  "  -f FORMAT    compression (default tzst)\n"
	  "  -l LEVEL     compression level (zstd default 3)\n"
	  "  -T THREADS   hashing threads and zstd workers (default: all CPUs;\n"
	  "               the package's bytes do not depend on it)\n"
	  "  -t MTIME     force every file's mtime (default $SOURCE_DATE_EPOCH)" },
	{ "repo", pkg_cmd_repo, "index a directory of packages into a signed repository",
	  "kiln pkg repo [-l] [-f FORMAT] [-L LEVEL] DIR [KEYFILE | signing_command: CMD...]\n"
	  "  -l          also write files.pkg (the list of files per package; reads\n"
	  "              every package, the index cache is not used)\n"
	  "  -f FORMAT   catalog compression (default tzst)\n"
	  "  -L LEVEL    catalog compression level (zstd default 3; pkg uses 19)\n"
	  "  KEYFILE     RSA private key (PEM): `signature` members (pubkey clients)\n"
	  "  signing_command: CMD   external signer: .sig/.pub members\n"
	  "              (fingerprints clients)" },
	{ "version", pkg_cmd_version, "compare two package versions",
	  "kiln pkg version -t VERSION1 VERSION2\n"
	  "  -t          print <, = or > as VERSION1 is older, equal or newer" },
	{ "extract", pkg_cmd_extract, "safely extract a package's files into a directory",
	  "kiln pkg extract [-P] FILE.pkg DESTDIR\n"
	  "  Checks every member (paths, links, types, checksums) before anything\n"
	  "  is renamed into place; runs no scripts and records nothing.\n"
	  "  -P          refuse files outside the package prefix" },
	{ "catalog", pkg_cmd_catalog, "verify a repository's catalog and list its packages",
	  "kiln pkg catalog [-k PUBKEY | -F FINGERPRINTS_DIR] REPODIR\n"
	  "  -k PUBKEY   require a valid `signature` made with this key (pubkey mode)\n"
	  "  -F DIR      require a .sig/.pub signature trusted in DIR/trusted (fingerprints)\n"
	  "  Prints NAME-VERSION PATH per package." },
	/* Client verbs (cmd_pkg_client.c) go below this line. */
	{ "update", pkg_cmd_update, "download and verify the repository catalogs",
	  "kiln pkg update [-f] [-q]\n"
	  "  -f          download even when the cached catalog is current\n"
	  "  -q          quiet" },
	{ "install", pkg_cmd_install, "install packages and their dependencies",
	  "kiln pkg install [-y] [-q] NAME...\n"
	  "  -y          do not ask for confirmation (also ASSUME_ALWAYS_YES=yes)" },
	{ "upgrade", pkg_cmd_upgrade, "upgrade installed packages",
	  "kiln pkg upgrade [-y] [-q] [NAME...]\n"
	  "  without NAME, every installed package with a newer version" },
	{ "delete", pkg_cmd_delete, "delete packages and what depends on them",
	  "kiln pkg delete [-y] [-q] NAME..." },
	{ "autoremove", pkg_cmd_autoremove,
	  "delete automatic packages nothing depends on",
	  "kiln pkg autoremove [-y] [-q]" },
	{ "add", pkg_cmd_add, "install local package files",
	  "kiln pkg add [-y] FILE.pkg...\n"
	  "  dependencies must be installed already" },
	{ "info", pkg_cmd_info, "show installed packages",
	  "kiln pkg info [-l] [NAME]\n"
	  "  without NAME: one line per package; -l NAME: its files" },
	{ "query", pkg_cmd_query, "print installed package data in a format",
	  "kiln pkg query FORMAT [NAME]\n"
	  "  %n %v %o %c %e %w %m %p %q %R %a %sh %sb %%; one line per item with\n"
	  "  %dn %do %dv (deps) %rn (reverse deps) %Fp %Fs (files)\n"
	  "  %Ok %Ov (options) %At %Av (annotations) %D %C %L" },
	{ "fetch", pkg_cmd_fetch, "download packages into the cache",
	  "kiln pkg fetch [-d] [-q] (-a | NAME...)\n"
	  "  -d          with their dependencies\n"
	  "  -a          every package of every repository" },
	{ "check", pkg_cmd_check, "check installed files against their checksums",
	  "kiln pkg check -s [NAME...]\n"
	  "  -s          verify the checksum of every installed file" },
	{ NULL, NULL, NULL, NULL },
};

static const char pkg_usage[] =
    "usage: kiln pkg [-r ROOT] [-R REPOS_DIR] [-o KEY=VALUE] VERB [ARGS]\n"
    "  -r ROOT       operate on the system rooted at ROOT (default /)\n"
    "  -R DIR        directory of repository .conf files\n"
    "  -o KEY=VALUE  set a pkg option (ABI, OSVERSION, ...), as pkg -o\n";

const struct pkg_verb *
pkg_verb_find(const char *name)
{
	for (const struct pkg_verb *v = pkg_verbs; v->name; v++)
		if (strcmp(v->name, name) == 0)
			return v;
	return NULL;
}

int
pkg_verb_usage(const struct pkg_verb *v)
{
	fprintf(stderr, "usage: %s\n", v->usage);
	return EXIT_USAGE;
}

static void
print_verbs(FILE *f)
{
	fputs(pkg_usage, f);
	fputs("\nverbs:\n", f);
	for (const struct pkg_verb *v = pkg_verbs; v->name; v++)
		fprintf(f, "  %-10s %s\n", v->name, v->summary);
}

const char *
pkg_globals_get(const struct pkg_globals *g, const char *key)
{
	size_t kl = strlen(key);

	for (size_t i = g->nopts; i-- > 0;)
		if (strncmp(g->opts[i], key, kl) == 0 && g->opts[i][kl] == '=')
			return g->opts[i] + kl + 1;
	return getenv(key);
}

int
cmd_pkg(int argc, char **argv, struct kctx *k)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct pkg_globals g = { "/", NULL, NULL, 0 };
	const struct pkg_verb *v;
	int c, rc;

	cmd_getopt_reset();
	/* "+": stop at the verb; its options are its own. */
	while ((c = getopt_long(argc, argv, "+r:R:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			g.root = optarg;
			break;
		case 'R':
			g.repos_dir = optarg;
			break;
		case 'o':
			if (strchr(optarg, '=') == NULL || optarg[0] == '=') {
				free(g.opts);
				return cmd_failf("pkg: -o wants KEY=VALUE, not '%s'", optarg);
			}
			g.opts = xreallocarray(g.opts, g.nopts + 1, sizeof(*g.opts));
			g.opts[g.nopts++] = optarg;
			break;
		case 'h':
			print_verbs(stdout);
			free(g.opts);
			return EXIT_OK;
		default:
			free(g.opts);
			fputs(pkg_usage, stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		free(g.opts);
		print_verbs(stderr);
		return EXIT_USAGE;
	}
	if ((v = pkg_verb_find(argv[optind])) == NULL) {
		free(g.opts);
		return cmd_failf("pkg: unknown verb '%s' (kiln pkg help lists them)",
		    argv[optind]);
	}
	rc = v->fn(argc - optind, argv + optind, &g, k);
	free(g.opts);
	return rc;
}

/* True when argv has -h/--help anywhere before "--". */
static bool
wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return true;
	return false;
}

int
pkg_cmd_help(int argc, char **argv, const struct pkg_globals *g, struct kctx *k)
{
	const struct pkg_verb *v;

	if (argc < 2) {
		print_verbs(stdout);
		return EXIT_OK;
	}
	if ((v = pkg_verb_find(argv[1])) == NULL)
		return cmd_failf("pkg help: no verb named '%s' (kiln pkg help lists them)",
		    argv[1]);
	printf("usage: %s\n\n%s.\n", v->usage, v->summary);
	return EXIT_OK;
}

int
pkg_cmd_version(int argc, char **argv, const struct pkg_globals *g,
    struct kctx *k)
{
	const struct pkg_verb *v = pkg_verb_find("version");

	if (wants_help(argc, argv)) {
		printf("usage: %s\n", v->usage);
		return EXIT_OK;
	}
	if (argc != 4 || strcmp(argv[1], "-t") != 0)
		return pkg_verb_usage(v);
	printf("%c\n", version_cmp_char(argv[2], argv[3]));
	return EXIT_OK;
}

int
pkg_cmd_create(int argc, char **argv, const struct pkg_globals *g,
    struct kctx *k)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct pkg_verb *v = pkg_verb_find("create");
	struct pkg_create_req r;
	pkg_strv unlisted = VEC_INIT;
	char *out = NULL;
	struct kerr e;
	int c, rc = EXIT_FAIL;

	pkg_create_req_init(&r);
	cmd_getopt_reset();
	while ((c = getopt_long(argc, argv, "r:m:p:o:f:l:T:t:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': r.stagedir = optarg; break;
		case 'm': r.metadir = optarg; break;
		case 'p': r.plist = optarg; break;
		case 'o': r.outdir = optarg; break;
		case 'f':
			if (pkg_compress_parse(optarg, &r.wo.compress, &e) < 0)
				return cmd_fail(&e);
			break;
		case 'l': r.wo.level = atoi(optarg); break;
		case 'T':
			r.wo.threads = atoi(optarg);
			if (r.wo.threads < 0)
				return cmd_failf("-T %s: want 0 (all CPUs) or more", optarg);
			break;
		case 't': r.wo.mtime = strtoll(optarg, NULL, 10); break;
		case 'h':
			printf("usage: %s\n", v->usage);
			return EXIT_OK;
		default:
			return pkg_verb_usage(v);
		}
	}
	if (optind != argc || r.stagedir == NULL || r.metadir == NULL)
		return pkg_verb_usage(v);
	r.abi = pkg_globals_get(g, "ABI");
	r.osversion = pkg_globals_get(g, "OSVERSION");
	if (pkg_create(&r, &out, &unlisted, &e) < 0) {
		rc = cmd_fail(&e);
		goto out;
	}
	for (size_t i = 0; i < unlisted.n; i++)
		fprintf(stderr, "kiln: warning: %s: in the stage but not in the packing list\n",
		    unlisted.v[i]);
	printf("%s\n", out);
	rc = EXIT_OK;
out:
	pkg_strv_free(&unlisted);
	free(out);
	return rc;
}

int
pkg_cmd_repo(int argc, char **argv, const struct pkg_globals *g,
    struct kctx *k)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct pkg_verb *v = pkg_verb_find("repo");
	struct pkg_repo_opts o;
	struct pkg_repo_stats st;
	struct strbuf cmdline = STRBUF_INIT;
	struct kerr e;
	const char *dir;
	int c, rc = EXIT_FAIL;

	pkg_repo_opts_init(&o);
	cmd_getopt_reset();
	while ((c = getopt_long(argc, argv, "+lf:L:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'l': o.files_list = true; break;
		case 'f':
			if (pkg_compress_parse(optarg, &o.compress, &e) < 0)
				return cmd_fail(&e);
			break;
		case 'L': o.level = atoi(optarg); break;
		case 'h':
			printf("usage: %s\n", v->usage);
			return EXIT_OK;
		default:
			return pkg_verb_usage(v);
		}
	}
	if (optind >= argc)
		return pkg_verb_usage(v);
	dir = argv[optind++];
	if (optind < argc) {
		const char *a = argv[optind];

		if (strncmp(a, "signing_command:", 16) == 0) {
			/* The rest of the line, as pkg takes it. */
			if (a[16])
				strbuf_addstr(&cmdline, a + 16);
			for (int i = optind + 1; i < argc; i++) {
				if (cmdline.len)
					strbuf_addch(&cmdline, ' ');
				strbuf_addstr(&cmdline, argv[i]);
			}
			strbuf_trim(&cmdline);
			if (cmdline.len == 0) {
				strbuf_release(&cmdline);
				return pkg_verb_usage(v);
			}
			o.signer.command = cmdline.buf;
		} else {
			if (optind + 1 != argc)
				return pkg_verb_usage(v);
			o.signer.keyfile = strncmp(a, "rsa:", 4) == 0 ? a + 4 : a;
		}
	}
	if (pkg_repo_create(dir, &o, &st, &e) < 0) {
		rc = cmd_fail(&e);
		goto out;
	}
	printf("%s: %zu packages (%zu read, %zu from the cache)%s\n", dir,
	    st.packages, st.opened, st.reused,
	    o.signer.keyfile ? ", signed with a key" :
	    o.signer.command ? ", signed by a command" : ", unsigned");
	rc = EXIT_OK;
out:
	strbuf_release(&cmdline);
	return rc;
}

int
pkg_cmd_extract(int argc, char **argv, const struct pkg_globals *g,
    struct kctx *k)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct pkg_verb *v = pkg_verb_find("extract");
	struct pkg_extract_opts o;
	struct pkg_archive *a = NULL;
	struct pkg_extract x;
	struct kerr e;
	int c, rc = EXIT_FAIL;

	pkg_extract_opts_init(&o);
	cmd_getopt_reset();
	while ((c = getopt_long(argc, argv, "Ph", longopts, NULL)) != -1) {
		switch (c) {
		case 'P': o.confine_prefix = true; break;
		case 'h':
			printf("usage: %s\n", v->usage);
			return EXIT_OK;
		default:
			return pkg_verb_usage(v);
		}
	}
	if (optind + 2 != argc)
		return pkg_verb_usage(v);
	if (pkg_archive_open(argv[optind], 0, &a, &e) < 0)
		return cmd_fail(&e);
	if (pkg_archive_extract(a, argv[optind + 1], &o, &x, &e) < 0) {
		rc = cmd_fail(&e);
		goto out;
	}
	if (pkg_extract_commit(&x, &e) < 0) {
		pkg_extract_abort(&x);
		rc = cmd_fail(&e);
	} else {
		rc = EXIT_OK;
	}
	pkg_extract_free(&x);
out:
	pkg_archive_close(a);
	return rc;
}

static int
print_entry(struct pkg_manifest *m, void *arg, struct kerr *e)
{
	printf("%s-%s %s\n", m->name, m->version, m->repopath);
	pkg_manifest_free(m);
	return 0;
}

int
pkg_cmd_catalog(int argc, char **argv, const struct pkg_globals *g,
    struct kctx *k)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct pkg_verb *v = pkg_verb_find("catalog");
	struct pkg_trust t = { PKG_SIG_NONE, NULL, NULL };
	struct kerr e;
	int c;

	cmd_getopt_reset();
	while ((c = getopt_long(argc, argv, "k:F:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'k':
			t.mode = PKG_SIG_PUBKEY;
			t.pubkey = optarg;
			break;
		case 'F':
			t.mode = PKG_SIG_FINGERPRINTS;
			t.fingerprints = optarg;
			break;
		case 'h':
			printf("usage: %s\n", v->usage);
			return EXIT_OK;
		default:
			return pkg_verb_usage(v);
		}
	}
	if (optind + 1 != argc)
		return pkg_verb_usage(v);
	if (pkg_repo_load(argv[optind], &t, print_entry, NULL, &e) < 0)
		return cmd_fail(&e);
	return EXIT_OK;
}
