/*
 * kiln ports: register, list, update and delete ports trees, and print a
 * tree's dependency graph.  kiln info: one port's variables or model.
 */
#include "cmd/cmd.h"
#include "graph.h"
#include "port.h"
#include "ports_tree.h"
#include "util/lock.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int
jobs_from_conf(const struct kctx *k)
{
	long long n = conf_get_int(&k->conf, "PREPARE_PARALLEL_JOBS", 0);
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (n > 0)
		return (int)(n > 256 ? 256 : n);
	return cpus > 0 ? (int)(cpus + cpus / 4) : 1;
}

static void
port_env_from(const struct kctx *k, struct port_env *env, char **optdir)
{
	memset(env, 0, sizeof(*env));
	*optdir = conf_path(&k->conf, "options");
	env->options_dir = *optdir;
	env->site_override = getenv("MASTER_SITE_OVERRIDE");
}

/* Output through one buffer: 250,000 lines of --graph cost little. */
static inline void
out_add(struct strbuf *ob, const char *s)
{
	size_t n = strlen(s);

	if (ob->len + n + 1 > ob->alloc)
		strbuf_grow(ob, n);
	memcpy(ob->buf + ob->len, s, n + 1);
	ob->len += n;
}

static void
out_flush(struct strbuf *ob, bool force)
{
	if (ob->len >= 65536 || (force && ob->len > 0)) {
		fwrite(ob->buf, 1, ob->len, stdout);
		strbuf_setlen(ob, 0);
	}
}

static void
print_edges(struct strbuf *ob, const struct graph_node *n, bool dot)
{
	for (size_t i = 0; i < n->deps.n; i++) {
		const struct graph_edge *d = &n->deps.v[i];
		if (dot) {
			out_add(ob, "  \"");
			out_add(ob, n->origin);
			out_add(ob, "\" -> \"");
			out_add(ob, d->to->origin);
			out_add(ob, "\" [label=\"");
			out_add(ob, port_dep_type_name(d->type));
			out_add(ob, "\"];\n");
		} else {
			out_add(ob, "  ");
			out_add(ob, port_dep_type_name(d->type));
			out_add(ob, " ");
			out_add(ob, d->to->origin);
			out_add(ob, d->implicit ? " (implicit)\n" : "\n");
		}
		out_flush(ob, false);
	}
}

static int
ports_graph(struct kctx *k, const char *tree_name, char **origins, int n, bool dot,
    bool json)
{
	struct kerr e;
	char *dir = NULL, *cache = NULL, *optdir = NULL;
	struct port_env env;
	struct graph g;
	graph_nodes roots = VEC_INIT, out = VEC_INIT;
	struct strbuf ob = STRBUF_INIT;
	int rc = EXIT_FAIL;

	if (ports_tree_resolve(&k->conf, tree_name, &dir, &cache, &e) < 0)
		return cmd_fail(&e);
	port_env_from(k, &env, &optdir);
	graph_init(&g, dir, &env, getenv("KILN_NO_CACHE") ? NULL : cache, jobs_from_conf(k));
	if (graph_load(&g, origins, (size_t)n, &e) < 0) {
		cmd_fail(&e);
		goto out;
	}
	for (int i = 0; i < n; i++) {
		struct graph_node *r = graph_find(&g, origins[i]);
		vec_push(&roots, (r->flags & GRAPH_ALIAS) ? r->alias : r);
	}
	if (n == 0)
		for (size_t i = 0; i < g.nodes.n; i++)
			if (!(g.nodes.v[i]->flags & (GRAPH_MISSING | GRAPH_ALIAS)))
				vec_push(&roots, g.nodes.v[i]);
	graph_closure(&g, roots.v, roots.n, GRAPH_ALL_DEPS, &out);
	if (dot)
		strbuf_addstr(&ob, "digraph ports {\n");
	if (json)
		strbuf_addch(&ob, '[');
	for (size_t i = 0; i < out.n; i++) {
		const struct graph_node *nd = out.v[i];
		if (json) {
			strbuf_addf(&ob, "%s\n  {\"origin\": \"", i ? "," : "");
			strbuf_add_json_escaped(&ob, nd->origin);
			strbuf_addstr(&ob, "\", \"pkgname\": \"");
			strbuf_add_json_escaped(&ob, nd->pkgname ? nd->pkgname : "");
			strbuf_addf(&ob, "\", \"files_hash\": \"%s\", \"deps\": [", nd->files_hash);
			for (size_t j = 0; j < nd->deps.n; j++) {
				strbuf_addf(&ob, "%s{\"type\": \"%s\", \"origin\": \"", j ? ", " : "",
				    port_dep_type_name(nd->deps.v[j].type));
				strbuf_add_json_escaped(&ob, nd->deps.v[j].to->origin);
				strbuf_addf(&ob, "\", \"implicit\": %s}",
				    nd->deps.v[j].implicit ? "true" : "false");
			}
			strbuf_addstr(&ob, "]}");
			out_flush(&ob, false);
			continue;
		}
		if (dot) {
			out_add(&ob, "  \"");
			out_add(&ob, nd->origin);
			out_add(&ob, "\" [label=\"");
			out_add(&ob, nd->origin);
			out_add(&ob, "\\n");
		} else {
			out_add(&ob, nd->origin);
			out_add(&ob, " ");
		}
		out_add(&ob, nd->pkgname ? nd->pkgname : "");
		out_add(&ob, dot ? "\"];\n" : "\n");
		print_edges(&ob, nd, dot);
	}
	if (dot)
		strbuf_addstr(&ob, "}\n");
	if (json)
		strbuf_addstr(&ob, "\n]\n");
	out_flush(&ob, true);
	if (k->verbose > 0)
		fprintf(stderr, "kiln: %zu ports, %u evaluated, %u from the cache "
		    "(%u of them read again: stat data changed), cache %s\n",
		    g.nodes.n, g.evaluated, g.cached, g.rehashed,
		    g.cache_written ? "written" : "unchanged");
	rc = EXIT_OK;
out:
	strbuf_release(&ob);
	vec_free(&roots);
	vec_free(&out);
	graph_free(&g);
	free(dir);
	free(cache);
	free(optdir);
	return rc;
}

