/*
 * archive: write, read and safely extract .pkg files with libarchive (see
 * archive.h for the layout and the extraction rules).
 * Does not decide what goes into a package (create.c) and does not commit
 * installs (the client does, with pkg_extract_commit).
 * Calls: util, pkg/manifest, pkg/checksum, libarchive.
 */
#include "pkg/archive.h"

#include "pkg/checksum.h"
#include "util/path.h"
#include "util/xalloc.h"

#include <archive.h>
#include <archive_entry.h>
#include <zstd.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

/* Metadata members larger than this are refused (a manifest is text). */
#define META_MAX (64u << 20)

void
pkg_write_opts_init(struct pkg_write_opts *o)
{
	o->compress = PKG_COMPRESS_ZSTD;
	o->level = -1;
	o->threads = 0;
	o->mtime = -1;
}

static const struct {
	const char *name, *alias;
	enum pkg_compress c;
} compress_names[] = {
	{ "tzst", "zstd", PKG_COMPRESS_ZSTD },
	{ "txz", "xz", PKG_COMPRESS_XZ },
	{ "tgz", "gzip", PKG_COMPRESS_GZIP },
	{ "tbz", "bzip2", PKG_COMPRESS_BZIP2 },
	{ "tar", "none", PKG_COMPRESS_NONE },
};

int
pkg_compress_parse(const char *s, enum pkg_compress *out, struct kerr *e)
{
	for (size_t i = 0; i < sizeof(compress_names) / sizeof(compress_names[0]); i++) {
		if (strcmp(s, compress_names[i].name) == 0 ||
		    strcmp(s, compress_names[i].alias) == 0) {
			*out = compress_names[i].c;
			return 0;
		}
	}
	return kerr_set(e, "unknown compression '%s' (tzst, txz, tgz, tbz, tar)", s);
}

const char *
pkg_compress_name(enum pkg_compress c)
{
	for (size_t i = 0; i < sizeof(compress_names) / sizeof(compress_names[0]); i++)
		if (compress_names[i].c == c)
			return compress_names[i].name;
	return "tar";
}

static int
ar_fail(struct kerr *e, struct archive *a, const char *what)
{
	const char *m = archive_error_string(a);

	return kerr_set(e, "%s: %s", what, m ? m : "libarchive error");
}

/*
 * zstd is done here with libzstd rather than libarchive's filter, so that
 * every CPU compresses: the calling thread reads the files and formats the
 * tar stream, and zstd's own workers (ZSTD_c_nbWorkers) compress it in
 * jobs (8 MiB at level 3) while the next job is being filled.  zstd cuts
 * jobs by size, not by worker count, so its multi-threaded output is the
 * same for any nbWorkers >= 1; it differs from single-threaded output
 * (nbWorkers = 0, which zstd's CLI calls --single-thread, unlike -T1).
 * So packages always use at least one worker and their bytes do not
 * depend on -T or on the builder's CPUs (t2001 and test_pkg_archive
 * compare -T 1 with -T 4).  Small writes (tar headers, padding) are
 * gathered in a buffer so zstd sees few large calls; file data of a
 * buffer's size or more goes to zstd directly, without another copy.
 */
#define ZS_GATHER (64u << 10)

struct zsink {
	ZSTD_CCtx *cctx;
	int fd;
	char *out;
	size_t outcap;
	char *gather;		/* ZS_GATHER bytes of small writes */
	size_t glen;
	int err;		/* errno of the first failure, or EIO */
	char errmsg[160];
};

/* Compress in with mode and write what comes out.  0 or -1 (z->err set). */
static int
zsink_compress(struct zsink *z, ZSTD_inBuffer *in, ZSTD_EndDirective mode)
{
	size_t left;

	do {
		ZSTD_outBuffer out = { z->out, z->outcap, 0 };

		left = ZSTD_compressStream2(z->cctx, &out, in, mode);
		if (ZSTD_isError(left)) {
			z->err = EIO;
			snprintf(z->errmsg, sizeof(z->errmsg), "zstd: %s",
			    ZSTD_getErrorName(left));
			return -1;
		}
		if (out.pos > 0 && write_full(z->fd, z->out, out.pos) < 0) {
			z->err = errno;
			snprintf(z->errmsg, sizeof(z->errmsg), "write: %s", strerror(errno));
			return -1;
		}
	} while (mode == ZSTD_e_end ? left != 0 : in->pos < in->size);
	return 0;
}

/* Hand the gathered small writes to zstd.  0 or -1. */
static int
zsink_drain(struct zsink *z)
{
	ZSTD_inBuffer in = { z->gather, z->glen, 0 };

	z->glen = 0;
	return in.size > 0 ? zsink_compress(z, &in, ZSTD_e_continue) : 0;
}

static la_ssize_t
zsink_write(struct archive *a, void *cd, const void *buf, size_t len)
{
	struct zsink *z = cd;

	if (z->glen + len <= ZS_GATHER) {
		memcpy(z->gather + z->glen, buf, len);
		z->glen += len;
		return (la_ssize_t)len;
	}
	if (zsink_drain(z) < 0)
		goto fail;
	if (len < ZS_GATHER) {
		memcpy(z->gather, buf, len);
		z->glen = len;
	} else {
		ZSTD_inBuffer in = { buf, len, 0 };

		if (zsink_compress(z, &in, ZSTD_e_continue) < 0)
			goto fail;
	}
	return (la_ssize_t)len;
fail:
	archive_set_error(a, z->err, "%s", z->errmsg);
	return -1;
}

