/*
 * ports_tree: registrations of ports trees (see ports_tree.h).  git runs
 * as a child process from an argv, never through a shell.
 * Calls: conf, util.
 */
#include "ports_tree.h"
#include "util/child.h"
#include "util/path.h"
#include "util/sha256.h"
#include "util/strbuf.h"
#include "util/ucl.h"
#include "util/vec.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void
ports_tree_free(struct ports_tree *t)
{
	free(t->name); free(t->method); free(t->path); free(t->url); free(t->branch);
	memset(t, 0, sizeof(*t));
}

static bool
valid_name(const char *n)
{
	if (*n == '\0' || *n == '.')
		return false;
	for (; *n; n++)
		if (!(isalnum((unsigned char)*n) || *n == '_' || *n == '-' || *n == '.'))
			return false;
	return true;
}

static char *const *
git_env(void)
{
	static char *env[] = { "PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/nonexistent",
	    "GIT_TERMINAL_PROMPT=0", "LANG=C", NULL };
	return env;
}

int
ports_tree_create(const struct conf *c, const char *name, const char *method,
    const char *path, const char *url, const char *branch, struct kerr *e)
{
	char *dir = NULL, *ucl = NULL, *tree = NULL, *abs = NULL;
	struct uv *o = NULL;
	struct strbuf sb = STRBUF_INIT;
	int rc = -1;

	if (!valid_name(name))
		return kerr_set(e, "ports tree name '%s' is not valid ([A-Za-z0-9_.-])", name);
	dir = conf_path(c, "ports/%s", name);
	if (path_exists(dir)) {
		kerr_set(e, "ports tree %s already exists (%s)", name, dir);
		goto out;
	}
	o = uv_new_object();
	uv_set(o, "method", uv_new_string(method));
	if (strcmp(method, "null") == 0) {
		if (path == NULL) {
			kerr_set(e, "ports tree %s: -m null needs -M PATH", name);
			goto out;
		}
		abs = realpath(path, NULL);
		if (abs == NULL || !path_is_dir(abs)) {
			kerr_set(e, "ports tree %s: %s is not a directory", name, path);
			goto out;
		}
		uv_set(o, "path", uv_new_string(abs));
		if (path_mkdir_p(dir, 0755, e) < 0)
			goto out;
	} else if (strcmp(method, "git") == 0) {
		const char *argv[9];
		int n = 0;
		struct child ch;
		struct strbuf err = STRBUF_INIT;
		if (url == NULL) {
			kerr_set(e, "ports tree %s: -m git needs -U URL", name);
			goto out;
		}
		if (path_mkdir_p(dir, 0755, e) < 0)
			goto out;
		tree = path_join(dir, "tree");
		argv[n++] = "git";
		argv[n++] = "clone";
		argv[n++] = "--quiet";
		if (branch) {
			argv[n++] = "--branch";
			argv[n++] = branch;
		}
		argv[n++] = url;
		argv[n++] = tree;
		argv[n] = NULL;
		child_init(&ch, (char *const *)argv, git_env());
		ch.err = &err;
		if (child_run(&ch, e) < 0 || child_exit_code(&ch) != 0) {
			if (ch.pid)
				kerr_set(e, "ports tree %s: git clone %s failed: %s", name,
				    url, err.buf);
			strbuf_release(&err);
			path_rm_rf(dir, &(struct kerr){ { 0 } });
			goto out;
		}
		strbuf_release(&err);
		uv_set(o, "path", uv_new_string(tree));
		uv_set(o, "url", uv_new_string(url));
		if (branch)
			uv_set(o, "branch", uv_new_string(branch));
	} else {
		kerr_set(e, "ports tree %s: unknown method '%s' (null or git)", name, method);
		goto out;
	}
	uv_emit_json(o, &sb, true);
	strbuf_addch(&sb, '\n');
	ucl = path_join(dir, "ports.ucl");
	rc = path_write_atomic(ucl, sb.buf, sb.len, 0644, e);
out:
	uv_free(o);
	strbuf_release(&sb);
	free(dir); free(ucl); free(tree); free(abs);
	return rc;
}

int
ports_tree_get(const struct conf *c, const char *name, struct ports_tree *t,
    struct kerr *e)
{
	char *ucl = conf_path(c, "ports/%s/ports.ucl", name);
	struct uv *o;