static int
ports_change(struct kctx *k, char action, const char *name, const char *method,
    const char *path, const char *url, const char *branch)
{
	struct kerr e;
	int rc;

	if (action == 'c')
		rc = ports_tree_create(&k->conf, name, method ? method : "git", path,
		    url, branch, &e);
	else if (action == 'u')
		rc = ports_tree_update(&k->conf, name, &e);
	else
		rc = ports_tree_delete(&k->conf, name, &e);
	return rc < 0 ? cmd_fail(&e) : EXIT_OK;
}

int
cmd_ports(int argc, char **argv, struct kctx *k)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'J' },
		{ "graph", no_argument, NULL, 'G' },
		{ "dot", no_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 },
	};
	char action = 0;
	const char *name = NULL, *method = NULL, *path = NULL, *url = NULL, *branch = NULL;
	bool json = false, graph = false, dot = false;
	struct kerr e;
	int ch;

	cmd_getopt_reset();
	while ((ch = getopt_long(argc, argv, "cldup:m:M:U:B:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': case 'l': case 'd': case 'u':
			if (action && action != ch)
				return cmd_usage(k);
			action = (char)ch;
			break;
		case 'p': name = optarg; break;
		case 'm': method = optarg; break;
		case 'M': path = optarg; break;
		case 'U': url = optarg; break;
		case 'B': branch = optarg; break;
		case 'J': json = true; break;
		case 'G': graph = true; break;
		case 'D': dot = true; break;
		default: return cmd_usage(k);
		}
	}
	if (graph) {
		if (action || name == NULL)
			return cmd_usage(k);
		return ports_graph(k, name, argv + optind, argc - optind, dot, json);
	}
	if (optind != argc)
		return cmd_usage(k);
	if ((action == 'c' || action == 'u' || action == 'd') && name != NULL) {
		/* one command at a time changes a tree's registration */
		struct lock l = { -1, NULL };
		char *area = xasprintf("ports-%s", name);
		int rc;
		if (conf_lock_area(&k->conf, area, action == 'c' ? "kiln ports -c" :
		    action == 'u' ? "kiln ports -u" : "kiln ports -d", &l, &e) < 0) {
			free(area);
			return cmd_fail(&e);
		}
		free(area);
		rc = ports_change(k, action, name, method, path, url, branch);
		lock_release(&l);
		return rc;
	}
	switch (action) {
	case 'l': {
		struct ports_tree *t;
		size_t n;
		if (ports_tree_list(&k->conf, &t, &n, &e) < 0)
			return cmd_fail(&e);
		if (json) {
			struct strbuf sb = STRBUF_INIT;
			strbuf_addch(&sb, '[');
			for (size_t i = 0; i < n; i++) {
				strbuf_addstr(&sb, i ? ",\n  {\"name\": \"" : "\n  {\"name\": \"");
				strbuf_add_json_escaped(&sb, t[i].name);
				strbuf_addstr(&sb, "\", \"method\": \"");
				strbuf_add_json_escaped(&sb, t[i].method);
				strbuf_addstr(&sb, "\", \"path\": \"");
				strbuf_add_json_escaped(&sb, t[i].path);
				strbuf_addstr(&sb, "\", \"url\": ");
				if (t[i].url) {
					strbuf_addch(&sb, '"');
					strbuf_add_json_escaped(&sb, t[i].url);
					strbuf_addch(&sb, '"');
				} else {
					strbuf_addstr(&sb, "null");
				}
				strbuf_addstr(&sb, ", \"branch\": ");
				if (t[i].branch) {
					strbuf_addch(&sb, '"');
					strbuf_add_json_escaped(&sb, t[i].branch);
					strbuf_addch(&sb, '"');
				} else {
					strbuf_addstr(&sb, "null");
				}
				strbuf_addch(&sb, '}');
			}
			strbuf_addstr(&sb, "\n]\n");
			fputs(sb.buf, stdout);
			strbuf_release(&sb);
		} else {
			printf("%-16s %-6s %s\n", "PORTSTREE", "METHOD", "PATH");
			for (size_t i = 0; i < n; i++)
				printf("%-16s %-6s %s\n", t[i].name, t[i].method, t[i].path);
		}
		for (size_t i = 0; i < n; i++)
			ports_tree_free(&t[i]);
		free(t);
		return EXIT_OK;
	}
	default:
		return cmd_usage(k);
	}
}