static int
zsink_close(struct archive *a, void *cd)
{
	struct zsink *z = cd;
	int r = ARCHIVE_OK;

	if (z->err == 0 && zsink_drain(z) == 0) {
		ZSTD_inBuffer in = { NULL, 0, 0 };

		(void)zsink_compress(z, &in, ZSTD_e_end);
	}
	if (z->err != 0) {
		archive_set_error(a, z->err, "%s", z->errmsg);
		r = ARCHIVE_FATAL;
	}
	ZSTD_freeCCtx(z->cctx);
	free(z->out);
	free(z->gather);
	free(z);
	return r;
}

static long
ncpu(int threads)
{
	long n = threads > 0 ? threads : sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? n : 1;
}

/* A tar writer on fd with the filter and options of c/level/threads;
 * threads 0 is every CPU, -1 is one thread and no zstd workers (small
 * in-memory members). */
static struct archive *
writer_new(int fd, enum pkg_compress c, int level, int threads,
    const char *what, struct kerr *e)
{
	struct archive *a = archive_write_new();
	char opt[64];
	int r = ARCHIVE_OK;

	archive_write_set_format_pax_restricted(a);
	switch (c) {
	case PKG_COMPRESS_ZSTD: {
		struct zsink *z = xcalloc(1, sizeof(*z));

		z->cctx = ZSTD_createCCtx();
		z->fd = fd;
		z->outcap = ZSTD_CStreamOutSize();
		z->out = xmalloc(z->outcap);
		z->gather = xmalloc(ZS_GATHER);
		ZSTD_CCtx_setParameter(z->cctx, ZSTD_c_compressionLevel,
		    level < 0 ? 3 : level);
		ZSTD_CCtx_setParameter(z->cctx, ZSTD_c_checksumFlag, 1);
		/* Fails harmlessly (single-threaded output) on a libzstd
		 * built without threads; Debian's and FreeBSD's have them. */
		if (threads >= 0)
			ZSTD_CCtx_setParameter(z->cctx, ZSTD_c_nbWorkers,
			    (int)ncpu(threads));
		archive_write_add_filter_none(a);
		/* Unbuffered: libarchive hands every write straight to the
		 * sink, which gathers only the small ones. */
		archive_write_set_bytes_per_block(a, 0);
		if (archive_write_open(a, z, NULL, zsink_write, zsink_close) != ARCHIVE_OK) {
			ar_fail(e, a, what);
			archive_write_free(a);
			return NULL;
		}
		return a;
	}
	case PKG_COMPRESS_XZ:
		r = archive_write_add_filter_xz(a);
		if (r == ARCHIVE_OK && level >= 0) {
			snprintf(opt, sizeof(opt), "xz:compression-level=%d", level);
			r = archive_write_set_options(a, opt);
		}
		if (r == ARCHIVE_OK && threads >= 0 && ncpu(threads) > 1) {
			snprintf(opt, sizeof(opt), "xz:threads=%ld", ncpu(threads));
			r = archive_write_set_options(a, opt);
		}
		break;
	case PKG_COMPRESS_GZIP:
		r = archive_write_add_filter_gzip(a);
		if (r == ARCHIVE_OK && level >= 0) {
			snprintf(opt, sizeof(opt), "gzip:compression-level=%d", level);
			r = archive_write_set_options(a, opt);
		}
		break;
	case PKG_COMPRESS_BZIP2:
		r = archive_write_add_filter_bzip2(a);
		break;
	case PKG_COMPRESS_NONE:
		r = archive_write_add_filter_none(a);
		break;
	}
	if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
		ar_fail(e, a, what);
		archive_write_free(a);
		return NULL;
	}
	archive_write_set_bytes_in_last_block(a, 1);
	if (archive_write_open_fd(a, fd) != ARCHIVE_OK) {
		ar_fail(e, a, what);
		archive_write_free(a);
		return NULL;
	}
	return a;
}

static int
write_member(struct archive *a, struct archive_entry *ent, const char *name,
    const void *data, size_t len, int64_t mtime, const char *what,
    struct kerr *e)
{
	archive_entry_clear(ent);
	archive_entry_set_pathname(ent, name);
	archive_entry_set_filetype(ent, AE_IFREG);
	archive_entry_set_perm(ent, 0644);
	archive_entry_set_uname(ent, "root");
	archive_entry_set_gname(ent, "wheel");
	archive_entry_set_size(ent, (la_int64_t)len);
	archive_entry_set_mtime(ent, mtime, 0);
	if (archive_write_header(a, ent) != ARCHIVE_OK ||
	    (len > 0 && archive_write_data(a, data, len) != (la_ssize_t)len))
		return ar_fail(e, a, what);
	return 0;
}

int
pkg_archive_write_members(const char *outpath, const struct pkg_member *mem,
    size_t n, enum pkg_compress c, int level, int64_t mtime, struct kerr *e)
{
	struct atomic_file af;
	struct archive *a = NULL;
	struct archive_entry *ent = archive_entry_new();
	int rc = -1;

	if (atomic_file_open(&af, outpath, 0644, e) < 0) {
		archive_entry_free(ent);
		return -1;
	}
	if ((a = writer_new(af.fd, c, level, -1, outpath, e)) == NULL)
		goto out;
	for (size_t i = 0; i < n; i++)
		if (write_member(a, ent, mem[i].name, mem[i].data, mem[i].len,
		    mtime, outpath, e) < 0)
			goto out;
	if (archive_write_close(a) != ARCHIVE_OK) {
		ar_fail(e, a, outpath);
		goto out;
	}
	rc = 0;
out:
	if (a)
		archive_write_free(a);
	archive_entry_free(ent);
	if (rc == 0)
		rc = atomic_file_commit(&af, e);
	else
		atomic_file_abort(&af);
	return rc;
}