	memset(t, 0, sizeof(*t));
	if (!valid_name(name) || !path_exists(ucl)) {
		free(ucl);
		return kerr_set(e, "no ports tree named %s (see kiln ports -l)", name);
	}
	o = uv_parse_file(ucl, e);
	free(ucl);
	if (o == NULL)
		return -1;
	t->name = xstrdup(name);
	t->method = xstrdup(uv_get_str(o, "method") ? uv_get_str(o, "method") : "?");
	t->path = xstrdup(uv_get_str(o, "path") ? uv_get_str(o, "path") : "");
	t->url = uv_get_str(o, "url") ? xstrdup(uv_get_str(o, "url")) : NULL;
	t->branch = uv_get_str(o, "branch") ? xstrdup(uv_get_str(o, "branch")) : NULL;
	uv_free(o);
	return 0;
}

static int
cmp_tree(const void *a, const void *b)
{
	return strcmp(((const struct ports_tree *)a)->name,
	    ((const struct ports_tree *)b)->name);
}

int
ports_tree_list(const struct conf *c, struct ports_tree **out, size_t *n,
    struct kerr *e)
{
	char *dir = conf_path(c, "ports");
	DIR *d = opendir(dir);
	struct dirent *de;
	VEC(struct ports_tree) v = VEC_INIT;

	*out = NULL;
	*n = 0;
	if (d == NULL) {
		int rc = errno == ENOENT ? 0 : kerr_errno(e, "%s", dir);
		free(dir);
		return rc;
	}
	while ((de = readdir(d)) != NULL) {
		struct ports_tree t;
		if (de->d_name[0] == '.')
			continue;
		if (ports_tree_get(c, de->d_name, &t, e) == 0)
			vec_push(&v, t);
	}
	closedir(d);
	free(dir);
	if (v.n)
		qsort(v.v, v.n, sizeof(*v.v), cmp_tree);
	*out = v.v;
	*n = v.n;
	return 0;
}

int
ports_tree_update(const struct conf *c, const char *name, struct kerr *e)
{
	struct ports_tree t;
	int rc = -1;

	if (ports_tree_get(c, name, &t, e) < 0)
		return -1;
	if (strcmp(t.method, "git") == 0) {
		const char *argv[] = { "git", "-C", t.path, "pull", "--quiet", "--ff-only",
		    NULL };
		struct child ch;
		struct strbuf err = STRBUF_INIT;
		child_init(&ch, (char *const *)argv, git_env());
		ch.err = &err;
		if (child_run(&ch, e) == 0) {
			if (child_exit_code(&ch) == 0)
				rc = 0;
			else
				kerr_set(e, "ports tree %s: git pull failed: %s", name, err.buf);
		}
		strbuf_release(&err);
	} else {
		rc = 0;	/* a null tree is updated by whoever owns it */
	}
	ports_tree_free(&t);
	return rc;
}

int
ports_tree_delete(const struct conf *c, const char *name, struct kerr *e)
{
	struct ports_tree t;
	char *dir, *ucl;
	int rc = -1;

	if (ports_tree_get(c, name, &t, e) < 0)
		return -1;
	dir = conf_path(c, "ports/%s", name);
	ucl = path_join(dir, "ports.ucl");
	if (strcmp(t.method, "git") == 0) {
		rc = path_rm_rf(dir, e);
	} else {
		/* Only our own record: the null tree's files belong to the user. */
		if (unlink(ucl) < 0)
			kerr_errno(e, "%s", ucl);
		else if (rmdir(dir) < 0)
			kerr_errno(e, "%s", dir);
		else
			rc = 0;
	}
	free(dir);
	free(ucl);
	ports_tree_free(&t);
	return rc;
}

int
ports_tree_resolve(const struct conf *c, const char *np, char **dir,
    char **cache_dir, struct kerr *e)
{
	struct ports_tree t;

	*dir = *cache_dir = NULL;
	if (strchr(np, '/') || strcmp(np, ".") == 0 || strcmp(np, "..") == 0) {
		char *abs = realpath(np, NULL);
		char hex[SHA256_HEX_LEN + 1];
		if (abs == NULL || !path_is_dir(abs)) {
			free(abs);
			return kerr_set(e, "%s: not a ports tree directory", np);
		}
		sha256_buf_hex(abs, strlen(abs), hex);
		*dir = abs;
		*cache_dir = conf_path(c, "data/cache/ports/path-%.16s", hex);
		return 0;
	}
	if (ports_tree_get(c, np, &t, e) < 0)
		return -1;
	*dir = xstrdup(t.path);
	*cache_dir = conf_path(c, "data/cache/ports/%s", np);
	ports_tree_free(&t);
	return 0;
}
