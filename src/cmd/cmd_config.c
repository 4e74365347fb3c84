/*
 * kiln config: the effective configuration and where each value came from.
 */
#include "cmd/cmd.h"
#include "util/strbuf.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static void
config_json(const struct kctx *k)
{
	const struct conf *c = &k->conf;
	struct strbuf sb = STRBUF_INIT;

	strbuf_addstr(&sb, "{\n  \"file\": ");
	if (c->file) {
		strbuf_addch(&sb, '"');
		strbuf_add_json_escaped(&sb, c->file);
		strbuf_addch(&sb, '"');
	} else {
		strbuf_addstr(&sb, "null");
	}
	strbuf_addstr(&sb, ",\n  \"keys\": {");
	for (size_t i = 0; i < c->entries.n; i++) {
		const struct conf_entry *ent = &c->entries.v[i];
		strbuf_addstr(&sb, i ? ",\n    \"" : "\n    \"");
		strbuf_add_json_escaped(&sb, ent->key);
		strbuf_addstr(&sb, "\": { \"value\": \"");
		strbuf_add_json_escaped(&sb, ent->value);
		strbuf_addstr(&sb, "\", \"origin\": \"");
		strbuf_add_json_escaped(&sb, ent->origin);
		strbuf_addstr(&sb, "\" }");
	}
	strbuf_addstr(&sb, "\n  }\n}\n");
	fputs(sb.buf, stdout);
	strbuf_release(&sb);
}

int
cmd_config(int argc, char **argv, struct kctx *k)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'J' },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false;
	int ch;

	cmd_getopt_reset();
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (ch == 'J')
			json = true;
		else
			return cmd_usage(k);
	}
	if (optind != argc)
		return cmd_usage(k);
	if (json) {
		config_json(k);
		return EXIT_OK;
	}
	printf("# configuration file: %s\n", k->conf.file ? k->conf.file : "(none; defaults)");
	for (size_t i = 0; i < k->conf.entries.n; i++) {
		const struct conf_entry *ent = &k->conf.entries.v[i];
		bool plain = strpbrk(ent->value, " \t\"'$#") == NULL && *ent->value;
		printf("%s=%s%s%s\t# %s\n", ent->key, plain ? "" : "\"", ent->value,
		    plain ? "" : "\"", ent->origin);
	}
	return EXIT_OK;
}