static int
cmp_file_ptr(const void *a, const void *b)
{
	const struct pkg_file *x = *(const struct pkg_file *const *)a;
	const struct pkg_file *y = *(const struct pkg_file *const *)b;

	return strcmp(x->path, y->path);
}

static int
cmp_dir_ptr(const void *a, const void *b)
{
	const struct pkg_dir *x = *(const struct pkg_dir *const *)a;
	const struct pkg_dir *y = *(const struct pkg_dir *const *)b;

	return strcmp(x->path, y->path);
}

struct inode_seen {
	dev_t dev;
	ino_t ino;
	const char *path;
};

/* Read size of copy_data: large calls reach zstd without being gathered. */
#define COPY_BUF (1u << 18)

/* Copy a staged regular file's bytes into the archive through buf
 * (COPY_BUF bytes, the caller's). */
static int
copy_data(struct archive *a, const char *src, int64_t size, char *buf,
    struct kerr *e)
{
	int64_t done = 0;
	ssize_t n;
	int fd = open(src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	int rc = -1;

	if (fd < 0)
		return kerr_errno(e, "%s", src);
	while (done < size) {
		n = read(fd, buf, COPY_BUF);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			kerr_errno(e, "%s", src);
			goto out;
		}
		if (n == 0) {
			kerr_set(e, "%s: file shrank while being packed", src);
			goto out;
		}
		if (n > size - done)
			n = (ssize_t)(size - done);
		if (archive_write_data(a, buf, (size_t)n) != n) {
			ar_fail(e, a, src);
			goto out;
		}
		done += n;
	}
	rc = 0;
out:
	close(fd);
	return rc;
}

int
pkg_archive_write(const struct pkg_manifest *m, const char *stagedir,
    const char *outpath, const struct pkg_write_opts *o, struct kerr *e)
{
	struct strbuf compact = STRBUF_INIT, full = STRBUF_INIT;
	struct atomic_file af;
	struct archive *a = NULL;
	struct archive_entry *ent = archive_entry_new();
	const struct pkg_file **files = NULL;
	const struct pkg_dir **dirs = NULL;
	VEC(struct inode_seen) seen = VEC_INIT;
	char *buf = NULL;
	int rc = -1;

	if (atomic_file_open(&af, outpath, 0644, e) < 0) {
		archive_entry_free(ent);
		return -1;
	}
	buf = xmalloc(COPY_BUF);
	if ((a = writer_new(af.fd, o->compress, o->level,
	    o->threads < 0 ? 0 : o->threads, outpath, e)) == NULL)
		goto out;
	pkg_manifest_emit(m, PKG_EMIT_COMPACT, &compact);
	pkg_manifest_emit(m, PKG_EMIT_FULL, &full);
	if (write_member(a, ent, "+COMPACT_MANIFEST", compact.buf, compact.len, 0,
	    outpath, e) < 0 ||
	    write_member(a, ent, "+MANIFEST", full.buf, full.len, 0, outpath, e) < 0)
		goto out;

	files = xcalloc(m->files.n + 1, sizeof(*files));
	for (size_t i = 0; i < m->files.n; i++)
		files[i] = &m->files.v[i];
	qsort(files, m->files.n, sizeof(*files), cmp_file_ptr);
	for (size_t i = 0; i < m->files.n; i++) {
		const struct pkg_file *f = files[i];
		char *src = path_join(stagedir, f->path);
		struct stat st;
		const char *link = NULL;

		if (lstat(src, &st) < 0) {
			kerr_errno(e, "%s", src);
			free(src);
			goto out;
		}
		archive_entry_clear(ent);
		archive_entry_set_pathname(ent, f->path);
		archive_entry_set_uname(ent, f->uname ? f->uname : "root");
		archive_entry_set_gname(ent, f->gname ? f->gname : "wheel");
		archive_entry_set_perm(ent, f->perm != PKG_PERM_UNSET ? f->perm :
		    (st.st_mode & 07777));
		archive_entry_set_mtime(ent, o->mtime >= 0 ? o->mtime :
		    f->mtime >= 0 ? f->mtime : st.st_mtime, 0);
		if (S_ISREG(st.st_mode) && st.st_nlink > 1) {
			for (size_t j = 0; j < seen.n; j++)
				if (seen.v[j].dev == st.st_dev && seen.v[j].ino == st.st_ino)
					link = seen.v[j].path;
			if (link == NULL) {
				struct inode_seen s = { st.st_dev, st.st_ino, f->path };
				vec_push(&seen, s);
			}
		}
		if (S_ISLNK(st.st_mode)) {
			archive_entry_set_filetype(ent, AE_IFLNK);
			if (f->symlink_target) {
				archive_entry_set_symlink(ent, f->symlink_target);
			} else {
				char *t = path_readlink(src, e);

				if (t == NULL) {
					free(src);
					goto out;
				}
				archive_entry_set_symlink(ent, t);
				free(t);
			}
		} else if (S_ISREG(st.st_mode) && link) {
			archive_entry_set_filetype(ent, AE_IFREG);
			archive_entry_set_hardlink(ent, link);
			archive_entry_set_size(ent, 0);
		} else if (S_ISREG(st.st_mode)) {
			archive_entry_set_filetype(ent, AE_IFREG);
			archive_entry_set_size(ent, st.st_size);
		} else {
			kerr_set(e, "%s: not a regular file or symlink", src);
			free(src);
			goto out;
		}
		if (archive_write_header(a, ent) != ARCHIVE_OK) {
			ar_fail(e, a, f->path);
			free(src);
			goto out;
		}
		if (S_ISREG(st.st_mode) && !link && copy_data(a, src, st.st_size, buf, e) < 0) {
			free(src);
			goto out;
		}
		free(src);
	}

	dirs = xcalloc(m->dirs.n + 1, sizeof(*dirs));
	for (size_t i = 0; i < m->dirs.n; i++)
		dirs[i] = &m->dirs.v[i];
	qsort(dirs, m->dirs.n, sizeof(*dirs), cmp_dir_ptr);
	for (size_t i = 0; i < m->dirs.n; i++) {
		const struct pkg_dir *d = dirs[i];
		char *src = path_join(stagedir, d->path);
		struct stat st;

		if (stat(src, &st) < 0 || !S_ISDIR(st.st_mode)) {
			kerr_set(e, "%s: directory missing from the stage", src);
			free(src);
			goto out;
		}
		free(src);
		archive_entry_clear(ent);
		archive_entry_set_pathname(ent, d->path);
		archive_entry_set_filetype(ent, AE_IFDIR);
		archive_entry_set_perm(ent, d->perm != PKG_PERM_UNSET ? d->perm :
		    (st.st_mode & 07777));
		archive_entry_set_uname(ent, d->uname ? d->uname : "root");
		archive_entry_set_gname(ent, d->gname ? d->gname : "wheel");
		archive_entry_set_mtime(ent, o->mtime >= 0 ? o->mtime : st.st_mtime, 0);
		if (archive_write_header(a, ent) != ARCHIVE_OK) {
			ar_fail(e, a, d->path);
			goto out;
		}
	}
	if (archive_write_close(a) != ARCHIVE_OK) {
		ar_fail(e, a, outpath);
		goto out;
	}
	rc = 0;
out:
	if (a)
		archive_write_free(a);
	archive_entry_free(ent);
	if (rc == 0)
		rc = atomic_file_commit(&af, e);
	else
		atomic_file_abort(&af);
	free(files);
	free(dirs);
	free(buf);
	vec_free(&seen);
	strbuf_release(&compact);
	strbuf_release(&full);
	return rc;
}

