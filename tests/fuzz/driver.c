/*
 * driver: a plain main() for fuzz targets when libFuzzer is not in use.
 * Replays each file named on the command line (or every file of each
 * directory named) through LLVMFuzzerTestOneInput.
 */
#include "util/strbuf.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
replay(const char *path)
{
	struct strbuf sb = STRBUF_INIT;

	if (strbuf_read_file(&sb, path) < 0) {
		perror(path);
		return 1;
	}
	LLVMFuzzerTestOneInput((const uint8_t *)sb.buf, sb.len);
	strbuf_release(&sb);
	return 0;
}

int
main(int argc, char **argv)
{
	int rc = 0;

	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			DIR *d = opendir(argv[i]);
			for (struct dirent *de; d && (de = readdir(d)) != NULL;) {
				if (de->d_name[0] == '.')
					continue;
				char path[4096];
				snprintf(path, sizeof(path), "%s/%s", argv[i], de->d_name);
				rc |= replay(path);
			}
			if (d)
				closedir(d);
		} else {
			rc |= replay(argv[i]);
		}
	}
	return rc;
}
