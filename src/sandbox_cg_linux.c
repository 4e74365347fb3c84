/*
 * sandbox_cg_linux: the cgroups of Linux sandboxes.  cgroup v2 when the
 * unified hierarchy has the memory and pids controllers; cgroup v1
 * (memory, pids, cpuset hierarchies) otherwise, as on machines that mount
 * both.  Each instance gets "kiln-PID-SEQ" directories (PID = the kiln
 * process) under kiln's own cgroup (v1) or the v2 root.
 *
 * Who removes them when kiln is SIGKILLed: the reaper, a small process
 * forked once per kiln process into its own session, holding the list of
 * live cgroups sent over a pipe.  When the pipe's last writer is gone (kiln
 * and every sandbox init, which die together), it removes what is left.
 * sandbox_sweep() removes "kiln-PID-*" of dead PIDs as a second line.
 * Long-running callers keep finished sandboxes' sets in a small pool for
 * reuse (sbcg_recycle); pooled sets stay registered with the reaper.
 * It does not create namespaces or mounts (sandbox_linux.c).
 * Calls: util.
 */
#include "sandbox.h"
#include "sandbox_linux.h"
#include "util/path.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Where the hierarchies are, found once per process. */
struct cgenv {
	bool probed;
	bool v2;		/* use the unified hierarchy for everything */
	char *mem_base;		/* directory under which instances go, or NULL */
	char *pids_base;
	char *cpuset_base;
	int reaper_fd;		/* write end of the reaper's pipe, or -1 */
	unsigned seq;
};

static struct cgenv env = { .reaper_fd = -1 };
static pthread_mutex_t env_lock = PTHREAD_MUTEX_INITIALIZER;

/* Sets of finished sandboxes, kept for reuse (sbcg_recycle); env_lock. */
#define POOL_MAX 8
static struct sbcg pool[POOL_MAX];
static int npool;
static bool pool_on;

/* Does the comma list `opts` name controller `c`? */
static bool
has_word(const char *opts, const char *c, char sep)
{
	size_t n = strlen(c);

	for (const char *p = opts; p && *p;) {
		const char *q = strchr(p, sep);
		size_t len = q ? (size_t)(q - p) : strlen(p);
		if (len == n && strncmp(p, c, n) == 0)
			return true;
		p = q ? q + 1 : NULL;
	}
	return false;
}

/* kiln's own cgroup path in the v1 hierarchy of controller c ("" for v2). */
static char *
own_cgroup(const char *c)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	char line[4096];
	char *res = NULL;

	if (!f)
		return NULL;
	while (fgets(line, sizeof(line), f)) {
		char *a = strchr(line, ':'), *b;
		if (!a || !(b = strchr(a + 1, ':')))
			continue;
		*b = '\0';
		line[strcspn(line, "\0")] = '\0';
		b[1 + strcspn(b + 1, "\n")] = '\0';
		if ((*c == '\0' && a[1] == '\0') || (*c && has_word(a + 1, c, ','))) {
			res = xstrdup(b + 1);
			break;
		}
	}
	fclose(f);
	return res;
}

static int
read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

static int
write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int rc = 0;

	if (fd < 0)
		return -1;
	if (write(fd, val, strlen(val)) != (ssize_t)strlen(val))
		rc = -1;
	if (close(fd) < 0)
		rc = -1;
	return rc;
}