/* --- reading ----------------------------------------------------------- */

struct pkg_archive {
	struct archive *a;
	char *what;
	struct pkg_manifest *m;
	struct strbuf compact, manifest;
	struct archive_entry *pending;	/* first payload entry, unread */
	bool eof;
	bool consumed;
};

static int
read_all(struct archive *a, struct archive_entry *ent, const char *what,
    struct strbuf *sb, struct kerr *e)
{
	la_int64_t size = archive_entry_size(ent);
	la_ssize_t n;
	char buf[16384];

	if (size > (la_int64_t)META_MAX)
		return kerr_set(e, "%s: %s: too large", what, archive_entry_pathname(ent));
	strbuf_reset(sb);
	while ((n = archive_read_data(a, buf, sizeof(buf))) > 0) {
		if (sb->len + (size_t)n > META_MAX)
			return kerr_set(e, "%s: %s: too large", what,
			    archive_entry_pathname(ent));
		strbuf_add(sb, buf, (size_t)n);
	}
	if (n < 0)
		return ar_fail(e, a, what);
	return 0;
}

static int
open_common(struct pkg_archive *pa, unsigned flags, struct kerr *e)
{
	struct archive_entry *ent;
	bool have_compact = false, have_full = false;
	int r;

	for (;;) {
		const char *name;

		r = archive_read_next_header(pa->a, &ent);
		if (r == ARCHIVE_EOF) {
			pa->eof = true;
			break;
		}
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
			return ar_fail(e, pa->a, pa->what);
		name = archive_entry_pathname(ent);
		if (name == NULL || name[0] != '+') {
			pa->pending = ent;
			break;
		}
		if (strcmp(name, "+COMPACT_MANIFEST") == 0) {
			if (read_all(pa->a, ent, pa->what, &pa->compact, e) < 0)
				return -1;
			have_compact = true;
			if (flags & PKG_OPEN_COMPACT)
				break;
		} else if (strcmp(name, "+MANIFEST") == 0) {
			if (read_all(pa->a, ent, pa->what, &pa->manifest, e) < 0)
				return -1;
			have_full = true;
			if ((flags & PKG_OPEN_COMPACT) && !have_compact)
				break;
		}
	}
	if ((flags & PKG_OPEN_COMPACT) && have_compact && !have_full) {
		char *w = xasprintf("%s: +COMPACT_MANIFEST", pa->what);

		pa->m = pkg_manifest_parse(pa->compact.buf, pa->compact.len, w, e);
		free(w);
		pa->consumed = true;	/* payload no longer reachable in order */
		return pa->m ? 0 : -1;
	}
	if (!have_full)
		return kerr_set(e, "%s: no +MANIFEST (metadata members must come "
		    "before the payload)", pa->what);
	char *w = xasprintf("%s: +MANIFEST", pa->what);
	pa->m = pkg_manifest_parse(pa->manifest.buf, pa->manifest.len, w, e);
	free(w);
	if ((flags & PKG_OPEN_COMPACT) && !pa->pending)
		pa->consumed = true;
	return pa->m ? 0 : -1;
}

