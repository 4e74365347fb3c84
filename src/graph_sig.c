/*
 * graph_sig: a port's stat signature (see graph.h): a hash of the stat
 * data of every file and directory of the port and of its options file,
 * taken with the directories' cached names when their stamps still match,
 * and the racy-clean check of each timestamp.  Never reads file contents.
 * Calls: port, util.
 */
#include "graph_int.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * One step of the signature hash.  xor, multiply by an odd constant and
 * xorshift are each invertible, so once two inputs differ in one word
 * their states stay different: a change to any single field always
 * changes the sig; several at once collide with odds near 2^-64.  Not
 * cryptographic, and it need not be: it detects changes, the files hash
 * is what names contents.
 */
static inline uint64_t
mix(uint64_t h, uint64_t w)
{
	h ^= w;
	h *= 0x9e3779b97f4a7c15ull;
	h ^= h >> 31;
	return h;
}

static uint64_t
mix_bytes(uint64_t h, const char *s, size_t n)
{
	h = mix(h, n);
	while (n >= 8) {
		uint64_t w;
		memcpy(&w, s, 8);
		h = mix(h, w);
		s += 8;
		n -= 8;
	}
	if (n > 0) {
		uint64_t w = 0;
		memcpy(&w, s, n);
		h = mix(h, w);
	}
	return h;
}

void
graph_hex16(char *out, uint64_t v)
{
	static const char digits[] = "0123456789abcdef";
	for (int i = 15; i >= 0; i--, v >>= 4)
		out[i] = digits[v & 15];
	out[16] = '\0';
}

static void
walk_times(struct graph_walk *w, struct stat *st)
{
	if (w->g->coarse_times) {
		st->st_mtim.tv_nsec = 0;
		st->st_ctim.tv_nsec = 0;
	}
	if (st->st_mtim.tv_sec > w->racy_from.tv_sec ||
	    (st->st_mtim.tv_sec == w->racy_from.tv_sec &&
	    st->st_mtim.tv_nsec >= w->racy_from.tv_nsec) ||
	    st->st_ctim.tv_sec > w->racy_from.tv_sec ||
	    (st->st_ctim.tv_sec == w->racy_from.tv_sec &&
	    st->st_ctim.tv_nsec >= w->racy_from.tv_nsec))
		w->racy = true;
}

static uint64_t
stat_words(uint64_t h, const struct stat *st)
{
	h = mix(h, (uint64_t)st->st_mode);
	h = mix(h, (uint64_t)st->st_size);
	h = mix(h, (uint64_t)st->st_mtim.tv_sec);
	h = mix(h, (uint64_t)st->st_mtim.tv_nsec);
	h = mix(h, (uint64_t)st->st_ctim.tv_sec);
	h = mix(h, (uint64_t)st->st_ctim.tv_nsec);
	return mix(h, (uint64_t)st->st_ino);
}

/* The cached names of directory rel (tab-led list) if its stamp is still
 * stamp; NULL otherwise. */
static const char *
cached_names(const struct graph_walk *w, const char *rel, const char *stamp,
    const char **names_end)
{
	const char *p = w->rec, *next;

	if (p == NULL)
		return NULL;
	p = (const char *)memchr(p, '\n', (size_t)(w->rec_end - p)) + 1;	/* past P */
	for (; p < w->rec_end && p[0] == 'S' && p[1] == '\t'; p = next) {
		struct field f[4];
		int nf = graph_split_line(p, w->rec_end, f, 4, &next);
		if (nf < 3 || !graph_field_is(&f[1], rel))
			continue;
		if (!(f[2].n == 16 && memcmp(f[2].s, stamp, 16) == 0))
			return NULL;
		*names_end = next[-1] == '\n' ? next - 1 : next;
		return f[2].s + 16;
	}
	return NULL;
}

/*
 * Sorted names of the directory at w->path as a tab-led list in out;
 * *odd when a name holds a tab or newline (the list cannot be cached).
 * -1 if unreadable.
 */
static int
read_names(struct graph_walk *w, bool top, struct strbuf *out, bool *odd)
{
	int fd = openat(w->rootfd, w->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	mk_words names = VEC_INIT;
	struct dirent *de;

	if (d == NULL) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' && (de->d_name[1] == '\0' ||
		    (de->d_name[1] == '.' && de->d_name[2] == '\0')))
			continue;
		/* work directories are not part of the port (port_files_hash) */
		if (top && strncmp(de->d_name, "work", 4) == 0)
			continue;
		vec_push(&names, xstrdup(de->d_name));
	}
	closedir(d);
	if (names.n > 0)
		qsort(names.v, names.n, sizeof(*names.v), graph_cmp_str);
	for (size_t i = 0; i < names.n; i++) {
		if (strpbrk(names.v[i], "\t\n"))
			*odd = true;
		strbuf_addch(out, '\t');
		strbuf_addstr(out, names.v[i]);
	}
	vec_free_all(&names, free);
	return 0;
}

