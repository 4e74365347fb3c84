/*
 * kiln image: build a bootable image (ISO, tar, initramfs) from a jail's
 * base libraries, packages of a published repository, and an overlay.
 * Parses options and prints; the work is in image/ (image.h).
 * Calls: image, conf, util.
 */
#include "cmd/cmd.h"
#include "image/image.h"
#include "jail.h"
#include "pkg/client.h"
#include "util/path.h"
#include "util/strbuf.h"
#include "util/vec.h"
#include "util/xalloc.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct pkgset {
	const struct kctx *k;
	const char *jail, *ports;
	VEC(char *) pkgs;
};

static void
say_line(void *arg, const char *line)
{
	const struct pkgset *ps = arg;

	if (ps->k->verbose >= 0)
		fprintf(stderr, "kiln image: %s\n", line);
}

/*
 * The plan's `pkg -r ${MOUNT_POINT} install PKG...`: kiln's client with a
 * repository file pointing at the published repository of JAIL-PORTS
 * (file://, trusted as kiln's own output), into the image root.  The
 * package database stays in the image (var/db/kiln) so the deployed
 * machine can upgrade; the download cache is dropped.
 */
static int
install_pkgs(const char *root, void *arg, struct kerr *e)
{
	struct pkgset *ps = arg;
	struct client c;
	char *repo = NULL, *reposdir = NULL, *conf = NULL, *text = NULL, *cache = NULL;
	char *real = NULL;
	bool opened = false;
	int rc = -1;

	repo = xasprintf("%s/packages/%s-%s/.latest",
	    conf_get(&ps->k->conf, "POUDRIERE_DATA"), ps->jail, ps->ports);
	if ((real = realpath(repo, NULL)) == NULL) {
		kerr_errno(e, "%s-%s: no published repository (%s)", ps->jail,
		    ps->ports, repo);
		goto out;
	}
	reposdir = xasprintf("%s/../image-repos.%ld", root, (long)getpid());
	conf = path_join(reposdir, "kiln-image.conf");
	text = xasprintf("%s-%s: {\n  url: \"file://%s\",\n  signature_type: \"none\",\n"
	    "  enabled: yes\n}\n", ps->jail, ps->ports, real);
	if (path_mkdir_p(reposdir, 0700, e) < 0 ||
	    path_write_atomic(conf, text, strlen(text), 0644, e) < 0)
		goto out;
	client_init(&c);
	c.root = root;
	c.repos_dir = reposdir;
	c.yes = true;
	c.say = say_line;
	c.arg = ps;
	if (client_open(&c, true, e) < 0)
		goto out;
	opened = true;
	if (client_update(&c, true, e) < 0 ||
	    client_install(&c, ps->pkgs.v, ps->pkgs.n, e) < 0)
		goto out;
	rc = 0;
out:
	if (opened)
		client_close(&c);
	if (reposdir) {
		struct kerr e2;
		path_rm_rf(reposdir, &e2);
	}
	if (rc == 0) {
		struct kerr e2;
		cache = path_join(root, "var/cache/kiln");
		path_rm_rf(cache, &e2);
	}
	free(repo);
	free(real);
	free(reposdir);
	free(conf);
	free(text);
	free(cache);
	return rc;
}

/* PKGLIST: one package name per line; '#' comments, blank lines skipped. */
static int
read_pkglist(const char *path, struct pkgset *ps, struct kerr *e)
{
	struct strbuf sb = STRBUF_INIT;
	char *save = NULL;

	if (path_read(path, &sb, e) < 0)
		return -1;
	for (char *l = strtok_r(sb.buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *h = strchr(l, '#');
		if (h)
			*h = '\0';
		struct strbuf t = STRBUF_INIT;
		strbuf_addstr(&t, l);
		strbuf_trim(&t);
		if (t.len)
			vec_push(&ps->pkgs, strbuf_detach(&t, NULL));
		strbuf_release(&t);
	}
	strbuf_release(&sb);
	return 0;
}

int
cmd_image(int argc, char **argv, struct kctx *k)
{
	static const struct option lo[] = {
		{ "help", no_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 },
	};
	struct image_opts o = { .type = IMAGE_INITRAMFS };
	struct pkgset ps = { .k = k };
	const char *type = NULL, *pkglist = NULL;
	char *work = NULL;
	struct jail jail;
	bool have_jail = false;
	struct kerr e;
	int ch, rc = EXIT_FAIL;

	cmd_getopt_reset();
	while ((ch = getopt_long(argc, argv, "j:p:t:o:n:h:c:k:f:", lo, NULL)) != -1) {
		switch (ch) {
		case 'j': ps.jail = optarg; break;
		case 'p': ps.ports = optarg; break;
		case 't': type = optarg; break;
		case 'o': o.out = optarg; break;
		case 'n': o.name = optarg; break;
		case 'h': o.hostname = optarg; break;
		case 'c': o.overlay = optarg; break;
		case 'k': o.kernel = optarg; break;
		case 'f': pkglist = optarg; break;
		case 'H':
			printf("usage: %s\n", k->cmd->usage);
			return EXIT_OK;
		default: return cmd_usage(k);
		}
	}
	if (type == NULL || o.out == NULL)
		return cmd_usage(k);
	if (strcmp(type, "iso") == 0)
		o.type = IMAGE_ISO;
	else if (strcmp(type, "tar") == 0)
		o.type = IMAGE_TAR;
	else if (strcmp(type, "initramfs") == 0)
		o.type = IMAGE_INITRAMFS;
	else
		return cmd_failf("image: -t %s: want iso, tar or initramfs", type);
	if (pkglist && read_pkglist(pkglist, &ps, &e) < 0) {
		rc = cmd_fail(&e);
		goto out;
	}
	for (int i = optind; i < argc; i++)
		vec_push(&ps.pkgs, xstrdup(argv[i]));
	if (ps.pkgs.n && (ps.jail == NULL || ps.ports == NULL)) {
		rc = cmd_failf("image: packages need -j JAIL and -p PORTS (the "
		    "repository BASEFS/data/packages/JAIL-PORTS)");
		goto out;
	}
	if (ps.jail) {
		if (jail_load(&k->conf, ps.jail, &jail, &e) < 0) {
			rc = cmd_fail(&e);
			goto out;
		}
		have_jail = true;
		o.libroot = jail_base_dir(&jail);
	} else {
		o.libroot = "/";
	}
	if (ps.pkgs.n) {
		o.install = install_pkgs;
		o.install_arg = &ps;
	}
	work = conf_path(&k->conf, "data/images/.work");
	o.workdir = work;
	if (path_mkdir_p(work, 0755, &e) < 0 || image_build(&o, &e) < 0) {
		rc = cmd_fail(&e);
		goto out;
	}
	printf("image %s written (%s)\n", o.out, type);
	rc = EXIT_OK;
out:
	vec_free_all(&ps.pkgs, free);
	if (have_jail)
		jail_free(&jail);
	free(work);
	return rc;
}