static struct pkg_archive *
pa_new(const char *what)
{
	struct pkg_archive *pa = xcalloc(1, sizeof(*pa));

	pa->a = archive_read_new();
	pa->what = xstrdup(what);
	strbuf_init(&pa->compact, 0);
	strbuf_init(&pa->manifest, 0);
	archive_read_support_filter_all(pa->a);
	archive_read_support_format_tar(pa->a);
	return pa;
}

int
pkg_archive_open(const char *path, unsigned flags, struct pkg_archive **out,
    struct kerr *e)
{
	struct pkg_archive *pa = pa_new(path);

	*out = NULL;
	if (archive_read_open_filename(pa->a, path, 65536) != ARCHIVE_OK) {
		ar_fail(e, pa->a, path);
		pkg_archive_close(pa);
		return -1;
	}
	if (open_common(pa, flags, e) < 0) {
		pkg_archive_close(pa);
		return -1;
	}
	*out = pa;
	return 0;
}

int
pkg_archive_open_mem(const void *data, size_t len, const char *what,
    unsigned flags, struct pkg_archive **out, struct kerr *e)
{
	struct pkg_archive *pa = pa_new(what);

	*out = NULL;
	if (archive_read_open_memory(pa->a, data, len) != ARCHIVE_OK) {
		ar_fail(e, pa->a, what);
		pkg_archive_close(pa);
		return -1;
	}
	if (open_common(pa, flags, e) < 0) {
		pkg_archive_close(pa);
		return -1;
	}
	*out = pa;
	return 0;
}

void
pkg_archive_close(struct pkg_archive *pa)
{
	if (pa == NULL)
		return;
	archive_read_free(pa->a);
	pkg_manifest_free(pa->m);
	strbuf_release(&pa->compact);
	strbuf_release(&pa->manifest);
	free(pa->what);
	free(pa);
}

const struct pkg_manifest *
pkg_archive_manifest(const struct pkg_archive *pa)
{
	return pa->m;
}

struct pkg_manifest *
pkg_archive_take_manifest(struct pkg_archive *pa)
{
	struct pkg_manifest *m = pa->m;

	pa->m = NULL;
	return m;
}

const struct strbuf *
pkg_archive_compact_raw(const struct pkg_archive *pa)
{
	return &pa->compact;
}

const struct strbuf *
pkg_archive_manifest_raw(const struct pkg_archive *pa)
{
	return &pa->manifest;
}

/* The next payload entry: the pending one first.  1 entry, 0 end, -1 error. */
static int
next_payload(struct pkg_archive *pa, struct archive_entry **ent, struct kerr *e)
{
	int r;

	if (pa->pending) {
		*ent = pa->pending;
		pa->pending = NULL;
		return 1;
	}
	if (pa->eof)
		return 0;
	r = archive_read_next_header(pa->a, ent);
	if (r == ARCHIVE_EOF) {
		pa->eof = true;
		return 0;
	}
	if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
		return ar_fail(e, pa->a, pa->what);
	return 1;
}

int
pkg_archive_list(struct pkg_archive *pa, pkg_strv *out, struct kerr *e)
{
	struct archive_entry *ent;
	int r;

	if (pa->consumed)
		return kerr_set(e, "%s: payload already read", pa->what);
	pa->consumed = true;
	while ((r = next_payload(pa, &ent, e)) > 0)
		pkg_strv_push(out, archive_entry_pathname(ent));
	return r;
}

/* --- extraction -------------------------------------------------------- */

void
pkg_extract_opts_init(struct pkg_extract_opts *o)
{
	o->confine_prefix = false;
	o->set_owner = geteuid() == 0;
}

/* Look a user or group up in ROOT/etc/passwd or ROOT/etc/group; 0 when
 * absent (pkg maps unknown names to 0 too). */
