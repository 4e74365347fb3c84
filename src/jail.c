/*
 * jail: build jails (see jail.h for the methods, jail.ucl and the content
 * identity).  It creates, updates, lists and deletes the trees and
 * computes their ABI from an ELF note, as pkg does; it runs nothing
 * inside them.  Calls: conf, util (child for debootstrap), libarchive.
 */
#include "jail.h"
#include "util/child.h"
#include "util/path.h"
#include "util/sha256.h"
#include "util/strbuf.h"
#include "util/ucl.h"
#include "util/vec.h"
#include "util/xalloc.h"

#include <archive.h>
#include <archive_entry.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *const host_usr_links[] = {
	"bin", "sbin", "lib", "lib32", "lib64", "libx32", NULL,
};
static const char *const host_layers_fixed[] = { "/usr", "/etc", NULL };
static const char *const host_layers_dirs[] = {
	"/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", NULL,
};

void
jail_free(struct jail *j)
{
	if (!j)
		return;
	free(j->name);
	free(j->method);
	free(j->version);
	free(j->arch);
	free(j->abi);
	free(j->root);
	free(j->source);
	free(j->identity);
	memset(j, 0, sizeof(*j));
}

static int
check_name(const char *name, struct kerr *e)
{
	if (!name || !*name || name[0] == '.' || strlen(name) > 64)
		return kerr_set(e, "jail name '%s': 1-64 characters, not starting with '.'",
		    name ? name : "");
	for (const char *p = name; *p; p++)
		if (!(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') &&
		    !(*p >= '0' && *p <= '9') && *p != '.' && *p != '_' && *p != '-')
			return kerr_set(e, "jail name '%s': only letters, digits, '.', '_' "
			    "and '-' are allowed", name);
	return 0;
}

/* ---- ELF ABI notes ---- */

static uint64_t
rd(const unsigned char *p, int size, bool le)
{
	uint64_t v = 0;

	for (int i = 0; i < size; i++)
		v |= (uint64_t)p[le ? i : size - 1 - i] << (8 * i);
	return v;
}

int
jail_abi_elf(const unsigned char *d, size_t len, char **abi, char **arch,
    struct kerr *e)
{
	bool is64, le;
	uint64_t phoff, phnum, phentsize;
	unsigned machine;
	const char *os = NULL;
	unsigned major = 0, minor = 0;
	bool found = false;

	if (len < 52 || memcmp(d, "\177ELF", 4) != 0)
		return kerr_set(e, "not an ELF file");
	is64 = d[4] == 2;
	le = d[5] == 1;
	if ((d[4] != 1 && d[4] != 2) || (d[5] != 1 && d[5] != 2) || (is64 && len < 64))
		return kerr_set(e, "unknown ELF class or byte order");
	machine = (unsigned)rd(d + 18, 2, le);
	phoff = is64 ? rd(d + 32, 8, le) : rd(d + 28, 4, le);
	phentsize = is64 ? rd(d + 54, 2, le) : rd(d + 42, 2, le);
	phnum = is64 ? rd(d + 56, 2, le) : rd(d + 44, 2, le);
	if (phentsize < (is64 ? 56u : 32u) || phnum > 1024 || phoff > len ||
	    phnum * phentsize > len - phoff)
		return kerr_set(e, "truncated ELF program headers");
	for (uint64_t i = 0; i < phnum && !found; i++) {
		const unsigned char *ph = d + phoff + i * phentsize;
		uint64_t off, sz;
		if (rd(ph, 4, le) != 4)	/* PT_NOTE */
			continue;
		off = is64 ? rd(ph + 8, 8, le) : rd(ph + 4, 4, le);
		sz = is64 ? rd(ph + 32, 8, le) : rd(ph + 16, 4, le);
		if (off > len || sz > len - off)
			continue;
		for (uint64_t p = off; p + 12 <= off + sz;) {
			uint64_t nsz = rd(d + p, 4, le), dsz = rd(d + p + 4, 4, le);
			uint64_t type = rd(d + p + 8, 4, le);
			uint64_t name = p + 12, desc = name + ((nsz + 3) & ~3ULL);
			uint64_t next = desc + ((dsz + 3) & ~3ULL);
			if (nsz > sz || dsz > sz || next > off + sz)
				break;
			if (type == 1 && nsz == 4 && memcmp(d + name, "GNU", 4) == 0 &&
			    dsz >= 16 && rd(d + desc, 4, le) == 0) {
				os = "Linux";
				major = (unsigned)rd(d + desc + 4, 4, le);
				minor = (unsigned)rd(d + desc + 8, 4, le);
				found = true;
				break;
			}
			if (type == 1 && nsz == 8 && memcmp(d + name, "FreeBSD", 8) == 0 &&
			    dsz >= 4) {
				os = "FreeBSD";
				major = (unsigned)rd(d + desc, 4, le) / 100000;
				found = true;
				break;
			}
			p = next;
		}
	}
	if (!found)
		return kerr_set(e, "no ELF ABI note (NT_GNU_ABI_TAG or FreeBSD's)");
	bool fbsd = strcmp(os, "FreeBSD") == 0;
	const char *a;
	switch (machine) {
	case 62: a = fbsd ? "amd64" : "x86_64"; break;
	case 183: a = "aarch64"; break;
	case 3: a = "i386"; break;
	case 40: a = "armv7"; break;
	case 243: a = "riscv64"; break;
	case 21: a = le ? "powerpc64le" : "powerpc64"; break;
	default:
		return kerr_set(e, "ELF machine %u is not known to kiln", machine);
	}
	*arch = xstrdup(a);
	*abi = fbsd ? xasprintf("FreeBSD:%u:%s", major, a)
		    : xasprintf("Linux:%u.%u:%s", major, minor, a);
	return 0;
}

int
jail_abi(const char *root, char **abi, char **arch, struct kerr *e)
{
	static const char *const cand[] = { "/usr/bin/uname", "/bin/sh", NULL };
	char first[1024] = "";

	for (int i = 0; cand[i]; i++) {
		char *p = path_resolve_in(root, cand[i]);
		struct strbuf sb = STRBUF_INIT;
		int rc = -1;
		if (p && strbuf_read_file(&sb, p) == 0)
			rc = jail_abi_elf((unsigned char *)sb.buf, sb.len, abi, arch, e);
		if (rc < 0 && !first[0])
			snprintf(first, sizeof(first), "%.400s%s: %.500s", root, cand[i],
			    p && sb.len ? e->msg : "cannot read it");
		strbuf_release(&sb);
		free(p);
		if (rc == 0)
			return 0;
	}
	return kerr_set(e, "%s (cannot tell the jail's ABI)", first);
}

/* ---- identity ---- */

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Hash the tree's metadata, sorted, without crossing file systems. */
static void
walk(struct sha256 *h, const char *root, const char *rel, dev_t dev)
{
	char *dir = xasprintf("%s%s", root, rel);
	DIR *d = opendir(dir);
	VEC(char *) names = VEC_INIT;
	struct dirent *de;

	if (!d) {
		free(dir);
		return;
	}
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			vec_push(&names, xstrdup(de->d_name));
	closedir(d);
	if (names.n)
		qsort(names.v, names.n, sizeof(char *), cmp_str);
	for (size_t i = 0; i < names.n; i++) {
		char *r = xasprintf("%s/%s", rel, names.v[i]);
		char *p = xasprintf("%s%s", root, r);
		struct stat st;
		char line[PATH_MAX + 256], target[PATH_MAX] = "";
		if (lstat(p, &st) == 0) {
			if (S_ISLNK(st.st_mode)) {
				ssize_t n = readlink(p, target, sizeof(target) - 1);
				target[n > 0 ? n : 0] = '\0';
			}
			int len = snprintf(line, sizeof(line), "%s %o %u %u %lld %lld %s\n", r,
			    (unsigned)st.st_mode, (unsigned)st.st_uid, (unsigned)st.st_gid,
			    (long long)st.st_size, (long long)st.st_mtime, target);
			sha256_update(h, line, (size_t)len);
			if (S_ISDIR(st.st_mode) && st.st_dev == dev)
				walk(h, root, r, dev);
		}
		free(p);
		free(r);
		free(names.v[i]);
	}
	vec_free(&names);
	free(dir);
}

static int
compute_identity(const char *tree, const char *abi, char hex[65], struct kerr *e)
{
	struct sha256 h;
	char *status = path_join(tree, "var/lib/dpkg/status");
	char sub[SHA256_HEX_LEN + 1];
	struct stat st;

	sha256_init(&h);
	sha256_update(&h, "kiln-jail-identity 1\n", 21);
	sha256_update(&h, abi, strlen(abi));
	sha256_update(&h, "\n", 1);
	if (path_exists(status)) {
		if (sha256_file_hex(status, sub, NULL, e) < 0) {
			free(status);
			sha256_final_hex(&h, hex);
			return -1;
		}
		sha256_update(&h, "dpkg ", 5);
		sha256_update(&h, sub, SHA256_HEX_LEN);
	} else if (lstat(tree, &st) == 0) {
		walk(&h, tree, "", st.st_dev);
	}
	free(status);
	sha256_final_hex(&h, hex);
	return 0;
}

int
jail_identity(const struct jail *j, char hex[65], struct kerr *e)
{
	if (strcmp(j->method, "host") == 0)
		return compute_identity("/", j->abi, hex, e);
	if (strcmp(j->method, "null") == 0)
		return compute_identity(j->root, j->abi, hex, e);
	if (!j->identity || strlen(j->identity) != SHA256_HEX_LEN)
		return kerr_set(e, "jail %s: jail.ucl has no identity", j->name);
	memcpy(hex, j->identity, SHA256_HEX_LEN + 1);
	return 0;
}

/* ---- jail.ucl ---- */

static int
save(const struct conf *c, const struct jail *j, struct kerr *e)
{
	struct uv *o = uv_new_object();
	struct strbuf sb = STRBUF_INIT;
	char *path = conf_path(c, "jails/%s/jail.ucl", j->name);
	int rc;

	uv_set(o, "name", uv_new_string(j->name));
	uv_set(o, "method", uv_new_string(j->method));
	uv_set(o, "version", uv_new_string(j->version));
	uv_set(o, "arch", uv_new_string(j->arch));
	uv_set(o, "abi", uv_new_string(j->abi));
	uv_set(o, "root", uv_new_string(j->root));
	if (j->source)
		uv_set(o, "source", uv_new_string(j->source));
	uv_set(o, "identity", uv_new_string(j->identity));
	uv_set(o, "created", uv_new_int(j->created));
	uv_set(o, "updated", uv_new_int(j->updated));
	uv_emit_json(o, &sb, true);
	strbuf_addch(&sb, '\n');
	rc = path_write_atomic(path, sb.buf, sb.len, 0644, e);
	uv_free(o);
	strbuf_release(&sb);
	free(path);
	return rc;
}

static char *
dupstr(const struct uv *o, const char *k)
{
	const char *s = uv_get_str(o, k);
	return s ? xstrdup(s) : NULL;
}

int
jail_load(const struct conf *c, const char *name, struct jail *j, struct kerr *e)
{
	char *path;
	struct uv *o;

	memset(j, 0, sizeof(*j));
	if (check_name(name, e) < 0)
		return -1;
	path = conf_path(c, "jails/%s/jail.ucl", name);
	if (!path_exists(path)) {
		free(path);
		return kerr_set(e, "jail %s does not exist (kiln jail -l lists them)", name);
	}
	o = uv_parse_file(path, e);
	if (!o) {
		free(path);
		return -1;
	}
	j->name = dupstr(o, "name");
	j->method = dupstr(o, "method");
	j->version = dupstr(o, "version");
	j->arch = dupstr(o, "arch");
	j->abi = dupstr(o, "abi");
	j->root = dupstr(o, "root");
	j->source = dupstr(o, "source");
	j->identity = dupstr(o, "identity");
	j->created = uv_get_int(o, "created", 0);
	j->updated = uv_get_int(o, "updated", 0);
	uv_free(o);
	if (!j->name || !j->method || !j->root || !j->abi || !j->version || !j->arch) {
		kerr_set(e, "%s: missing name, method, root, version, arch or abi", path);
		free(path);
		jail_free(j);
		return -1;
	}
	free(path);
	return 0;
}

/* ---- methods ---- */

/* "ID-VERSION_ID" of tree/etc/os-release, or NULL. */
static char *
os_release(const char *tree)
{
	char *p = path_join(tree, "etc/os-release"), *res = NULL;
	char *id = NULL, *ver = NULL;
	struct strbuf sb = STRBUF_INIT;

	if (!path_exists(p)) {
		free(p);
		p = path_join(tree, "usr/lib/os-release");
	}
	if (strbuf_read_file(&sb, p) == 0) {
		for (char *line = strtok(sb.buf, "\n"); line; line = strtok(NULL, "\n")) {
			char **dst = strncmp(line, "ID=", 3) == 0 ? &id
			    : strncmp(line, "VERSION_ID=", 11) == 0 ? &ver : NULL;
			if (!dst)
				continue;
			char *v = strchr(line, '=') + 1;
			if (*v == '"' || *v == '\'') {
				v++;
				v[strcspn(v, "\"'")] = '\0';
			}
			free(*dst);
			*dst = xstrdup(v);
		}
	}
	if (id)
		res = ver ? xasprintf("%s-%s", id, ver) : xstrdup(id);
	free(id);
	free(ver);
	free(p);
	strbuf_release(&sb);
	return res;
}

static int
make_host_skeleton(const char *root, struct kerr *e)
{
	static const struct { const char *d; mode_t m; } dirs[] = {
		{ "usr", 0755 }, { "etc", 0755 }, { "tmp", 01777 }, { "var", 0755 },
		{ "var/tmp", 01777 }, { "var/cache", 0755 }, { "var/lib", 0755 },
		{ "var/log", 0755 }, { "root", 0700 }, { "home", 0755 },
		{ "dev", 0755 }, { "proc", 0555 }, { "run", 0755 }, { "opt", 0755 },
		{ "mnt", 0755 }, { "srv", 0755 }, { "sys", 0555 }, { NULL, 0 },
	};

	for (int i = 0; dirs[i].d; i++) {
		char *p = path_join(root, dirs[i].d);
		if (mkdir(p, dirs[i].m) < 0 && errno != EEXIST) {
			kerr_errno(e, "%s: mkdir", p);
			free(p);
			return -1;
		}
		chmod(p, dirs[i].m);
		free(p);
	}
	for (int i = 0; host_usr_links[i]; i++) {
		char *host = xasprintf("/%s", host_usr_links[i]);
		char *p = path_join(root, host_usr_links[i]);
		struct stat st;
		int rc = 0;
		if (lstat(host, &st) == 0 && S_ISLNK(st.st_mode)) {
			char *target = path_readlink(host, NULL);
			if (target && *target)
				rc = symlink(target, p);
			free(target);
		} else if (lstat(host, &st) == 0 && S_ISDIR(st.st_mode)) {
			rc = mkdir(p, 0755);
		}
		if (rc < 0)
			kerr_errno(e, "%s", p);
		free(host);
		free(p);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int
extract_tar(const char *file, const char *dest, struct kerr *e)
{
	struct archive *a = archive_read_new(), *w = archive_write_disk_new();
	struct archive_entry *ent;
	int rc = -1, r;
	char *cwd = getcwd(NULL, 0);
	int flags = ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_OWNER |
	    ARCHIVE_EXTRACT_ACL | ARCHIVE_EXTRACT_FFLAGS | ARCHIVE_EXTRACT_XATTR |
	    ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
	    ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS | ARCHIVE_EXTRACT_UNLINK;

	archive_read_support_filter_all(a);
	archive_read_support_format_all(a);
	archive_write_disk_set_options(w, flags);
	archive_write_disk_set_standard_lookup(w);
	if (archive_read_open_filename(a, file, 65536) != ARCHIVE_OK) {
		kerr_set(e, "%s: %s", file, archive_error_string(a));
		goto out;
	}
	/* libarchive extracts relative to the cwd; entries may not climb out. */
	if (chdir(dest) < 0) {
		kerr_errno(e, "%s: chdir", dest);
		goto out;
	}
	while ((r = archive_read_next_header(a, &ent)) == ARCHIVE_OK) {
		const void *buf;
		size_t len;
		la_int64_t off;
		if (archive_write_header(w, ent) != ARCHIVE_OK) {
			kerr_set(e, "%s: %s: %s", file, archive_entry_pathname(ent),
			    archive_error_string(w));
			goto out;
		}
		while ((r = archive_read_data_block(a, &buf, &len, &off)) == ARCHIVE_OK)
			if (archive_write_data_block(w, buf, len, off) != ARCHIVE_OK) {
				kerr_set(e, "%s: %s: %s", file, archive_entry_pathname(ent),
				    archive_error_string(w));
				goto out;
			}
		if (r != ARCHIVE_EOF) {
			kerr_set(e, "%s: %s", file, archive_error_string(a));
			goto out;
		}
		if (archive_write_finish_entry(w) != ARCHIVE_OK) {
			kerr_set(e, "%s: %s: %s", file, archive_entry_pathname(ent),
			    archive_error_string(w));
			goto out;
		}
	}
	if (r != ARCHIVE_EOF) {
		kerr_set(e, "%s: %s", file, archive_error_string(a));
		goto out;
	}
	/* Directory modes and times are set here, relative to the cwd. */
	if (archive_write_close(w) != ARCHIVE_OK) {
		kerr_set(e, "%s: %s", dest, archive_error_string(w));
		goto out;
	}
	rc = 0;
out:
	/* Never let pending fixups run relative to another directory. */
	archive_write_close(w);
	if (cwd && chdir(cwd) < 0 && rc == 0)
		rc = kerr_errno(e, "%s: chdir back", cwd);
	free(cwd);
	archive_read_free(a);
	archive_write_free(w);
	return rc;
}

static int
run_debootstrap(const struct jail_spec *s, const char *dest, struct kerr *e)
{
	char *argv[8];
	int n = 0;
	char *archopt = s->arch ? xasprintf("--arch=%s", s->arch) : NULL;
	char *env[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C",
		"DEBIAN_FRONTEND=noninteractive", NULL };
	int rc;

	argv[n++] = "debootstrap";
	argv[n++] = "--variant=minbase";
	if (archopt)
		argv[n++] = archopt;
	argv[n++] = (char *)s->version;
	argv[n++] = (char *)dest;
	argv[n] = NULL;
	rc = child_capture(argv, env, NULL, e);
	free(archopt);
	if (rc < 0)
		return -1;
	/* debootstrap copies the host's resolv.conf: a jail must not carry it. */
	char *rcf = path_join(dest, "etc/resolv.conf");
	unlink(rcf);
	rc = path_write_atomic(rcf, "", 0, 0644, e);
	free(rcf);
	char *debs = path_join(dest, "var/cache/apt/archives");
	DIR *d = opendir(debs);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (l > 4 && strcmp(de->d_name + l - 4, ".deb") == 0) {
			char *p = path_join(debs, de->d_name);
			unlink(p);
			free(p);
		}
	}
	if (d)
		closedir(d);
	free(debs);
	return rc;
}

/* Make the tree of a method in dest (a fresh directory). */
static int
populate(const struct jail_spec *s, const char *dest, struct kerr *e)
{
	if (strcmp(s->method, "host") == 0)
		return make_host_skeleton(dest, e);
	if (strcmp(s->method, "tar") == 0)
		return extract_tar(s->source, dest, e);
	if (strcmp(s->method, "debootstrap") == 0)
		return run_debootstrap(s, dest, e);
	return kerr_set(e, "unknown jail method '%s' (host, null, tar, debootstrap)",
	    s->method);
}

/* Fill version, abi, arch, identity of j from its tree. */
static int
describe(struct jail *j, const struct jail_spec *s, struct kerr *e)
{
	const char *tree = strcmp(j->method, "host") == 0 ? "/" : j->root;
	char hex[SHA256_HEX_LEN + 1];

	free(j->abi);
	free(j->arch);
	j->abi = j->arch = NULL;
	if (jail_abi(tree, &j->abi, &j->arch, e) < 0)
		return -1;
	free(j->version);
	if (s->version && *s->version)
		j->version = xstrdup(s->version);
	else if (!(j->version = os_release(tree)))
		j->version = xstrdup("unknown");
	if (compute_identity(tree, j->abi, hex, e) < 0)
		return -1;
	free(j->identity);
	j->identity = xstrdup(hex);
	j->updated = (int64_t)time(NULL);
	return 0;
}

static int
check_spec(const struct jail_spec *s, struct kerr *e)
{
	if (check_name(s->name, e) < 0)
		return -1;
	if (!s->method)
		return kerr_set(e, "jail %s: no method (-m host|null|tar|debootstrap)", s->name);
	if (strcmp(s->method, "null") == 0 || strcmp(s->method, "tar") == 0) {
		if (!s->source)
			return kerr_set(e, "jail %s: method %s needs -M %s", s->name, s->method,
			    strcmp(s->method, "null") == 0 ? "DIR" : "FILE");
		if (s->source[0] != '/')
			return kerr_set(e, "jail %s: -M %s: need an absolute path", s->name,
			    s->source);
		if (strcmp(s->method, "null") == 0 && !path_is_dir(s->source))
			return kerr_set(e, "%s: not a directory", s->source);
		if (strcmp(s->method, "tar") == 0 && !path_exists(s->source))
			return kerr_set(e, "%s: no such file", s->source);
	} else if (strcmp(s->method, "debootstrap") == 0) {
		if (!s->version)
			return kerr_set(e, "jail %s: method debootstrap needs -v SUITE "
			    "(for example bookworm)", s->name);
	} else if (strcmp(s->method, "host") != 0) {
		return kerr_set(e, "jail %s: unknown method '%s' (host, null, tar, "
		    "debootstrap)", s->name, s->method);
	}
	return 0;
}

int
jail_create(const struct conf *c, const struct jail_spec *s, struct jail *j,
    struct kerr *e)
{
	char *dir = NULL, *tmp = NULL, *root = NULL;
	int rc = -1;

	memset(j, 0, sizeof(*j));
	if (check_spec(s, e) < 0)
		return -1;
	dir = conf_path(c, "jails/%s", s->name);
	if (path_exists(dir)) {
		kerr_set(e, "jail %s already exists (%s); delete it first with -d", s->name, dir);
		free(dir);
		return -1;
	}
	if (path_mkdir_p(dir, 0755, e) < 0)
		goto out;
	j->name = xstrdup(s->name);
	j->method = xstrdup(s->method);
	j->source = s->source ? xstrdup(s->source) : NULL;
	j->created = (int64_t)time(NULL);
	root = path_join(dir, "root");
	if (strcmp(s->method, "null") == 0) {
		j->root = xstrdup(s->source);
	} else {
		tmp = path_join(dir, "root.new");
		if (path_mkdir_p(tmp, 0755, e) < 0 || populate(s, tmp, e) < 0)
			goto out;
		if (rename(tmp, root) < 0) {
			kerr_errno(e, "%s: rename", tmp);
			goto out;
		}
		j->root = xstrdup(root);
	}
	if (describe(j, s, e) < 0 || save(c, j, e) < 0)
		goto out;
	rc = 0;
out:
	if (rc < 0 && dir) {
		struct kerr ignore;
		path_rm_rf(dir, &ignore);
		jail_free(j);
	}
	free(dir);
	free(tmp);
	free(root);
	return rc;
}

int
jail_update(const struct conf *c, const char *name, struct jail *j, struct kerr *e)
{
	struct jail_spec s;
	char *tmp = NULL, *old = NULL;
	int rc = -1;

	if (jail_load(c, name, j, e) < 0)
		return -1;
	memset(&s, 0, sizeof(s));
	s.name = j->name;
	s.method = j->method;
	s.source = j->source;
	/* debootstrap's suite is its version; others re-derive theirs. */
	s.version = strcmp(j->method, "debootstrap") == 0 ? j->version : NULL;
	if (check_spec(&s, e) < 0)
		goto out;
	if (strcmp(j->method, "null") != 0) {
		tmp = conf_path(c, "jails/%s/root.new", name);
		old = conf_path(c, "jails/%s/root.old", name);
		if (path_rm_rf(tmp, e) < 0 || path_rm_rf(old, e) < 0 ||
		    path_mkdir_p(tmp, 0755, e) < 0)
			goto out;
		if (populate(&s, tmp, e) < 0) {
			struct kerr ignore;
			path_rm_rf(tmp, &ignore);
			goto out;
		}
		if (rename(j->root, old) < 0 || rename(tmp, j->root) < 0) {
			kerr_errno(e, "%s: swapping in the new tree", j->root);
			goto out;
		}
		if (path_rm_rf(old, e) < 0)
			goto out;
	}
	char *ver = s.version ? xstrdup(s.version) : NULL;
	s.version = ver;
	rc = describe(j, &s, e) < 0 || save(c, j, e) < 0 ? -1 : 0;
	free(ver);
out:
	free(tmp);
	free(old);
	return rc;
}

int
jail_delete(const struct conf *c, const char *name, struct kerr *e)
{
	struct jail j;
	char *dir;
	int rc;

	if (jail_load(c, name, &j, e) < 0)
		return -1;
	dir = conf_path(c, "jails/%s", name);
	/* null's tree is not under dir, so rm_rf never reaches it. */
	rc = path_rm_rf(dir, e);
	free(dir);
	jail_free(&j);
	return rc;
}

static int
cmp_jail(const void *a, const void *b)
{
	return strcmp(((const struct jail *)a)->name, ((const struct jail *)b)->name);
}

int
jail_list(const struct conf *c, struct jail **out, size_t *n, struct kerr *e)
{
	char *dir = conf_path(c, "jails");
	DIR *d = opendir(dir);
	struct dirent *de;
	VEC(struct jail) v = VEC_INIT;

	*out = NULL;
	*n = 0;
	if (!d) {
		int missing = errno == ENOENT;
		if (!missing)
			kerr_errno(e, "%s", dir);
		free(dir);
		return missing ? 0 : -1;
	}
	while ((de = readdir(d))) {
		struct jail j;
		struct kerr ignore;
		if (de->d_name[0] == '.')
			continue;
		if (jail_load(c, de->d_name, &j, &ignore) == 0)
			vec_push(&v, j);
	}
	closedir(d);
	free(dir);
	if (v.n)
		qsort(v.v, v.n, sizeof(*v.v), cmp_jail);
	*out = v.v;
	*n = v.n;
	return 0;
}

const char *
jail_base_dir(const struct jail *j)
{
	return strcmp(j->method, "host") == 0 ? "/" : j->root;
}

size_t
jail_layers(const struct jail *j, struct sandbox_layer *l, size_t max)
{
	size_t n = 0;

	if (max == 0)
		return 0;
	l[n++] = (struct sandbox_layer){ j->root, "/" };
	if (strcmp(j->method, "host") != 0)
		return n;
	for (int i = 0; host_layers_fixed[i] && n < max; i++)
		l[n++] = (struct sandbox_layer){ host_layers_fixed[i], host_layers_fixed[i] };
	for (int i = 0; host_layers_dirs[i] && n < max; i++) {
		struct stat st;
		if (lstat(host_layers_dirs[i], &st) == 0 && S_ISDIR(st.st_mode))
			l[n++] = (struct sandbox_layer){ host_layers_dirs[i], host_layers_dirs[i] };
	}
	return n;
}

/* name's uid:gid in one passwd file; 1 found, 0 not, -1 no such file. */
static int
passwd_lookup(const char *file, const char *name, uid_t *uid, gid_t *gid)
{
	FILE *f = fopen(file, "r");
	char line[1024];
	size_t nl = strlen(name);
	int found = 0;

	if (f == NULL)
		return -1;
	while (!found && fgets(line, sizeof(line), f)) {
		unsigned long u, g;
		char *p, *end;

		/* name:password:uid:gid:... */
		if (strncmp(line, name, nl) != 0 || line[nl] != ':' ||
		    (p = strchr(line + nl + 1, ':')) == NULL)
			continue;
		u = strtoul(p + 1, &end, 10);
		if (end == p + 1 || *end != ':')
			continue;
		g = strtoul(end + 1, &p, 10);
		if (p == end + 1 || *p != ':')
			continue;
		*uid = (uid_t)u;
		*gid = (gid_t)g;
		found = 1;
	}
	fclose(f);
	return found;
}

int
jail_user(const struct jail *j, const char *name, uid_t *uid, gid_t *gid,
    struct kerr *e)
{
	struct sandbox_layer l[16];
	size_t n = jail_layers(j, l, 16);
	char *end;
	unsigned long id;

	if (name == NULL || *name == '\0')
		return kerr_set(e, "jail %s: no user name given", j->name);
	errno = 0;
	id = strtoul(name, &end, 10);
	if (isdigit((unsigned char)name[0]) && *end == '\0') {
		if (errno || id >= (uid_t)-1)
			return kerr_set(e, "%s: not a usable uid", name);
		*uid = (uid_t)id;
		*gid = (gid_t)id;
		return 0;
	}
	while (n-- > 0) {
		char *file = NULL;
		int r;

		if (strcmp(l[n].at, "/") == 0)
			file = path_join(l[n].path, "etc/passwd");
		else if (strcmp(l[n].at, "/etc") == 0)
			file = path_join(l[n].path, "passwd");
		if (file == NULL)
			continue;
		r = passwd_lookup(file, name, uid, gid);
		free(file);
		if (r >= 0)
			return r ? 0 : kerr_set(e, "%s: no such user in jail %s's /etc/passwd",
			    name, j->name);
	}
	return kerr_set(e, "jail %s: no /etc/passwd to look %s up in", j->name, name);
}
