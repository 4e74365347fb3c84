/*
 * kiln jail: create, list, inspect, update and delete build jails
 * (poudriere jail's verbs: -c -l -i -u -d).  The work is in jail.c.
 */
#include "cmd/cmd.h"
#include "jail.h"
#include "util/lock.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void
add_json_field(struct strbuf *sb, const char *k, const char *v, bool last)
{
	strbuf_addf(sb, "\"%s\": ", k);
	if (v) {
		strbuf_addch(sb, '"');
		strbuf_add_json_escaped(sb, v);
		strbuf_addch(sb, '"');
	} else {
		strbuf_addstr(sb, "null");
	}
	strbuf_addstr(sb, last ? "" : ", ");
}

static void
jail_json(struct strbuf *sb, const struct jail *j)
{
	strbuf_addch(sb, '{');
	add_json_field(sb, "name", j->name, false);
	add_json_field(sb, "method", j->method, false);
	add_json_field(sb, "version", j->version, false);
	add_json_field(sb, "arch", j->arch, false);
	add_json_field(sb, "abi", j->abi, false);
	add_json_field(sb, "root", j->root, false);
	add_json_field(sb, "source", j->source, false);
	add_json_field(sb, "identity", j->identity, false);
	strbuf_addf(sb, "\"created\": %lld, \"updated\": %lld}", (long long)j->created,
	    (long long)j->updated);
}

static int
list(struct kctx *k, bool json)
{
	struct jail *v;
	size_t n;
	struct kerr e;
	struct strbuf sb = STRBUF_INIT;

	if (jail_list(&k->conf, &v, &n, &e) < 0)
		return cmd_fail(&e);
	if (json) {
		strbuf_addstr(&sb, "[");
		for (size_t i = 0; i < n; i++) {
			strbuf_addstr(&sb, i ? ",\n " : "");
			jail_json(&sb, &v[i]);
		}
		strbuf_addstr(&sb, "]\n");
	} else {
		strbuf_addf(&sb, "%-16s %-12s %-14s %-22s %s\n", "JAILNAME", "METHOD",
		    "VERSION", "ABI", "IDENTITY");
		for (size_t i = 0; i < n; i++)
			strbuf_addf(&sb, "%-16s %-12s %-14s %-22s %.12s\n", v[i].name, v[i].method,
			    v[i].version, v[i].abi, v[i].identity ? v[i].identity : "-");
	}
	fputs(sb.buf, stdout);
	strbuf_release(&sb);
	for (size_t i = 0; i < n; i++)
		jail_free(&v[i]);
	free(v);
	return EXIT_OK;
}

static void
info(const struct jail *j, const char *live_identity)
{
	char when[64];
	time_t t = (time_t)j->updated;

	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", gmtime(&t));
	printf("name:      %s\n", j->name);
	printf("method:    %s\n", j->method);
	printf("version:   %s\n", j->version);
	printf("arch:      %s\n", j->arch);
	printf("abi:       %s\n", j->abi);
	printf("root:      %s\n", j->root);
	if (j->source)
		printf("source:    %s\n", j->source);
	printf("identity:  %s\n", live_identity);
	printf("updated:   %s\n", when);
}

int
cmd_jail(int argc, char **argv, struct kctx *k)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'J' },
		{ NULL, 0, NULL, 0 },
	};
	struct jail_spec s = { 0 };
	struct jail j = { 0 };
	struct lock l = { -1, NULL };
	struct kerr e;
	char action = 0, *area = NULL;
	bool json = false;
	int ch, rc = EXIT_FAIL;

	cmd_getopt_reset();
	while ((ch = getopt_long(argc, argv, "cliudj:m:v:M:a:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': case 'l': case 'i': case 'u': case 'd':
			if (action && action != ch)
				return cmd_usage(k);
			action = (char)ch;
			break;
		case 'j': s.name = optarg; break;
		case 'm': s.method = optarg; break;
		case 'v': s.version = optarg; break;
		case 'M': s.source = optarg; break;
		case 'a': s.arch = optarg; break;
		case 'J': json = true; break;
		default: return cmd_usage(k);
		}
	}
	if (optind != argc || !action)
		return cmd_usage(k);
	if (action == 'l')
		return list(k, json);
	if (!s.name)
		return cmd_failf("jail: -%c needs -j NAME", action);
	if (action == 'i') {
		char hex[65];
		if (jail_load(&k->conf, s.name, &j, &e) < 0 || jail_identity(&j, hex, &e) < 0) {
			jail_free(&j);
			return cmd_fail(&e);
		}
		if (json) {
			struct strbuf sb = STRBUF_INIT;
			free(j.identity);
			j.identity = xstrdup(hex);
			jail_json(&sb, &j);
			printf("%s\n", sb.buf);
			strbuf_release(&sb);
		} else {
			info(&j, hex);
		}
		jail_free(&j);
		return EXIT_OK;
	}
	if (geteuid() != 0)
		return cmd_failf("jail -%c: must be run as root", action);
	area = xasprintf("jail-%s", s.name);
	if (conf_lock_area(&k->conf, area, "kiln jail", &l, &e) < 0) {
		cmd_fail(&e);
		goto out;
	}
	switch (action) {
	case 'c':
		if (jail_create(&k->conf, &s, &j, &e) < 0) {
			cmd_fail(&e);
			goto out;
		}
		printf("jail %s created: %s %s, %s\n", j.name, j.method, j.version, j.abi);
		break;
	case 'u':
		if (jail_update(&k->conf, s.name, &j, &e) < 0) {
			cmd_fail(&e);
			goto out;
		}
		printf("jail %s updated: %s %s, %s, identity %.12s\n", j.name, j.method,
		    j.version, j.abi, j.identity);
		break;
	case 'd':
		if (jail_delete(&k->conf, s.name, &e) < 0) {
			cmd_fail(&e);
			goto out;
		}
		printf("jail %s deleted\n", s.name);
		break;
	}
	rc = EXIT_OK;
out:
	jail_free(&j);
	lock_release(&l);
	free(area);
	return rc;
}