static void
probe(void)
{
	FILE *f;
	char line[4096];
	char *mem_mnt = NULL, *pids_mnt = NULL, *cpuset_mnt = NULL, *v2_mnt = NULL;

	env.probed = true;
	if ((f = fopen("/proc/self/mounts", "re")) == NULL)
		return;
	while (fgets(line, sizeof(line), f)) {
		char dev[256], mnt[2048], type[64], opts[1024];
		if (sscanf(line, "%255s %2047s %63s %1023s", dev, mnt, type, opts) != 4)
			continue;
		if (strcmp(type, "cgroup2") == 0 && !v2_mnt)
			v2_mnt = xstrdup(mnt);
		if (strcmp(type, "cgroup") != 0)
			continue;
		if (has_word(opts, "memory", ',') && !mem_mnt)
			mem_mnt = xstrdup(mnt);
		if (has_word(opts, "pids", ',') && !pids_mnt)
			pids_mnt = xstrdup(mnt);
		if (has_word(opts, "cpuset", ',') && !cpuset_mnt)
			cpuset_mnt = xstrdup(mnt);
	}
	fclose(f);
	if (v2_mnt && !mem_mnt && !pids_mnt) {
		char *p = xasprintf("%s/cgroup.controllers", v2_mnt);
		char buf[512];
		if (read_file(p, buf, sizeof(buf)) == 0) {
			buf[strcspn(buf, "\n")] = '\0';
			if (has_word(buf, "memory", ' ') && has_word(buf, "pids", ' ')) {
				char *sc = xasprintf("%s/cgroup.subtree_control", v2_mnt);
				/* The root must hand both controllers to its children. */
				write_file(sc, "+memory +pids");
				if (has_word(buf, "cpuset", ' '))
					write_file(sc, "+cpuset");
				free(sc);
				env.v2 = true;
				env.mem_base = xstrdup(v2_mnt);
				env.pids_base = xstrdup(v2_mnt);
				if (has_word(buf, "cpuset", ' '))
					env.cpuset_base = xstrdup(v2_mnt);
			}
		}
		free(p);
	}
	if (!env.v2) {
		char *own;
		if (mem_mnt && (own = own_cgroup("memory"))) {
			env.mem_base = xasprintf("%s%s", mem_mnt, strcmp(own, "/") ? own : "");
			free(own);
		}
		if (pids_mnt && (own = own_cgroup("pids"))) {
			env.pids_base = xasprintf("%s%s", pids_mnt, strcmp(own, "/") ? own : "");
			free(own);
		}
		if (cpuset_mnt && (own = own_cgroup("cpuset"))) {
			env.cpuset_base = xasprintf("%s%s", cpuset_mnt, strcmp(own, "/") ? own : "");
			free(own);
		}
	}
	free(mem_mnt);
	free(pids_mnt);
	free(cpuset_mnt);
	free(v2_mnt);
}

/* ---- the reaper ---- */

#define REAPER_SLOTS 512
#define REAPER_PATH 256
static char reaper_tab[REAPER_SLOTS][REAPER_PATH];

