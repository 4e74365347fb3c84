/*
 * sharedir: where kiln's data files (share/kiln: VM templates, the image's
 * init and rc.subr) live.  $KILN_SHAREDIR wins; then the source tree next
 * to a kiln binary run from its build directory (BUILD/../share/kiln); then
 * the compiled-in install path.  Calls: xalloc, path.
 */
#ifndef KILN_SHAREDIR_H
#define KILN_SHAREDIR_H

/* SHAREDIR + "/" + rel; caller frees. */
char *sharedir_path(const char *rel);

#endif
