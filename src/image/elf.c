/*
 * elf: PT_INTERP and DT_NEEDED from an ELF image (see elf.h).  Every
 * offset read from the file is checked against its length before use.
 */
#include "image/elf.h"
#include "util/xalloc.h"

#include <stdint.h>
#include <string.h>

struct rd {
	const unsigned char *p;
	size_t len;
	bool be, is64;
};

static bool
get(const struct rd *r, uint64_t off, unsigned n, uint64_t *out)
{
	uint64_t v = 0;

	if (off > r->len || n > r->len - off)
		return false;
	for (unsigned i = 0; i < n; i++) {
		unsigned sh = r->be ? (n - 1 - i) * 8 : i * 8;
		v |= (uint64_t)r->p[off + i] << sh;
	}
	*out = v;
	return true;
}

/* A NUL-terminated string at off, inside the file; NULL if it runs off. */
static char *
str_at(const struct rd *r, uint64_t off)
{
	if (off >= r->len)
		return NULL;
	const unsigned char *s = r->p + off;
	const unsigned char *end = memchr(s, '\0', r->len - off);
	return end ? xstrndup((const char *)s, (size_t)(end - s)) : NULL;
}

struct seg { uint64_t type, off, vaddr, filesz; };

int
elf_deps_parse(const unsigned char *data, size_t len, const char *name,
    struct elf_deps *d, struct kerr *e)
{
	struct rd r = { data, len, false, false };
	uint64_t phoff, phentsize, phnum;
	uint64_t dyn_off = 0, dyn_size = 0, strtab = 0, strsz = 0;
	VEC(uint64_t) needed_off = VEC_INIT;
	VEC(struct seg) loads = VEC_INIT;
	uint64_t runpath = UINT64_MAX, rpath = UINT64_MAX;
	bool have_strtab = false;
	int rc = -1;

	memset(d, 0, sizeof(*d));
	if (len < 4 || memcmp(data, "\177ELF", 4) != 0)
		return 0;
	d->is_elf = true;
	if (len < 16)
		goto trunc;
	if ((data[4] != 1 && data[4] != 2) || (data[5] != 1 && data[5] != 2))
		return kerr_set(e, "%s: bad ELF class or byte order", name);
	r.is64 = data[4] == 2;
	r.be = data[5] == 2;
	if (r.is64) {
		if (!get(&r, 32, 8, &phoff) || !get(&r, 54, 2, &phentsize) ||
		    !get(&r, 56, 2, &phnum))
			goto trunc;
	} else {
		if (!get(&r, 28, 4, &phoff) || !get(&r, 42, 2, &phentsize) ||
		    !get(&r, 44, 2, &phnum))
			goto trunc;
	}
	if (phnum && phentsize < (r.is64 ? 56u : 32u)) {
		kerr_set(e, "%s: bad program header size %llu", name,
		    (unsigned long long)phentsize);
		goto out;
	}
	for (uint64_t i = 0; i < phnum; i++) {
		uint64_t ph = phoff + i * phentsize;
		struct seg s;
		if (ph < phoff)
			goto trunc;
		if (r.is64) {
			if (!get(&r, ph, 4, &s.type) || !get(&r, ph + 8, 8, &s.off) ||
			    !get(&r, ph + 16, 8, &s.vaddr) || !get(&r, ph + 32, 8, &s.filesz))
				goto trunc;
		} else {
			if (!get(&r, ph, 4, &s.type) || !get(&r, ph + 4, 4, &s.off) ||
			    !get(&r, ph + 8, 4, &s.vaddr) || !get(&r, ph + 16, 4, &s.filesz))
				goto trunc;
		}
		if (s.type == 1)		/* PT_LOAD */
			vec_push(&loads, s);
		else if (s.type == 2) {		/* PT_DYNAMIC */
			d->dynamic = true;
			dyn_off = s.off;
			dyn_size = s.filesz;
		} else if (s.type == 3) {	/* PT_INTERP */
			free(d->interp);
			if ((d->interp = str_at(&r, s.off)) == NULL)
				goto trunc;
		}
	}
	if (!d->dynamic) {
		rc = 0;
		goto out;
	}
	unsigned ent = r.is64 ? 16 : 8, w = r.is64 ? 8 : 4;
	for (uint64_t o = 0; o + ent <= dyn_size; o += ent) {
		uint64_t tag, val;
		if (!get(&r, dyn_off + o, w, &tag) || !get(&r, dyn_off + o + w, w, &val))
			goto trunc;
		if (tag == 0)
			break;
		switch (tag) {
		case 1: vec_push(&needed_off, val); break;	/* DT_NEEDED */
		case 5: strtab = val; have_strtab = true; break;
		case 10: strsz = val; break;
		case 15: rpath = val; break;
		case 29: runpath = val; break;
		}
	}
	if (needed_off.n == 0 && runpath == UINT64_MAX && rpath == UINT64_MAX) {
		rc = 0;
		goto out;
	}
	if (!have_strtab) {
		kerr_set(e, "%s: DT_NEEDED without DT_STRTAB", name);
		goto out;
	}
	/* DT_STRTAB is an address: map it to a file offset through PT_LOAD. */
	uint64_t stroff = UINT64_MAX;
	for (size_t i = 0; i < loads.n; i++)
		if (strtab >= loads.v[i].vaddr &&
		    strtab - loads.v[i].vaddr < loads.v[i].filesz) {
			stroff = loads.v[i].off + (strtab - loads.v[i].vaddr);
			break;
		}
	if (stroff == UINT64_MAX || stroff >= len) {
		kerr_set(e, "%s: string table outside the file", name);
		goto out;
	}
	(void)strsz;
	for (size_t i = 0; i < needed_off.n; i++) {
		char *s = stroff + needed_off.v[i] < stroff ? NULL
		    : str_at(&r, stroff + needed_off.v[i]);
		if (s == NULL)
			goto trunc;
		vec_push(&d->needed, s);
	}
	uint64_t rp = runpath != UINT64_MAX ? runpath : rpath;
	if (rp != UINT64_MAX && (d->runpath = str_at(&r, stroff + rp)) == NULL)
		goto trunc;
	rc = 0;
	goto out;
trunc:
	kerr_set(e, "%s: truncated or corrupt ELF", name);
out:
	vec_free(&needed_off);
	vec_free(&loads);
	if (rc < 0)
		elf_deps_free(d);
	return rc;
}

void
elf_deps_free(struct elf_deps *d)
{
	vec_free_all(&d->needed, free);
	free(d->interp);
	free(d->runpath);
	d->interp = d->runpath = NULL;
}
