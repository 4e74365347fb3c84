/*
 * publish: .building → .real_<epoch> → .latest, by rename.  See publish.h.
 * Does not: index or sign.  Calls: util.
 */
#include "publish.h"

#include "util/path.h"
#include "util/strbuf.h"
#include "util/vec.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *
publish_latest(const char *pkgdir)
{
	char *link = path_join(pkgdir, ".latest");
	char *buf = path_readlink(link, NULL);
	char *out = NULL;

	if (buf && *buf) {
		out = buf[0] == '/' ? xstrdup(buf) : path_join(pkgdir, buf);
		if (!path_is_dir(out)) {
			free(out);
			out = NULL;
		}
	}
	free(buf);
	free(link);
	return out;
}

/* Hard-link copy of a tree (directories made, files linked, links copied). */
static int
link_tree(const char *src, const char *dst, struct kerr *e)
{
	DIR *d = opendir(src);
	struct dirent *de;
	int rc = -1;

	if (d == NULL)
		return kerr_errno(e, "%s", src);
	if (mkdir(dst, 0755) < 0 && errno != EEXIST) {
		kerr_errno(e, "%s", dst);
		goto out;
	}
	while ((de = readdir(d)) != NULL) {
		struct stat st;
		char *s, *t;
		int r = 0;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		s = path_join(src, de->d_name);
		t = path_join(dst, de->d_name);
		if (lstat(s, &st) < 0) {
			r = kerr_errno(e, "%s", s);
		} else if (S_ISDIR(st.st_mode)) {
			r = link_tree(s, t, e);
		} else if (S_ISLNK(st.st_mode)) {
			char *target = path_readlink(s, NULL);
			if (target == NULL || symlink(target, t) < 0)
				r = kerr_errno(e, "%s", t);
			free(target);
		} else if (link(s, t) < 0) {
			r = kerr_errno(e, "link %s", t);
		}
		free(s);
		free(t);
		if (r < 0)
			goto out;
	}
	rc = 0;
out:
	closedir(d);
	return rc;
}

int
publish_prepare(const char *pkgdir, char **building, bool *resumed,
    struct kerr *e)
{
	char *b = path_join(pkgdir, ".building");
	char *tmp = path_join(pkgdir, ".building.new");
	char *latest = NULL;
	int rc = -1;

	*resumed = false;
	if (path_mkdir_p(pkgdir, 0755, e) < 0)
		goto out;
	if (path_is_dir(b)) {
		*resumed = true;
		rc = 0;
		goto out;
	}
	/* Copy under a temporary name so a kill mid-copy leaves no half .building. */
	if (path_rm_rf(tmp, e) < 0)
		goto out;
	latest = publish_latest(pkgdir);
	if (latest) {
		if (link_tree(latest, tmp, e) < 0)
			goto out;
	} else if (mkdir(tmp, 0755) < 0) {
		kerr_errno(e, "%s", tmp);
		goto out;
	}
	if (rename(tmp, b) < 0) {
		kerr_errno(e, "rename %s", b);
		goto out;
	}
	rc = 0;
out:
	if (rc == 0)
		*building = b;
	else
		free(b);
	free(tmp);
	free(latest);
	return rc;
}

int
publish_discard(const char *pkgdir, struct kerr *e)
{
	char *b = path_join(pkgdir, ".building");
	int rc = path_rm_rf(b, e);

	free(b);
	return rc;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

typedef VEC(char *) strvec;

/* Top-level links NAME -> .latest/NAME for each name of the generation. */
static int
refresh_links(const char *pkgdir, const char *gen, struct kerr *e)
{
	DIR *d = opendir(gen);
	struct dirent *de;
	int rc = -1;

	if (d == NULL)
		return kerr_errno(e, "%s", gen);
	while ((de = readdir(d)) != NULL) {
		char *lnk, *target, *tmp;
		if (de->d_name[0] == '.')
			continue;
		lnk = path_join(pkgdir, de->d_name);
		target = xasprintf(".latest/%s", de->d_name);
		tmp = xasprintf("%s/.link.%s", pkgdir, de->d_name);
		unlink(tmp);
		if (symlink(target, tmp) < 0 || rename(tmp, lnk) < 0) {
			kerr_errno(e, "%s", lnk);
			unlink(tmp);
			free(lnk);
			free(target);
			free(tmp);
			goto out;
		}
		free(lnk);
		free(target);
		free(tmp);
	}
	rc = 0;
out:
	closedir(d);
	return rc;
}

int
publish_commit(const char *pkgdir, long now, int keep, struct kerr *e)
{
	char *b = path_join(pkgdir, ".building");
	char *name = NULL, *gen = NULL, *lnk = NULL, *tmp = NULL;
	strvec gens = VEC_INIT;
	DIR *d = NULL;
	struct dirent *de;
	int rc = -1;

	for (int i = 0; ; i++) {
		free(name);
		free(gen);
		name = i ? xasprintf(".real_%ld.%d", now, i) : xasprintf(".real_%ld", now);
		gen = path_join(pkgdir, name);
		if (!path_exists(gen))
			break;
	}
	if (rename(b, gen) < 0) {
		kerr_errno(e, "rename %s to %s", b, gen);
		goto out;
	}
	lnk = path_join(pkgdir, ".latest");
	tmp = path_join(pkgdir, ".latest.new");
	unlink(tmp);
	if (symlink(name, tmp) < 0 || rename(tmp, lnk) < 0) {
		kerr_errno(e, "switch %s", lnk);
		unlink(tmp);
		goto out;
	}
	if (refresh_links(pkgdir, gen, e) < 0)
		goto out;
	/* Old generations: newest first by name (epochs sort as numbers do
	 * while they have the same width, which holds until 2286). */
	if (keep >= 0 && (d = opendir(pkgdir)) != NULL) {
		while ((de = readdir(d)) != NULL)
			if (strncmp(de->d_name, ".real_", 6) == 0 &&
			    strcmp(de->d_name, name) != 0)
				vec_push(&gens, xstrdup(de->d_name));
		if (gens.n > 1)
			qsort(gens.v, gens.n, sizeof(char *), cmp_str);
		for (size_t i = 0; i + (size_t)keep < gens.n; i++) {
			char *p = path_join(pkgdir, gens.v[i]);
			int r = path_rm_rf(p, e);
			free(p);
			if (r < 0)
				goto out;
		}
	}
	rc = 0;
out:
	if (d)
		closedir(d);
	vec_free_all(&gens, free);
	free(tmp);
	free(lnk);
	free(gen);
	free(name);
	free(b);
	return rc;
}
