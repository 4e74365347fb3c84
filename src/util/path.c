/*
 * path: path strings, recursive mkdir/rm, whole-file and symlink reads,
 * atomic writes.
 */
#include "util/path.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *
path_join(const char *a, const char *b)
{
	size_t la = strlen(a);

	while (la > 1 && a[la - 1] == '/')
		la--;
	while (*b == '/')
		b++;
	if (la == 0)
		return xstrdup(b);
	if (*b == '\0')
		return xstrndup(a, la);
	if (la == 1 && a[0] == '/')
		return xasprintf("/%s", b);
	return xasprintf("%.*s/%s", (int)la, a, b);
}

char *
path_normalize(const char *p)
{
	bool abs = p[0] == '/';
	size_t n = strlen(p);
	char *out = xmalloc(n + 2);
	size_t o = 0;
	const char *s = p;

	if (abs)
		out[o++] = '/';
	while (*s) {
		while (*s == '/')
			s++;
		const char *e = s;
		while (*e && *e != '/')
			e++;
		size_t len = (size_t)(e - s);
		if (len == 0)
			break;
		if (len == 1 && s[0] == '.') {
			/* skip */
		} else if (len == 2 && s[0] == '.' && s[1] == '.') {
			size_t base = abs ? 1 : 0;
			if (o <= base) {
				free(out);
				return NULL;
			}
			while (o > base && out[o - 1] != '/')
				o--;
			if (o > base)
				o--;	/* drop the separator too */
		} else {
			if (o > (abs ? 1u : 0u))
				out[o++] = '/';
			memcpy(out + o, s, len);
			o += len;
		}
		s = e;
	}
	if (o == 0)
		out[o++] = '.';
	out[o] = '\0';
	return out;
}

bool
path_is_under(const char *p, const char *base)
{
	size_t lb = strlen(base);

	while (lb > 1 && base[lb - 1] == '/')
		lb--;
	if (lb == 1 && base[0] == '/')
		return p[0] == '/';
	return strncmp(p, base, lb) == 0 && (p[lb] == '\0' || p[lb] == '/');
}

bool
path_exists(const char *p)
{
	struct stat st;

	return lstat(p, &st) == 0;
}

bool
path_is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

int
path_mkdir_p(const char *p, mode_t mode, struct kerr *e)
{
	char *buf = xstrdup(p);
	int rc = -1;

	for (char *s = buf + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST) {
			kerr_errno(e, "%s", buf);
			goto out;
		}
		*s = c;
		if (c == '\0')
			break;
	}
	if (!path_is_dir(p)) {
		kerr_set(e, "%s: exists and is not a directory", p);
		goto out;
	}
	rc = 0;
out:
	free(buf);
	return rc;
}

/*
 * A walk of a tree that never follows symlinks and never crosses into
 * another file system.  visit is called once for every entry that is not
 * a directory, and twice for a directory: before (after = false) and
 * after (after = true) its entries.  Returns 0 or -1 with e set.
 */
struct walk {
	dev_t dev;
	bool rm;		/* rm -rf: tolerate vanished entries, refuse mount points */
	uid_t uid;		/* chown -hR */
	gid_t gid;
	int (*visit)(const struct walk *w, int dfd, const char *name,
	    const struct stat *st, bool after, const char *shown, struct kerr *e);
};

static int
walk_at(const struct walk *w, int dfd, const char *name, const char *shown,
    struct kerr *e)
{
	struct stat st;
	int fd, rc = -1;
	DIR *d;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return w->rm && errno == ENOENT ? 0 : kerr_errno(e, "%s", shown);
	if (st.st_dev != w->dev)
		return w->rm ? kerr_set(e, "%s: is a mount point; refusing to remove it",
		    shown) : 0;
	if (w->visit(w, dfd, name, &st, false, shown, e) < 0)
		return -1;
	if (!S_ISDIR(st.st_mode))
		return 0;
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return kerr_errno(e, "%s", shown);
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return kerr_errno(e, "%s", shown);
	}
	for (struct dirent *de; (de = readdir(d)) != NULL;) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		char *sub = path_join(shown, de->d_name);
		int r = walk_at(w, dirfd(d), de->d_name, sub, e);
		free(sub);
		if (r < 0)
			goto out;
	}
	rc = w->visit(w, dfd, name, &st, true, shown, e);
out:
	closedir(d);
	return rc;
}

static int
walk(struct walk *w, const char *p, struct kerr *e)
{
	struct stat st;

	if (lstat(p, &st) < 0)
		return w->rm && errno == ENOENT ? 0 : kerr_errno(e, "%s", p);
	w->dev = st.st_dev;
	return walk_at(w, AT_FDCWD, p, p, e);
}

static int
rm_visit(const struct walk *w, int dfd, const char *name, const struct stat *st,
    bool after, const char *shown, struct kerr *e)
{
	(void)w;
	if (S_ISDIR(st->st_mode) != after)
		return 0;	/* a directory goes after its entries */
	if (unlinkat(dfd, name, after ? AT_REMOVEDIR : 0) < 0 && errno != ENOENT)
		return kerr_errno(e, "%s", shown);
	return 0;
}

int
path_rm_rf(const char *p, struct kerr *e)
{
	struct walk w = { .rm = true, .visit = rm_visit };

	return walk(&w, p, e);
}

