/*
 * archive: tree → cpio.gz / tar with libarchive (see archive.h).
 */
#include "util/archive.h"
#include "util/path.h"
#include "util/strbuf.h"
#include "util/vec.h"
#include "util/xalloc.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

typedef VEC(char *) strvec;

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Collect every path under root (relative, no leading "./"), sorted. */
static int
collect(const char *root, const char *rel, strvec *out, struct kerr *e)
{
	char *dir = *rel ? path_join(root, rel) : xstrdup(root);
	DIR *d = opendir(dir);
	struct dirent *de;
	strvec names = VEC_INIT;
	int rc = -1;

	if (d == NULL) {
		kerr_errno(e, "%s", dir);
		goto out;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		vec_push(&names, xstrdup(de->d_name));
	}
	closedir(d);
	if (names.n)
		qsort(names.v, names.n, sizeof(char *), cmp_str);
	for (size_t i = 0; i < names.n; i++) {
		char *r = *rel ? xasprintf("%s/%s", rel, names.v[i]) : xstrdup(names.v[i]);
		char *full = path_join(root, r);
		struct stat st;
		vec_push(out, r);
		if (lstat(full, &st) == 0 && S_ISDIR(st.st_mode) &&
		    collect(root, r, out, e) < 0) {
			free(full);
			goto out;
		}
		free(full);
	}
	rc = 0;
out:
	vec_free_all(&names, free);
	free(dir);
	return rc;
}

static int
copy_data(struct archive *a, const char *full, struct kerr *e)
{
	char buf[65536];
	ssize_t n;
	int fd = open(full, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return kerr_errno(e, "%s", full);
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if (archive_write_data(a, buf, (size_t)n) != n) {
			close(fd);
			return kerr_set(e, "%s: %s", full, archive_error_string(a));
		}
	}
	close(fd);
	if (n < 0)
		return kerr_errno(e, "%s", full);
	return 0;
}

int
archive_write_tree(const char *root, const char *out, enum archive_kind kind,
    const struct archive_dev *devs, size_t ndevs, struct kerr *e)
{
	strvec paths = VEC_INIT;
	struct archive *a = NULL;
	struct archive_entry *ent = NULL;
	struct atomic_file af = { 0 };
	bool open_af = false;
	int rc = -1;

	if (collect(root, "", &paths, e) < 0)
		goto out;
	for (size_t i = 0; i < ndevs; i++)
		vec_push(&paths, xstrdup(devs[i].path));
	if (paths.n)
		qsort(paths.v, paths.n, sizeof(char *), cmp_str);
	if (atomic_file_open(&af, out, 0644, e) < 0)
		goto out;
	open_af = true;
	a = archive_write_new();
	if (kind == ARCHIVE_CPIO_GZ) {
		archive_write_set_format_cpio_newc(a);
		archive_write_add_filter_gzip(a);
	} else {
		archive_write_set_format_pax_restricted(a);
		if (kind == ARCHIVE_TAR_GZ)
			archive_write_add_filter_gzip(a);
	}
	if (archive_write_open_fd(a, af.fd) != ARCHIVE_OK) {
		kerr_set(e, "%s: %s", out, archive_error_string(a));
		goto out;
	}
	ent = archive_entry_new();
	for (size_t i = 0; i < paths.n; i++) {
		const struct archive_dev *dev = NULL;
		char *full = path_join(root, paths.v[i]);
		struct stat st;

		for (size_t j = 0; j < ndevs; j++)
			if (strcmp(devs[j].path, paths.v[i]) == 0)
				dev = &devs[j];
		archive_entry_clear(ent);
		archive_entry_set_pathname(ent, paths.v[i]);
		if (dev) {
			archive_entry_set_filetype(ent, AE_IFCHR);
			archive_entry_set_perm(ent, dev->mode);
			archive_entry_set_rdev(ent, makedev(dev->major, dev->minor));
			archive_entry_set_nlink(ent, 1);
			archive_entry_set_size(ent, 0);
			archive_entry_set_mtime(ent, 0, 0);
		} else {
			if (lstat(full, &st) < 0) {
				kerr_errno(e, "%s", full);
				free(full);
				goto out;
			}
			archive_entry_copy_stat(ent, &st);
			archive_entry_set_nlink(ent, S_ISDIR(st.st_mode) ? 2 : 1);
			archive_entry_set_ino(ent, (la_int64_t)i + 1);
			archive_entry_set_dev(ent, 0);
			if (S_ISLNK(st.st_mode)) {
				char *link = path_readlink(full, e);
				if (link == NULL) {
					free(full);
					goto out;
				}
				archive_entry_set_symlink(ent, link);
				free(link);
				archive_entry_set_size(ent, 0);
			} else if (!S_ISREG(st.st_mode)) {
				archive_entry_set_size(ent, 0);
			}
		}
		archive_entry_set_uid(ent, 0);
		archive_entry_set_gid(ent, 0);
		archive_entry_set_uname(ent, "root");
		archive_entry_set_gname(ent, kind == ARCHIVE_CPIO_GZ ? "root" : "wheel");
		if (archive_write_header(a, ent) != ARCHIVE_OK) {
			kerr_set(e, "%s: %s", full, archive_error_string(a));
			free(full);
			goto out;
		}
		if (!dev && S_ISREG(st.st_mode) && st.st_size > 0 &&
		    copy_data(a, full, e) < 0) {
			free(full);
			goto out;
		}
		free(full);
	}
	if (archive_write_close(a) != ARCHIVE_OK) {
		kerr_set(e, "%s: %s", out, archive_error_string(a));
		goto out;
	}
	rc = atomic_file_commit(&af, e);
	open_af = false;
out:
	if (open_af)
		atomic_file_abort(&af);
	if (ent)
		archive_entry_free(ent);
	if (a)
		archive_write_free(a);
	vec_free_all(&paths, free);
	return rc;
}