static unsigned
lookup_id(const char *root, const char *file, const char *name)
{
	char *p = path_join(root, file);
	FILE *f = fopen(p, "r");
	char line[1024];
	unsigned id = 0;
	size_t nl = strlen(name);

	free(p);
	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		char *c;

		if (strncmp(line, name, nl) != 0 || line[nl] != ':')
			continue;
		/* name:passwd:ID: */
		if ((c = strchr(line + nl + 1, ':')) != NULL) {
			id = (unsigned)strtoul(c + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return id;
}

struct xctx {
	char *uname, *gname;	/* last names looked up, and their ids */
	uid_t uid;
	gid_t gid;
	const char *root;
	const struct pkg_manifest *m;
	const struct pkg_extract_opts *o;
	struct pkg_extract *x;
	const struct pkg_file **files;	/* sorted by path */
	const struct pkg_dir **dirs;	/* sorted by path */
	char *seen;			/* per file: extracted already */
	unsigned counter;
};

static const struct pkg_file *
find_file(struct xctx *c, const char *path, size_t *idx)
{
	size_t lo = 0, hi = c->m->files.n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int r = strcmp(path, c->files[mid]->path);

		if (r == 0) {
			if (idx)
				*idx = mid;
			return c->files[mid];
		}
		if (r < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static const struct pkg_dir *
find_dir(struct xctx *c, const char *path)
{
	size_t lo = 0, hi = c->m->dirs.n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int r = strcmp(path, c->dirs[mid]->path);

		if (r == 0)
			return c->dirs[mid];
		if (r < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/*
 * Make sure every directory from root down to dir (exclusive of root)
 * exists as a real directory, creating missing ones.  A symlink or a
 * non-directory on the way is refused.
 */
static int
ensure_parents(struct xctx *c, const char *path, const char *member,
    struct kerr *e)
{
	char *rel = xstrdup(path);
	char *slash = rel;
	int rc = -1;

	/* path is "/a/b/c": walk "/a", "/a/b". */
	while ((slash = strchr(slash + 1, '/')) != NULL) {
		struct stat st;
		char *full;

		*slash = '\0';
		if (find_file(c, rel, NULL) != NULL) {
			kerr_set(e, "%s: refusing to write through %s, a file or symlink "
			    "of the package", member, rel);
			goto out;
		}
		full = path_join(c->root, rel);
		if (lstat(full, &st) == 0) {
			if (S_ISLNK(st.st_mode)) {
				kerr_set(e, "%s: refusing to write through symlink %s",
				    member, rel);
				free(full);
				goto out;
			}
			if (!S_ISDIR(st.st_mode)) {
				kerr_set(e, "%s: %s exists and is not a directory",
				    member, rel);
				free(full);
				goto out;
			}
			free(full);
		} else if (errno == ENOENT) {
			if (mkdir(full, 0755) < 0) {
				kerr_errno(e, "%s", full);
				free(full);
				goto out;
			}
			vec_push(&c->x->parents, full);
		} else {
			kerr_errno(e, "%s", full);
			free(full);
			goto out;
		}
		*slash = '/';
	}
	rc = 0;
out:
	free(rel);
	return rc;
}

static void
apply_attrs(struct xctx *c, int fd, const char *p, bool is_link, mode_t perm,
    const char *uname, const char *gname, int64_t mtime)
{
	struct timespec ts[2];

	if (c->o->set_owner) {
		uid_t u;
		gid_t g;

		uname = uname ? uname : "root";
		gname = gname ? gname : "wheel";
		/* One package has few owners: remember the last lookup. */
		if (c->uname == NULL || strcmp(c->uname, uname) != 0) {
			free(c->uname);
			c->uname = xstrdup(uname);
			c->uid = lookup_id(c->root, "etc/passwd", uname);
		}
		if (c->gname == NULL || strcmp(c->gname, gname) != 0) {
			free(c->gname);
			c->gname = xstrdup(gname);
			c->gid = lookup_id(c->root, "etc/group", gname);
		}
		u = c->uid;
		g = c->gid;

		if (fd >= 0)
			(void)!fchown(fd, u, g);
		else
			(void)!lchown(p, u, g);
	}
	if (!is_link && fd >= 0)
		(void)!fchmod(fd, perm & 07777);
	ts[0].tv_sec = ts[1].tv_sec = mtime;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	if (fd >= 0)
		(void)!futimens(fd, ts);
	else
		(void)!utimensat(AT_FDCWD, p, ts, AT_SYMLINK_NOFOLLOW);
}

static char *
tmp_name(struct xctx *c, const char *final)
{
	const char *slash = strrchr(final, '/');

	return xasprintf("%.*s/.kiln.tmp.%ld.%u", (int)(slash - final), final,
	    (long)getpid(), c->counter++);
}

static int
check_sum(const char *want, const char *got_type_input, size_t len,
    bool is_link, const char *member, struct kerr *e)
{
	enum pkg_cksum_type t;
	char *got;
	int rc = 0;

	if (pkg_cksum_type_of(want, &t, e) < 0)
		return kerr_prefix(e, "%s", member);
	got = is_link ? pkg_cksum_symlink(t, got_type_input) :
	    pkg_cksum_buf(t, got_type_input, len);
	if (got == NULL || strcmp(got, want) != 0)
		rc = kerr_set(e, "%s: checksum mismatch", member);
	free(got);
	return rc;
}

static int
extract_regular(struct xctx *c, struct pkg_archive *pa, struct archive_entry *ent,
    const struct pkg_file *f, struct pkg_xitem *it, struct kerr *e)
{
	struct pkg_cksum ck;
	bool ck_on = false;
	char *buf = xmalloc(1 << 16);
	la_ssize_t n;
	int fd = -1, rc = -1;

	if (f->sum) {
		enum pkg_cksum_type t;

		if (pkg_cksum_type_of(f->sum, &t, e) < 0 || pkg_cksum_init(&ck, t, e) < 0) {
			kerr_prefix(e, "%s", it->path);
			goto out;
		}
		ck_on = true;
	}
	fd = open(it->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		kerr_errno(e, "%s", it->tmp);
		goto out;
	}
	while ((n = archive_read_data(pa->a, buf, 1 << 16)) > 0) {
		if (ck_on)
			pkg_cksum_update(&ck, buf, (size_t)n);
		if (write_full(fd, buf, (size_t)n) < 0) {
			kerr_errno(e, "%s", it->tmp);
			goto out;
		}
	}
	if (n < 0) {
		ar_fail(e, pa->a, it->path);
		goto out;
	}
	if (ck_on) {
		char *got = pkg_cksum_final(&ck);

		ck_on = false;
		if (strcmp(got, f->sum) != 0) {
			free(got);
			kerr_set(e, "%s: checksum mismatch", it->path);
			goto out;
		}
		free(got);
	}
	apply_attrs(c, fd, it->tmp, false,
	    f->perm != PKG_PERM_UNSET ? f->perm : archive_entry_perm(ent),
	    archive_entry_uname(ent), archive_entry_gname(ent),
	    f->mtime >= 0 ? f->mtime : archive_entry_mtime(ent));
	rc = 0;
out:
	if (ck_on)
		pkg_cksum_abort(&ck);
	if (fd >= 0)
		close(fd);
	free(buf);
	return rc;
}

/* A symlink target stays inside ROOT (lexically). */
static bool
link_target_ok(const char *path, const char *target)
{
	char *joined, *norm;
	bool ok;

	if (target[0] == '\0')
		return false;
	if (target[0] == '/') {
		norm = path_normalize(target);
	} else {
		const char *slash = strrchr(path, '/');

		joined = xasprintf("%.*s/%s", (int)(slash - path), path, target);
		norm = path_normalize(joined);
		free(joined);
	}
	ok = norm != NULL;
	free(norm);
	return ok;
}

static int
extract_one(struct xctx *c, struct pkg_archive *pa, struct archive_entry *ent,
    struct kerr *e)
{
	const char *name = archive_entry_pathname(ent);
	mode_t type = archive_entry_filetype(ent);
	const char *hard = archive_entry_hardlink(ent);
	struct pkg_xitem it;
	char *path = NULL, *norm = NULL;
	const struct pkg_file *f = NULL;
	const struct pkg_dir *d = NULL;
	size_t idx = 0;
	int rc = -1;

	memset(&it, 0, sizeof(it));
	if (name == NULL || name[0] != '/')
		return kerr_set(e, "%s: member '%s' is not an absolute path", pa->what,
		    name ? name : "");
	path = xstrdup(name);
	if (type == AE_IFDIR && strlen(path) > 1 && path[strlen(path) - 1] == '/')
		path[strlen(path) - 1] = '\0';
	norm = path_normalize(path);
	if (norm == NULL || strcmp(norm, path) != 0 || strstr(path, "/../") ||
	    strcmp(path, "/") == 0) {
		kerr_set(e, "%s: member '%s' is not a normalised path inside the root",
		    pa->what, name);
		goto out;
	}
	if (c->o->confine_prefix && c->m->prefix && !path_is_under(path, c->m->prefix)) {
		kerr_set(e, "%s: member '%s' is outside the prefix %s", pa->what, name,
		    c->m->prefix);
		goto out;
	}
	if (type == AE_IFDIR) {
		if ((d = find_dir(c, path)) == NULL) {
			kerr_set(e, "%s: directory '%s' is not in the manifest", pa->what, name);
			goto out;
		}
	} else if (hard == NULL && type != AE_IFREG && type != AE_IFLNK) {
		kerr_set(e, "%s: member '%s' has a refused type (only files, symlinks, "
		    "hardlinks and directories)", pa->what, name);
		goto out;
	} else if ((f = find_file(c, path, &idx)) == NULL) {
		kerr_set(e, "%s: file '%s' is not in the manifest", pa->what, name);
		goto out;
	} else if (c->seen[idx]) {
		kerr_set(e, "%s: member '%s' appears twice", pa->what, name);
		goto out;
	}
	if (ensure_parents(c, path, name, e) < 0)
		goto out;
	it.path = path;
	path = NULL;
	it.final = path_join(c->root, it.path);

	if (type == AE_IFDIR) {
		struct stat st;

		it.is_dir = true;
		if (lstat(it.final, &st) == 0) {
			if (!S_ISDIR(st.st_mode)) {
				kerr_set(e, "%s: %s exists and is not a directory", pa->what,
				    it.path);
				goto out;
			}
		} else if (errno == ENOENT) {
			if (mkdir(it.final, 0755) < 0) {
				kerr_errno(e, "%s", it.final);
				goto out;
			}
			it.created = true;
			int dfd = open(it.final, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (dfd >= 0) {
				apply_attrs(c, dfd, it.final, false,
				    d->perm != PKG_PERM_UNSET ? d->perm : archive_entry_perm(ent),
				    archive_entry_uname(ent), archive_entry_gname(ent),
				    archive_entry_mtime(ent));
				close(dfd);
			}
		} else {
			kerr_errno(e, "%s", it.final);
			goto out;
		}
		vec_push(&c->x->items, it);
		memset(&it, 0, sizeof(it));
		rc = 0;
		goto out;
	}

	it.tmp = tmp_name(c, it.final);
	if (hard != NULL) {
		size_t hidx;
		const struct pkg_xitem *src = NULL;

		if (find_file(c, hard, &hidx) == NULL || !c->seen[hidx]) {
			kerr_set(e, "%s: hardlink '%s' -> '%s' does not point to a file "
			    "of this package extracted before it", pa->what, name, hard);
			goto out;
		}
		for (size_t i = 0; i < c->x->items.n; i++)
			if (!c->x->items.v[i].is_dir &&
			    strcmp(c->x->items.v[i].path, hard) == 0)
				src = &c->x->items.v[i];
		if (src == NULL || link(src->tmp, it.tmp) < 0) {
			kerr_errno(e, "%s: cannot link to %s", name, hard);
			goto out;
		}
	} else if (type == AE_IFLNK) {
		const char *target = archive_entry_symlink(ent);

		if (target == NULL || !link_target_ok(it.path, target)) {
			kerr_set(e, "%s: symlink '%s' -> '%s' points outside the root",
			    pa->what, name, target ? target : "");
			goto out;
		}
		if (f->sum && check_sum(f->sum, target, 0, true, it.path, e) < 0)
			goto out;
		if (symlink(target, it.tmp) < 0) {
			kerr_errno(e, "%s", it.tmp);
			goto out;
		}
		apply_attrs(c, -1, it.tmp, true, 0, archive_entry_uname(ent),
		    archive_entry_gname(ent),
		    f->mtime >= 0 ? f->mtime : archive_entry_mtime(ent));
	} else if (extract_regular(c, pa, ent, f, &it, e) < 0) {
		unlink(it.tmp);
		goto out;
	}
	c->seen[idx] = 1;
	vec_push(&c->x->items, it);
	memset(&it, 0, sizeof(it));
	rc = 0;
out:
	free(it.path);
	free(it.final);
	free(it.tmp);
	free(path);
	free(norm);
	return rc;
}

int
pkg_archive_extract(struct pkg_archive *pa, const char *root,
    const struct pkg_extract_opts *o, struct pkg_extract *x, struct kerr *e)
{
	struct pkg_extract_opts defaults;
	struct xctx c;
	struct archive_entry *ent;
	char *realroot = NULL;
	int r, rc = -1;

	memset(x, 0, sizeof(*x));
	memset(&c, 0, sizeof(c));
	if (o == NULL) {
		pkg_extract_opts_init(&defaults);
		o = &defaults;
	}
	if (pa->consumed || pa->m == NULL)
		return kerr_set(e, "%s: payload not available (opened for metadata only)",
		    pa->what);
	pa->consumed = true;
	if ((realroot = realpath(root, NULL)) == NULL)
		return kerr_errno(e, "%s", root);
	c.root = realroot;
	c.m = pa->m;
	c.o = o;
	c.x = x;
	c.files = xcalloc(pa->m->files.n + 1, sizeof(*c.files));
	for (size_t i = 0; i < pa->m->files.n; i++)
		c.files[i] = &pa->m->files.v[i];
	qsort(c.files, pa->m->files.n, sizeof(*c.files), cmp_file_ptr);
	c.dirs = xcalloc(pa->m->dirs.n + 1, sizeof(*c.dirs));
	for (size_t i = 0; i < pa->m->dirs.n; i++)
		c.dirs[i] = &pa->m->dirs.v[i];
	qsort(c.dirs, pa->m->dirs.n, sizeof(*c.dirs), cmp_dir_ptr);
	c.seen = xcalloc(pa->m->files.n + 1, 1);

	while ((r = next_payload(pa, &ent, e)) > 0) {
		if (extract_one(&c, pa, ent, e) < 0) {
			if (strncmp(e->msg, pa->what, strlen(pa->what)) != 0)
				kerr_prefix(e, "%s", pa->what);
			goto out;
		}
	}
	if (r < 0)
		goto out;
	for (size_t i = 0; i < pa->m->files.n; i++) {
		if (!c.seen[i]) {
			kerr_set(e, "%s: file '%s' of the manifest is missing from the "
			    "archive", pa->what, c.files[i]->path);
			goto out;
		}
	}
	rc = 0;
out:
	if (rc < 0) {
		pkg_extract_abort(x);
		pkg_extract_free(x);
	}
	free(c.files);
	free(c.dirs);
	free(c.seen);
	free(c.uname);
	free(c.gname);
	free(realroot);
	return rc;
}

int
pkg_extract_commit(struct pkg_extract *x, struct kerr *e)
{
	for (size_t i = 0; i < x->items.n; i++) {
		struct pkg_xitem *it = &x->items.v[i];

		if (it->is_dir)
			continue;
		if (rename(it->tmp, it->final) < 0)
			return kerr_errno(e, "%s", it->final);
		free(it->tmp);
		it->tmp = NULL;
	}
	x->committed = true;
	return 0;
}

static int
cmp_len_desc(const void *a, const void *b)
{
	size_t la = strlen(*(char *const *)a), lb = strlen(*(char *const *)b);

	return la < lb ? 1 : la > lb ? -1 : 0;
}

void
pkg_extract_abort(struct pkg_extract *x)
{
	VEC(char *) dirs = VEC_INIT;

	if (x->committed)
		return;
	for (size_t i = 0; i < x->items.n; i++) {
		struct pkg_xitem *it = &x->items.v[i];

		if (it->tmp)
			unlink(it->tmp);
		else if (it->is_dir && it->created)
			vec_push(&dirs, it->final);
	}
	for (size_t i = 0; i < x->parents.n; i++)
		vec_push(&dirs, x->parents.v[i]);
	/* Deepest first, so every directory is empty when its turn comes. */
	if (dirs.n > 1)
		qsort(dirs.v, dirs.n, sizeof(char *), cmp_len_desc);
	for (size_t i = 0; i < dirs.n; i++)
		rmdir(dirs.v[i]);
	vec_free(&dirs);
}

void
pkg_extract_free(struct pkg_extract *x)
{
	for (size_t i = 0; i < x->items.n; i++) {
		free(x->items.v[i].path);
		free(x->items.v[i].final);
		free(x->items.v[i].tmp);
	}
	vec_free(&x->items);
	vec_free_all(&x->parents, free);
}