int
cmd_info(int argc, char **argv, struct kctx *k)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'J' },
		{ NULL, 0, NULL, 0 },
	};
	const char *tree = NULL, *flavor = NULL;
	VEC(const char *) vars = VEC_INIT;
	bool json = false;
	struct kerr e;
	struct port_env env;
	struct port *p = NULL;
	char *dir = NULL, *cache = NULL, *optdir = NULL, *origin;
	int ch, rc = EXIT_FAIL;

	cmd_getopt_reset();
	while ((ch = getopt_long(argc, argv, "p:V:F:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'p': tree = optarg; break;
		case 'V': vec_push(&vars, optarg); break;
		case 'F': flavor = optarg; break;
		case 'J': json = true; break;
		default: vec_free(&vars); return cmd_usage(k);
		}
	}
	if (tree == NULL || optind + 1 != argc) {
		vec_free(&vars);
		return cmd_usage(k);
	}
	origin = argv[optind];
	if ((flavor == NULL) && strchr(origin, '@')) {
		*strchr(origin, '@') = '\0';
		flavor = origin + strlen(origin) + 1;
	}
	if (ports_tree_resolve(&k->conf, tree, &dir, &cache, &e) < 0) {
		rc = cmd_fail(&e);
		goto out;
	}
	port_env_from(k, &env, &optdir);
	env.portsdir = dir;
	env.flavor = flavor;
	if (port_load(&env, origin, &p, &e) < 0) {
		rc = cmd_fail(&e);
		goto out;
	}
	/* .warning and .info lines of the Makefile */
	for (size_t i = 0; i < mk_nwarnings(p->mk); i++)
		fprintf(stderr, "kiln: warning: %s\n", mk_warning_at(p->mk, i));
	if (vars.n) {
		struct strbuf sb = STRBUF_INIT;
		for (size_t i = 0; i < vars.n; i++) {
			strbuf_reset(&sb);
			if (port_var(p, vars.v[i], &sb, &e) < 0) {
				strbuf_release(&sb);
				rc = cmd_fail(&e);
				goto out;
			}
			printf("%s\n", sb.buf);
		}
		strbuf_release(&sb);
	} else if (json) {
		struct strbuf sb = STRBUF_INIT;
		port_to_json(p, &sb);
		fputs(sb.buf, stdout);
		strbuf_release(&sb);
	} else {
		printf("%s\n  origin:  %s\n  comment: %s\n  www:     %s\n", p->pkgname,
		    p->origin, p->comment, p->www);
		for (size_t i = 0; i < p->deps.n; i++)
			printf("  %-7s  %s (%s)\n", port_dep_type_name(p->deps.v[i].type),
			    p->deps.v[i].origin, p->deps.v[i].pattern);
		for (size_t i = 0; i < p->options.n; i++)
			printf("  option   %s=%s\n", p->options.v[i].name,
			    p->options.v[i].on ? "on" : "off");
	}
	rc = EXIT_OK;
out:
	port_free(p);
	vec_free(&vars);
	free(dir);
	free(cache);
	free(optdir);
	return rc;
}
