/*
 * statfloor: the least a warm metadata-cache run must do, timed.  Reads
 * a list of paths (relative to ROOT, one per line) and stat()s every one
 * of them with THREADS threads, the way kiln's warm run does (fstatat
 * relative to the tree, no directory reading, no hashing).  Prints the
 * seconds the stats took.  Built and run by bench/gather/run only.
 * Usage: statfloor ROOT LIST THREADS
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char **paths;
static size_t npaths;
static int rootfd;
static atomic_size_t next_path;

static void *
work(void *arg)
{
	size_t i;
	struct stat st;

	(void)arg;
	while ((i = atomic_fetch_add(&next_path, 1)) < npaths)
		(void)fstatat(rootfd, paths[i], &st, AT_SYMLINK_NOFOLLOW);
	return NULL;
}

int
main(int argc, char **argv)
{
	FILE *f;
	char line[4096];
	size_t cap = 0;
	int nth;
	pthread_t th[256];
	struct timespec t0, t1;

	if (argc != 4 || (f = fopen(argv[2], "r")) == NULL ||
	    (rootfd = open(argv[1], O_RDONLY | O_DIRECTORY)) < 0) {
		fprintf(stderr, "usage: statfloor ROOT LIST THREADS\n");
		return 2;
	}
	nth = atoi(argv[3]);
	if (nth < 1 || nth > 256)
		nth = 1;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (npaths == cap) {
			cap = cap ? cap * 2 : 4096;
			if ((paths = realloc(paths, cap * sizeof(*paths))) == NULL)
				return 1;
		}
		if ((paths[npaths++] = strdup(line)) == NULL)
			return 1;
	}
	fclose(f);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int t = 1; t < nth; t++)
		pthread_create(&th[t], NULL, work, NULL);
	work(NULL);
	for (int t = 1; t < nth; t++)
		pthread_join(th[t], NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%.6f %zu\n", (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9, npaths);
	return 0;
}