static int
chown_visit(const struct walk *w, int dfd, const char *name, const struct stat *st,
    bool after, const char *shown, struct kerr *e)
{
	if (after || (st->st_uid == w->uid && st->st_gid == w->gid))
		return 0;
	if (fchownat(dfd, name, w->uid, w->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return kerr_errno(e, "%s", shown);
	return 0;
}

int
path_chown_r(const char *p, uid_t uid, gid_t gid, struct kerr *e)
{
	struct walk w = { .uid = uid, .gid = gid, .visit = chown_visit };

	return walk(&w, p, e);
}

int
path_read(const char *p, struct strbuf *sb, struct kerr *e)
{
	if (strbuf_read_file(sb, p) < 0)
		return kerr_errno(e, "%s", p);
	return 0;
}

char *
path_readlink(const char *p, struct kerr *e)
{
	size_t cap = 256;
	char *buf = xmalloc(cap);

	for (;;) {
		ssize_t n = readlink(p, buf, cap);
		if (n < 0) {
			int saved = errno;
			kerr_errno(e, "%s", p);
			free(buf);
			errno = saved;
			return NULL;
		}
		if ((size_t)n < cap) {
			buf[n] = '\0';
			return buf;
		}
		cap *= 2;
		buf = xrealloc(buf, cap);
	}
}

char *
path_resolve_in(const char *root, const char *rel)
{
	struct strbuf cur = STRBUF_INIT, todo = STRBUF_INIT;
	int links = 0;
	char *res = NULL;

	strbuf_addstr(&todo, rel);
	while (todo.len) {
		char *p = todo.buf, *slash;
		while (*p == '/')
			p++;
		if (!*p)
			break;
		slash = strchr(p, '/');
		char *comp = xstrndup(p, slash ? (size_t)(slash - p) : strlen(p));
		char *rest = xstrdup(slash ? slash : "");
		strbuf_reset(&todo);
		strbuf_addstr(&todo, rest);
		free(rest);
		if (strcmp(comp, ".") == 0) {
			free(comp);
			continue;
		}
		if (strcmp(comp, "..") == 0) {
			char *s = strrchr(cur.buf, '/');
			strbuf_setlen(&cur, s ? (size_t)(s - cur.buf) : 0);
			free(comp);
			continue;
		}
		char *host = xasprintf("%s%s/%s", root, cur.buf, comp);
		struct stat st;
		if (lstat(host, &st) < 0) {
			free(host);
			free(comp);
			goto out;
		}
		if (S_ISLNK(st.st_mode)) {
			char *target = path_readlink(host, NULL);
			free(host);
			free(comp);
			if (target == NULL || ++links > 40) {
				free(target);
				goto out;
			}
			struct strbuf nt = STRBUF_INIT;
			strbuf_addstr(&nt, target);
			strbuf_addch(&nt, '/');
			strbuf_addstr(&nt, todo.buf);
			strbuf_reset(&todo);
			strbuf_addstr(&todo, nt.buf);
			strbuf_release(&nt);
			if (target[0] == '/')
				strbuf_reset(&cur);
			free(target);
			continue;
		}
		free(host);
		strbuf_addch(&cur, '/');
		strbuf_addstr(&cur, comp);
		free(comp);
	}
	res = xasprintf("%s%s", root, cur.buf);
out:
	strbuf_release(&cur);
	strbuf_release(&todo);
	return res;
}

int
write_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void
fsync_parent(const char *p)
{
	char *copy = xstrdup(p);
	int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(copy);
}

int
atomic_file_open(struct atomic_file *af, const char *p, mode_t mode,
    struct kerr *e)
{
	af->path = xstrdup(p);
	af->tmp = xasprintf("%s.tmp.%ld", p, (long)getpid());
	af->fd = open(af->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (af->fd < 0) {
		kerr_errno(e, "%s", af->tmp);
		free(af->path);
		free(af->tmp);
		af->path = af->tmp = NULL;
		return -1;
	}
	/* The mode must not depend on the caller's umask. */
	fchmod(af->fd, mode);
	return 0;
}

int
atomic_file_commit(struct atomic_file *af, struct kerr *e)
{
	int rc = -1;

	if (fsync(af->fd) < 0) {
		kerr_errno(e, "%s: fsync", af->tmp);
		close(af->fd);
		goto out;
	}
	if (close(af->fd) < 0) {
		kerr_errno(e, "%s: close", af->tmp);
		goto out;
	}
	if (rename(af->tmp, af->path) < 0) {
		kerr_errno(e, "%s: rename to %s", af->tmp, af->path);
		goto out;
	}
	fsync_parent(af->path);
	rc = 0;
out:
	if (rc < 0)
		unlink(af->tmp);
	free(af->path);
	free(af->tmp);
	af->path = af->tmp = NULL;
	af->fd = -1;
	return rc;
}

void
atomic_file_abort(struct atomic_file *af)
{
	if (af->fd >= 0)
		close(af->fd);
	if (af->tmp)
		unlink(af->tmp);
	free(af->path);
	free(af->tmp);
	af->path = af->tmp = NULL;
	af->fd = -1;
}

int
path_write_atomic(const char *p, const void *data, size_t len, mode_t mode,
    struct kerr *e)
{
	struct atomic_file af;

	if (atomic_file_open(&af, p, mode, e) < 0)
		return -1;
	if (write_full(af.fd, data, len) < 0) {
		kerr_errno(e, "%s", af.tmp);
		atomic_file_abort(&af);
		return -1;
	}
	return atomic_file_commit(&af, e);
}
