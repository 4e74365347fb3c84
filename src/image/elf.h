/*
 * elf: the two facts kiln needs from an ELF executable or shared object:
 * its program interpreter (PT_INTERP) and the libraries it needs
 * (DT_NEEDED, plus DT_RUNPATH / DT_RPATH).  ELF64 and ELF32, either byte
 * order.  Bounds-checked; a malformed file is an error, never a crash.
 * Does not resolve or load anything.  Calls: xalloc, strbuf, vec, kerr.
 */
#ifndef KILN_ELF_H
#define KILN_ELF_H

#include "util/kerr.h"
#include "util/vec.h"

#include <stdbool.h>
#include <stddef.h>

struct elf_deps {
	bool is_elf;
	bool dynamic;		/* has PT_DYNAMIC */
	char *interp;		/* owned; NULL for static files */
	VEC(char *) needed;	/* owned strings */
	char *runpath;		/* owned; DT_RUNPATH or else DT_RPATH, NULL when none */
};

/*
 * Parse len bytes.  A file that is not ELF gives 0 with is_elf false.
 * -1 with e = "NAME: what is wrong" for a truncated or inconsistent ELF.
 */
int elf_deps_parse(const unsigned char *data, size_t len, const char *name,
    struct elf_deps *d, struct kerr *e);
void elf_deps_free(struct elf_deps *d);

#endif