/* Kill whatever is still in cgroup dir, then remove it (a few tries). */
static void
reap_one(const char *dir)
{
	char procs[REAPER_PATH + 32], buf[4096];

	snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
	for (int i = 0; i < 100; i++) {
		if (rmdir(dir) == 0 || errno == ENOENT)
			return;
		if (read_file(procs, buf, sizeof(buf)) == 0) {
			for (char *p = buf; *p;) {
				long pid = strtol(p, &p, 10);
				if (pid > 0)
					kill((pid_t)pid, SIGKILL);
				while (*p && !isdigit((unsigned char)*p))
					p++;
			}
		}
		struct timespec ts = { 0, 50 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
}

/* Slots told to go ('!') are removed as soon as they are empty. */
static unsigned reaper_tries[REAPER_SLOTS];
static bool reaper_doomed[REAPER_SLOTS];

/* Try the doomed slots once; returns how many are still waiting. */
static int
reaper_retry(void)
{
	int waiting = 0;
	char procs[REAPER_PATH + 32], buf[4096];

	for (int i = 0; i < REAPER_SLOTS; i++) {
		if (!reaper_doomed[i])
			continue;
		if (rmdir(reaper_tab[i]) == 0 || errno == ENOENT) {
			reaper_tab[i][0] = '\0';
			reaper_doomed[i] = false;
			continue;
		}
		/* An init still unmounting its root is expected; after ~1 s, kill. */
		if (++reaper_tries[i] > 500) {
			snprintf(procs, sizeof(procs), "%.255s/cgroup.procs", reaper_tab[i]);
			if (read_file(procs, buf, sizeof(buf)) == 0)
				for (char *p = buf; *p;) {
					long pid = strtol(p, &p, 10);
					if (pid > 0)
						kill((pid_t)pid, SIGKILL);
					while (*p && !isdigit((unsigned char)*p))
						p++;
				}
		}
		waiting++;
	}
	return waiting;
}

static void
reaper_main(int fd)
{
	char buf[8192];
	size_t have = 0;
	int waiting = 0;

	for (;;) {
		struct pollfd pf = { fd, POLLIN, 0 };
		int r = poll(&pf, 1, waiting ? 2 : -1);
		if (r < 0 && errno != EINTR)
			break;
		if (r <= 0) {
			waiting = reaper_retry();
			continue;
		}
		ssize_t n = read(fd, buf + have, sizeof(buf) - 1 - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		have += (size_t)n;
		buf[have] = '\0';
		char *nl, *p = buf;
		while ((nl = strchr(p, '\n'))) {
			*nl = '\0';
			for (int i = 0; *p == '+' && i < REAPER_SLOTS; i++)
				if (!reaper_tab[i][0]) {
					snprintf(reaper_tab[i], REAPER_PATH, "%s", p + 1);
					reaper_doomed[i] = false;
					reaper_tries[i] = 0;
					break;
				}
			for (int i = 0; *p == '!' && i < REAPER_SLOTS; i++)
				if (strcmp(reaper_tab[i], p + 1) == 0) {
					reaper_doomed[i] = true;
					break;
				}
			p = nl + 1;
		}
		have = strlen(p);
		memmove(buf, p, have);
		waiting = reaper_retry();
	}
	/* kiln is gone: remove the cgroups of its sandboxes, deepest first. */
	for (int i = REAPER_SLOTS - 1; i >= 0; i--)
		if (reaper_tab[i][0])
			reap_one(reaper_tab[i]);
	_exit(0);
}

/* Start the reaper once per process; env_lock is held. */
static int
reaper_start(struct kerr *e)
{
	int p[2];
	pid_t pid;

	if (env.reaper_fd >= 0)
		return 0;
	if (pipe2(p, O_CLOEXEC) < 0)
		return kerr_errno(e, "sandbox reaper: pipe");
	if ((pid = fork()) < 0) {
		close(p[0]);
		close(p[1]);
		return kerr_errno(e, "sandbox reaper: fork");
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		setsid();
		if (chdir("/") < 0)
			_exit(1);
		signal(SIGINT, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		signal(SIGPIPE, SIG_IGN);
		prctl(PR_SET_NAME, "kiln-reaper");
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		dup2(p[0], 3);
		close_range(4, ~0U, 0);
		reaper_main(3);
	}
	close(p[0]);
	env.reaper_fd = p[1];
	return 0;
}

static void
reaper_tell(char op, const char *dir)
{
	char line[REAPER_PATH + 2];
	int n = snprintf(line, sizeof(line), "%c%s\n", op, dir);

	if (env.reaper_fd >= 0 && n > 0 && n < (int)sizeof(line))
		(void)!write(env.reaper_fd, line, (size_t)n);
}

/* ---- instances ---- */

static int
cg_add(struct sbcg *cg, const char *base, const char *name, struct kerr *e)
{
	char *dir = xasprintf("%s/%s", base, name);

	if (strlen(dir) >= REAPER_PATH) {
		kerr_set(e, "%s: cgroup path too long", dir);
		free(dir);
		return -1;
	}
	if (mkdir(dir, 0755) < 0) {
		kerr_errno(e, "%s: mkdir", dir);
		free(dir);
		return -1;
	}
	reaper_tell('+', dir);
	cg->dir[cg->n] = dir;
	cg->procs[cg->n] = xasprintf("%s/%s", dir, env.v2 ? "cgroup.procs" : "tasks");
	cg->n++;
	return 0;
}

static int
cg_set(const char *dir, const char *file, const char *val, struct kerr *e)
{
	char *p = xasprintf("%s/%s", dir, file);
	int rc = write_file(p, val);

	if (rc < 0)
		kerr_errno(e, "%s: cannot write '%s'", p, val);
	free(p);
	return rc;
}

int
sbcg_create(struct sbcg *cg, uint64_t memory_max, uint64_t pids_max,
    const char *cpus, struct kerr *e)
{
	char name[64], val[64];
	int rc = -1;

	memset(cg, 0, sizeof(*cg));
	pthread_mutex_lock(&env_lock);
	if (!env.probed) {
		probe();
		sandbox_sweep();
	}
	if (reaper_start(e) < 0) {
		pthread_mutex_unlock(&env_lock);
		return -1;
	}
	for (int i = 0; i < npool; i++) {
		struct sbcg *p = &pool[i];
		if (p->memory_max == memory_max && p->pids_max == pids_max &&
		    (p->cpus && cpus ? strcmp(p->cpus, cpus) == 0 : p->cpus == cpus)) {
			*cg = *p;
			cg->base_known = false;
			*p = pool[--npool];
			pthread_mutex_unlock(&env_lock);
			return 0;
		}
	}
	snprintf(name, sizeof(name), "kiln-%ld-%u", (long)getpid(), env.seq++);
	pthread_mutex_unlock(&env_lock);
	cg->v2 = env.v2;
	cg->memory_max = memory_max;
	cg->pids_max = pids_max;
	cg->cpus = cpus ? xstrdup(cpus) : NULL;

	if (memory_max && !env.mem_base) {
		kerr_set(e, "no memory cgroup controller on this machine (cannot limit memory)");
		goto out;
	}
	if (pids_max && !env.pids_base) {
		kerr_set(e, "no pids cgroup controller on this machine (cannot limit processes)");
		goto out;
	}
	if (env.v2) {
		if (cg_add(cg, env.mem_base, name, e) < 0)
			goto out;
		cg->mem = cg->pids = cg->dir[0];
		if (memory_max) {
			snprintf(val, sizeof(val), "%llu", (unsigned long long)memory_max);
			if (cg_set(cg->mem, "memory.max", val, e) < 0 ||
			    cg_set(cg->mem, "memory.swap.max", "0", e) < 0)
				goto out;
		}
		if (pids_max) {
			snprintf(val, sizeof(val), "%llu", (unsigned long long)pids_max);
			if (cg_set(cg->pids, "pids.max", val, e) < 0)
				goto out;
		}
		if (cpus && env.cpuset_base && cg_set(cg->mem, "cpuset.cpus", cpus, e) < 0)
			goto out;
		rc = 0;
		goto out;
	}
	if (env.mem_base) {
		if (cg_add(cg, env.mem_base, name, e) < 0)
			goto out;
		cg->mem = cg->dir[cg->n - 1];
		if (memory_max) {
			char *sw = xasprintf("%s/memory.memsw.limit_in_bytes", cg->mem);
			snprintf(val, sizeof(val), "%llu", (unsigned long long)memory_max);
			if (cg_set(cg->mem, "memory.limit_in_bytes", val, e) < 0) {
				free(sw);
				goto out;
			}
			/* Swap would turn a hog into a slow hog: count it too. */
			if (access(sw, W_OK) == 0 &&
			    cg_set(cg->mem, "memory.memsw.limit_in_bytes", val, e) < 0) {
				free(sw);
				goto out;
			}
			free(sw);
			cg_set(cg->mem, "memory.swappiness", "0", e);
		}
	}
	if (pids_max) {
		if (cg_add(cg, env.pids_base, name, e) < 0)
			goto out;
		cg->pids = cg->dir[cg->n - 1];
		snprintf(val, sizeof(val), "%llu", (unsigned long long)pids_max);
		if (cg_set(cg->pids, "pids.max", val, e) < 0)
			goto out;
	}
	if (cpus && env.cpuset_base) {
		char mems[256];
		char *pm = xasprintf("%s/cpuset.mems", env.cpuset_base);
		int r = read_file(pm, mems, sizeof(mems));
		free(pm);
		if (r < 0)
			mems[0] = '0', mems[1] = '\0';
		mems[strcspn(mems, "\n")] = '\0';
		if (cg_add(cg, env.cpuset_base, name, e) < 0)
			goto out;
		if (cg_set(cg->dir[cg->n - 1], "cpuset.cpus", cpus, e) < 0 ||
		    cg_set(cg->dir[cg->n - 1], "cpuset.mems", mems, e) < 0)
			goto out;
	}
	rc = 0;
out:
	if (rc < 0) {
		struct kerr ignore;
		sbcg_destroy(cg, &ignore);
	}
	return rc;
}

/* Value of "key N" lines in a flat-keyed cgroup file. */
static uint64_t
keyed(const char *dir, const char *file, const char *key)
{
	char buf[4096], *p;
	char *path = xasprintf("%s/%s", dir, file);
	size_t kl = strlen(key);
	uint64_t v = 0;

	if (read_file(path, buf, sizeof(buf)) == 0) {
		for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
			if (strncmp(p, key, kl) == 0 && p[kl] == ' ') {
				v = strtoull(p + kl + 1, NULL, 10);
				break;
			}
		}
	}
	free(path);
	return v;
}

static uint64_t
number(const char *dir, const char *file)
{
	char buf[64];
	char *path = xasprintf("%s/%s", dir, file);
	uint64_t v = 0;

	if (read_file(path, buf, sizeof(buf)) == 0)
		v = strtoull(buf, NULL, 10);
	free(path);
	return v;
}

void
sbcg_read(const struct sbcg *cg, struct sbcg_counters *c)
{
	memset(c, 0, sizeof(*c));
	if (cg->mem) {
		if (cg->v2) {
			c->oom_kills = keyed(cg->mem, "memory.events", "oom_kill");
			c->peak = number(cg->mem, "memory.peak");
		} else {
			c->oom_kills = keyed(cg->mem, "memory.oom_control", "oom_kill");
			c->peak = number(cg->mem, "memory.max_usage_in_bytes");
		}
	}
	if (cg->pids)
		c->pids_max = keyed(cg->pids, "pids.events", "max");
}

int
sbcg_destroy(struct sbcg *cg, struct kerr *e)
{
	for (int i = cg->n - 1; i >= 0; i--) {
		/*
		 * The reaper removes it as soon as it is empty (the init may still
		 * be tearing its namespaces down), so closing a sandbox never
		 * waits for the kernel.
		 */
		reaper_tell('!', cg->dir[i]);
		free(cg->dir[i]);
		free(cg->procs[i]);
	}
	free(cg->cpus);
	memset(cg, 0, sizeof(*cg));
	return 0;
}

void
sbcg_pool_enable(void)
{
	pthread_mutex_lock(&env_lock);
	pool_on = true;
	pthread_mutex_unlock(&env_lock);
}

void
sbcg_recycle(struct sbcg *cg)
{
	struct kerr ignore;
	struct sbcg_counters c;
	bool kept = false;

	if (cg->n == 0 || cg->v2 || !pool_on)
		goto out;
	/* The peak starts again from what is left; cumulative counts carry over. */
	if (cg->mem && cg_set(cg->mem, "memory.max_usage_in_bytes", "0", &ignore) < 0)
		goto out;
	if (!cg->base_known) {
		sbcg_read(cg, &c);
		cg->base = c;
	}
	pthread_mutex_lock(&env_lock);
	if (pool_on && npool < POOL_MAX) {
		pool[npool++] = *cg;
		kept = true;
	}
	pthread_mutex_unlock(&env_lock);
out:
	if (kept)
		memset(cg, 0, sizeof(*cg));
	else
		sbcg_destroy(cg, &ignore);
}

void
sbcg_pool_drain(void)
{
	struct kerr ignore;

	pthread_mutex_lock(&env_lock);
	while (npool > 0)
		sbcg_destroy(&pool[--npool], &ignore);
	pthread_mutex_unlock(&env_lock);
}

static int
sweep_dir(const char *base)
{
	DIR *d;
	struct dirent *de;
	int n = 0;

	if (!base || (d = opendir(base)) == NULL)
		return 0;
	while ((de = readdir(d))) {
		long pid;
		char *end;
		if (strncmp(de->d_name, "kiln-", 5) != 0)
			continue;
		pid = strtol(de->d_name + 5, &end, 10);
		if (pid <= 0 || *end != '-' || pid == (long)getpid())
			continue;
		if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		char *dir = xasprintf("%s/%s", base, de->d_name);
		if (strlen(dir) < REAPER_PATH) {
			reap_one(dir);
			n += !path_is_dir(dir);
		}
		free(dir);
	}
	closedir(d);
	return n;
}

int
sandbox_sweep(void)
{
	if (!env.probed)
		probe();
	return sweep_dir(env.mem_base) +
	    (env.pids_base && (!env.mem_base || strcmp(env.pids_base, env.mem_base))
		? sweep_dir(env.pids_base) : 0) +
	    (env.cpuset_base && (!env.mem_base || strcmp(env.cpuset_base, env.mem_base))
		? sweep_dir(env.cpuset_base) : 0);
}