/* Stat the entries of the directory at w->path (stat data in st), depth
 * levels below the port directory, into the signature. */
static void
walk_dir(struct graph_walk *w, struct stat *st, int depth)
{
	char stamp[17];
	uint64_t h;
	const char *rel = depth == 0 ? "." : w->path + w->base + 1;
	const char *names, *names_end, *p;
	struct strbuf list = STRBUF_INIT;
	size_t plen = strlen(w->path);
	bool listable = strpbrk(rel, "\t\n") == NULL;

	walk_times(w, st);
	h = mix(mix(mix(mix(mix(mix(0, (uint64_t)st->st_ino),
	    (uint64_t)st->st_dev), (uint64_t)st->st_mtim.tv_sec),
	    (uint64_t)st->st_mtim.tv_nsec), (uint64_t)st->st_ctim.tv_sec),
	    (uint64_t)st->st_ctim.tv_nsec);
	graph_hex16(stamp, h);
	/* an entry added or removed anywhere changes the sig too */
	w->sig = mix(w->sig, h);
	if ((names = cached_names(w, rel, stamp, &names_end)) == NULL) {
		bool odd = false;
		if (read_names(w, depth == 0, &list, &odd) < 0) {
			w->unsure = true;
			strbuf_release(&list);
			return;
		}
		listable = listable && !odd;
		names = list.buf;
		names_end = list.buf + list.len;
	}
	if (listable) {
		strbuf_addstr(&w->dirs, "S\t");
		strbuf_addstr(&w->dirs, rel);
		strbuf_addch(&w->dirs, '\t');
		strbuf_add(&w->dirs, stamp, 16);
		strbuf_add(&w->dirs, names, (size_t)(names_end - names));
		strbuf_addch(&w->dirs, '\n');
	}
	for (p = names; p < names_end; ) {
		const char *name = p + 1;
		const char *t = memchr(name, '\t', (size_t)(names_end - name));
		size_t n = (size_t)((t ? t : names_end) - name);
		struct stat est;
		p = t ? t : names_end;
		if (plen + 1 + n >= sizeof(w->path)) {
			w->unsure = true;
			continue;
		}
		w->path[plen] = '/';
		memcpy(w->path + plen + 1, name, n);
		w->path[plen + 1 + n] = '\0';
		w->sig = mix_bytes(w->sig, name, n);
		if (fstatat(w->rootfd, w->path, &est, AT_SYMLINK_NOFOLLOW) < 0) {
			/* gone since the directory was read: unsure until it settles */
			w->unsure = true;
			w->sig = mix(w->sig, (uint64_t)errno);
			continue;
		}
		walk_times(w, &est);
		w->sig = mix(w->sig, (uint64_t)depth);
		w->sig = stat_words(w->sig, &est);
		if (depth == 0 && S_ISREG(est.st_mode) && n == 8 &&
		    memcmp(name, "Makefile", 8) == 0)
			w->makefile = true;
		if (S_ISDIR(est.st_mode)) {
			if (depth + 1 > GRAPH_MAX_DEPTH)
				w->unsure = true;
			else
				walk_dir(w, &est, depth + 1);
		}
	}
	w->path[plen] = '\0';
	strbuf_release(&list);
}

bool
graph_port_walk(struct graph_walk *w, const char *origin, const char *rec,
    const char *rec_end)
{
	struct stat st;
	char *of;

	w->rec = rec;
	w->rec_end = rec_end;
	w->sig = 0;
	if (strlen(origin) >= sizeof(w->path) - 1)
		return false;
	strcpy(w->path, origin);
	w->base = strlen(origin);
	if (fstatat(w->rootfd, w->path, &st, 0) < 0 || !S_ISDIR(st.st_mode))
		return false;
	walk_dir(w, &st, 0);
	of = w->g->options_exist ? port_options_file(w->g->env.options_dir, origin) : NULL;
	if (of && stat(of, &st) == 0) {
		walk_times(w, &st);
		w->sig = mix_bytes(w->sig, "\0options", 8);
		w->sig = stat_words(w->sig, &st);
	}
	free(of);
	return w->makefile;
}

