/*
 * sharedir: locate share/kiln (see sharedir.h).
 */
#include "util/sharedir.h"
#include "util/path.h"
#include "util/xalloc.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef KILN_SHAREDIR
#define KILN_SHAREDIR "/usr/local/share/kiln"
#endif

static char *
find_sharedir(void)
{
	const char *env = getenv("KILN_SHAREDIR");
	char exe[PATH_MAX];
	ssize_t n;

	if (env && *env)
		return xstrdup(env);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			char *cand = xasprintf("%s/../share/kiln", exe);
			char *vmdir = path_join(cand, "vm");
			int found = path_is_dir(vmdir);
			free(vmdir);
			if (found)
				return cand;
			free(cand);
		}
	}
	return xstrdup(KILN_SHAREDIR);
}

char *
sharedir_path(const char *rel)
{
	char *dir = find_sharedir();
	char *p = path_join(dir, rel);

	free(dir);
	return p;
}
