/*
 * port_fw: the framework half of port: what the bsd.port*.mk includes do
 * when a Makefile reaches them.  Defaults live in a small make text parsed
 * once (read-only, shared by all threads); what needs logic (versions,
 * options, USES, option helpers, GitHub and cargo distfiles, flavors) is
 * C, run at the include hooks in bsd.port.mk's order.  It does not build
 * the model (port.c reads the variables afterwards).
 * Calls: mk, util.
 */
#include "port_int.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

static const char fw_defaults[] =
    "LOCALBASE=/usr/local\n"
    "PREFIX=${LOCALBASE}\n"
    "DISTDIR=${PORTSDIR}/distfiles\n"
    "MASTERDIR=${.CURDIR}\n"
    "FILESDIR=${MASTERDIR}/files\n"
    "PATCHDIR=${MASTERDIR}/files\n"
    "SCRIPTDIR=${MASTERDIR}/scripts\n"
    "PKGDIR=${MASTERDIR}\n"
    "DESCR=${PKGDIR}/pkg-descr\n"
    "PLIST=${PKGDIR}/pkg-plist\n"
    "PKGMESSAGE=${PKGDIR}/pkg-message\n"
    "DISTINFO_FILE=${MASTERDIR}/distinfo\n"
    "WRKDIRPREFIX=\n"
    "STAGEDIR=${WRKDIR}/stage\n"
    "DATADIR=${PREFIX}/share/${PORTNAME}\n"
    "DOCSDIR=${PREFIX}/share/doc/${PORTNAME}\n"
    "EXAMPLESDIR=${PREFIX}/share/examples/${PORTNAME}\n"
    "ETCDIR=${PREFIX}/etc/${PORTNAME}\n"
    "WWWDIR=${PREFIX}/www/${PORTNAME}\n"
    "DATADIR_REL=${DATADIR:S,^${PREFIX}/,,}\n"
    "DOCSDIR_REL=${DOCSDIR:S,^${PREFIX}/,,}\n"
    "EXAMPLESDIR_REL=${EXAMPLESDIR:S,^${PREFIX}/,,}\n"
    "ETCDIR_REL=${ETCDIR:S,^${PREFIX}/,,}\n"
    "WWWDIR_REL=${WWWDIR:S,^${PREFIX}/,,}\n"
    "MAN1PREFIX=${PREFIX}/share\n"
    "MANPREFIX=${PREFIX}/share\n"
    "MAINTAINER=ports@FreeBSD.org\n"
    "PORTREVISION=0\n"
    "PORTEPOCH=0\n"
    "EXTRACT_SUFX=.tar.gz\n"
    "PATCH_WRKSRC=${WRKSRC}\n"
    "CONFIGURE_WRKSRC=${WRKSRC}\n"
    "BUILD_WRKSRC=${WRKSRC}\n"
    "INSTALL_WRKSRC=${WRKSRC}\n"
    "TEST_WRKSRC=${WRKSRC}\n"
    "CONFIGURE_SCRIPT=configure\n"
    "GNU_CONFIGURE_PREFIX=${PREFIX}\n"
    "GNU_CONFIGURE_MANPREFIX=${PREFIX}/share\n"
    "MAKEFILE=Makefile\n"
    "MAKE_CMD=make\n"
    "ALL_TARGET=all\n"
    "INSTALL_TARGET=install\n"
    "PATCH_STRIP=-p0\n"
    "PATCH_DIST_STRIP=-p0\n"
    "BINMODE=555\n"
    "MANMODE=444\n"
    "SHAREMODE=644\n"
    "STRIP=-s\n"
    "INSTALL_PROGRAM=install ${STRIP} -m ${BINMODE}\n"
    "INSTALL_LIB=install ${STRIP} -m ${SHAREMODE}\n"
    "INSTALL_SCRIPT=install -m ${BINMODE}\n"
    "INSTALL_DATA=install -m ${SHAREMODE}\n"
    "INSTALL_MAN=install -m ${MANMODE}\n"
    "MKDIR=mkdir -p\n"
    "REINPLACE_CMD=sed -i.bak\n"
    "SED=sed\nCP=cp\nMV=mv\nRM=rm -f\nLN=ln\nTOUCH=touch\nFIND=find\n"
    "XARGS=xargs\nGREP=grep\nEGREP=grep -E\nCAT=cat\nECHO_CMD=echo\nECHO_MSG=echo\n"
    "STRIP_CMD=strip\nSETENV=env\nSETENVI=env -i\nPATCH=patch\nTAR=tar\n"
    "CHMOD=chmod\nCHOWN=chown\nTRUE=true\nFALSE=false\nSH=/bin/sh\nTEST=test\n"
    "AWK=awk\nHEAD=head\nTAIL=tail\nSORT=sort\nTR=tr\nPRINTF=printf\nRMDIR=rmdir\n"
    "NONEXISTENT=/nonexistent\n"
    "COPYTREE_SHARE=${SH} -c 'cd \"$$0\" && find . $$2 -type d -exec mkdir -p \"$$1/{}\" \\; "
    "&& find . $$2 ! -type d -exec install -m ${SHAREMODE} {} \"$$1/{}\" \\;' --\n"
    "COPYTREE_BIN=${SH} -c 'cd \"$$0\" && find . $$2 -type d -exec mkdir -p \"$$1/{}\" \\; "
    "&& find . $$2 ! -type d -exec install -m ${BINMODE} {} \"$$1/{}\" \\;' --\n"
    "CARGO=${LOCALBASE}/bin/cargo\n"
    "CARGO_VENDOR_DIR=${WRKSRC}/cargo-crates\n"
    "CARGO_CARGOTOML=${WRKSRC}/Cargo.toml\n"
    "CARGO_CARGOLOCK=${WRKSRC}/Cargo.lock\n"
    "CARGO_DIST_SUBDIR=rust/crates\n"
    "CARGO_TARGET_DIR=${WRKDIR}/target\n"
    "CARGO_INSTALL_PATH=.\n"
    "CARGO_HOME=${WRKDIR}/cargo-home\n"
    "CARGO_BUILD=yes\nCARGO_CONFIGURE=yes\nCARGO_INSTALL=yes\nCARGO_TEST=yes\n"
    "CMAKE_BUILD_TYPE=Release\n"
    "CMAKE_SOURCE_PATH=${WRKSRC}\n"
    "MESON_BUILD_DIR=_build\n"
    "INFO_PATH=share/info\n";

static struct mk *fw_base;
static pthread_once_t fw_once = PTHREAD_ONCE_INIT;

static void
fw_base_init(void)
{
	struct kerr e;

	fw_base = mk_new("/", "framework", NULL);
	if (mk_parse_string(fw_base, "framework", fw_defaults,
	    sizeof(fw_defaults) - 1, &e) < 0)
		{ fprintf(stderr, "kiln: framework defaults: %s\n", e.msg); abort(); }
}

const struct mk *
fw_base_mk(void)
{
	pthread_once(&fw_once, fw_base_init);
	return fw_base;
}

const char *
port_framework_id(void)
{
	/* Changes with every build of the framework, so caches of evaluated
	 * metadata never outlive the code that produced them. */
	return KILN_VERSION " " __DATE__ " " __TIME__;
}

/* ---- small helpers ---- */

char *
fw_get(struct mk *m, const char *name, struct kerr *e, int *err)
{
	struct strbuf sb = STRBUF_INIT;

	if (mk_value(m, name, &sb, e) < 0) {
		*err = -1;
		strbuf_release(&sb);
		return xstrdup("");
	}
	strbuf_trim(&sb);
	return strbuf_detach(&sb, NULL);
}

int
fw_words(struct mk *m, const char *name, mk_words *w, struct kerr *e)
{
	struct strbuf sb = STRBUF_INIT;
	int rc = mk_value(m, name, &sb, e);

	if (rc == 0)
		mk_split_words(sb.buf, w);
	strbuf_release(&sb);
	return rc;
}

static bool
has_word(const mk_words *w, const char *s)
{
	for (size_t i = 0; i < w->n; i++)
		if (strcmp(w->v[i], s) == 0)
			return true;
	return false;
}

/* Set a framework value unless a Makefile line assigned the variable. */
static void
fw_default(struct mk *m, const char *name, const char *value)
{
	if (!mk_assigned(m, name))
		mk_set(m, name, value, false);
}

static void
fw_append(struct mk *m, const char *name, const char *value)
{
	struct kerr e;
	mk_assign(m, name, MK_APPEND, value, &e);
}

static char host_arch_buf[80];

static void
host_arch_init(void)
{
	struct utsname u;

	if (uname(&u) < 0 || strcmp(u.machine, "x86_64") == 0)
		snprintf(host_arch_buf, sizeof(host_arch_buf), "amd64");
	else if (strcmp(u.machine, "arm64") == 0)
		snprintf(host_arch_buf, sizeof(host_arch_buf), "aarch64");
	else
		snprintf(host_arch_buf, sizeof(host_arch_buf), "%.60s", u.machine);
}

/* The host's ARCH in FreeBSD's names; computed once (threads call this). */
static const char *
host_arch(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, host_arch_init);
	return host_arch_buf;
}

void
fw_start(struct fw *f)
{
	const struct port_env *env = f->env;
	struct mk *m = f->p->mk;
	const char *arch = env->arch ? env->arch : host_arch();

	mk_set(m, "PORTSDIR", env->portsdir, false);
	mk_set(m, "ARCH", arch, false);
	mk_set(m, "MACHINE_ARCH", arch, false);
	mk_set(m, "OPSYS", env->opsys ? env->opsys : "FreeBSD", false);
	mk_set(m, "OSVERSION", env->osversion ? env->osversion : "1500000", false);
	mk_set(m, "OSREL", env->osrel ? env->osrel : "15.0", false);
	mk_set(m, "_OSRELEASE", env->osrel ? env->osrel : "15.0", false);
	mk_set(m, "SSL_DEFAULT", "base", false);
	mk_set(m, "COMPILER_TYPE", "clang", false);
	if (env->flavor && *env->flavor)
		mk_set(m, "FLAVOR", env->flavor, true);
	if (env->site_override && *env->site_override)
		mk_set(m, "MASTER_SITE_OVERRIDE", env->site_override, false);
}

/* ---- versions and names (§2.1) ---- */

/* PORTVERSION from DISTVERSION, as bsd.port.mk's :tl:C chain does. */
static char *
derive_portversion(const char *dv)
{
	struct strbuf a = STRBUF_INIT;
	size_t n = strlen(dv);

	/* lower-case; collapse a run of letters to its first letter; put a
	 * dot between a digit and a following letter; drop ':' escapes;
	 * runs of other characters become one '.' */
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)tolower((unsigned char)dv[i]);
		if (c >= 'a' && c <= 'z') {
			if (a.len && isdigit((unsigned char)a.buf[a.len - 1]))
				strbuf_addch(&a, '.');
			strbuf_addch(&a, (char)c);
			while (i + 1 < n && isalpha((unsigned char)dv[i + 1]))
				i++;
		} else if (isdigit(c) || c == '+') {
			strbuf_addch(&a, (char)c);
		} else if (c == ':' && i + 1 < n) {
			continue;
		} else {
			if (a.len == 0 || a.buf[a.len - 1] != '.')
				strbuf_addch(&a, '.');
		}
	}
	return strbuf_detach(&a, NULL);
}

static int
fw_identity(struct fw *f, struct kerr *e)
{
	struct mk *m = f->p->mk;
	int err = 0;
	char *portname = fw_get(m, "PORTNAME", e, &err);
	char *pv = NULL, *dv = NULL, *full = NULL, *pre = NULL, *suf = NULL;
	char *rev = NULL, *epoch = NULL, *pkgv = NULL, *np = NULL, *ns = NULL;
	char *flavor = NULL;
	struct strbuf sb = STRBUF_INIT;

	if (err)
		goto out;
	if (*portname == '\0') {
		err = kerr_set(e, "%s/Makefile: PORTNAME is not set", mk_display(m));
		goto out;
	}
	if (mk_assigned(m, "PORTVERSION") && mk_assigned(m, "DISTVERSION")) {
		err = kerr_set(e, "%s/Makefile: both PORTVERSION and DISTVERSION are "
		    "set (set one)", mk_display(m));
		goto out;
	}
	if (mk_assigned(m, "DISTVERSION")) {
		dv = fw_get(m, "DISTVERSION", e, &err);
		pv = derive_portversion(dv);
		mk_set(m, "PORTVERSION", pv, false);
	} else if (mk_assigned(m, "PORTVERSION")) {
		pv = fw_get(m, "PORTVERSION", e, &err);
		dv = xstrdup(pv);
		mk_set(m, "DISTVERSION", dv, false);
	} else {
		err = kerr_set(e, "%s/Makefile: neither PORTVERSION nor DISTVERSION "
		    "is set", mk_display(m));
		goto out;
	}
	if (strpbrk(pv, "-_,") && mk_assigned(m, "PORTVERSION")) {
		err = kerr_set(e, "%s/Makefile: PORTVERSION %s contains '-', '_' or ','",
		    mk_display(m), pv);
		goto out;
	}
	pre = fw_get(m, "DISTVERSIONPREFIX", e, &err);
	suf = fw_get(m, "DISTVERSIONSUFFIX", e, &err);
	strbuf_addstr(&sb, pre);
	for (const char *c = dv; *c; c++) {
		if (*c == ':' && c[1])
			c++;
		strbuf_addch(&sb, *c);
	}
	strbuf_addstr(&sb, suf);
	full = strbuf_detach(&sb, NULL);
	mk_set(m, "DISTVERSIONFULL", full, false);
	rev = fw_get(m, "PORTREVISION", e, &err);
	epoch = fw_get(m, "PORTEPOCH", e, &err);
	for (const char *c = pv; *c; c++)
		strbuf_addch(&sb, strchr("-_,", *c) ? '.' : *c);
	if (strcmp(rev, "0") != 0 && *rev)
		strbuf_addf(&sb, "_%s", rev);
	if (strcmp(epoch, "0") != 0 && *epoch)
		strbuf_addf(&sb, ",%s", epoch);
	pkgv = strbuf_detach(&sb, NULL);
	mk_set(m, "PKGVERSION", pkgv, false);
	/* flavor overrides of the name */
	flavor = fw_get(m, "FLAVOR", e, &err);
	if (*flavor) {
		char *k = xasprintf("%s_PKGNAMEPREFIX", flavor);
		if (mk_defined(m, k)) {
			char *v = fw_get(m, k, e, &err);
			mk_set(m, "PKGNAMEPREFIX", v, false);
			free(v);
		}
		free(k);
		k = xasprintf("%s_PKGNAMESUFFIX", flavor);
		if (mk_defined(m, k)) {
			char *v = fw_get(m, k, e, &err);
			mk_set(m, "PKGNAMESUFFIX", v, false);
			free(v);
		}
		free(k);
	}
	np = fw_get(m, "PKGNAMEPREFIX", e, &err);
	ns = fw_get(m, "PKGNAMESUFFIX", e, &err);
	strbuf_addf(&sb, "%s%s%s", np, portname, ns);
	mk_set(m, "PKGBASE", sb.buf, false);
	strbuf_addf(&sb, "-%s", pkgv);
	mk_set(m, "PKGNAME", sb.buf, false);
	strbuf_reset(&sb);
	strbuf_addf(&sb, "%s-%s", portname, full);
	fw_default(m, "DISTNAME", sb.buf);
	{
		char *cats = fw_get(m, "CATEGORIES", e, &err);
		char *sp = strpbrk(cats, " \t");
		if (sp)
			*sp = '\0';
		mk_set(m, "PKGCATEGORY", cats, false);
		free(cats);
	}
	mk_set(m, "PKGORIGIN", f->p->origin, false);
out:
	strbuf_release(&sb);
	free(portname); free(pv); free(dv); free(full); free(pre); free(suf);
	free(rev); free(epoch); free(pkgv); free(np); free(ns); free(flavor);
	return err ? -1 : 0;
}

/* ---- options (bsd.options.mk) ---- */

static const char *const implicit_default[] = { "DOCS", "EXAMPLES", "NLS",
    "IPV6", "MANPAGES", NULL };

static int
opt_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
fw_options(struct fw *f, struct kerr *e)
{
	struct mk *m = f->p->mk;
	mk_words all = VEC_INIT, def = VEC_INIT, tmp = VEC_INIT, sel = VEC_INIT;
	mk_words kinds = VEC_INIT;
	static const char *const groups[] = { "GROUP", "SINGLE", "RADIO", "MULTI" };
	struct strbuf sb = STRBUF_INIT;
	char *arch = NULL, *k = NULL;
	int rc = -1, err = 0;

	if (f->options_done)
		return 0;
	f->options_done = true;
	/* FLAVOR ?= the first of FLAVORS */
	if (!mk_defined(m, "FLAVOR")) {
		mk_words fl = VEC_INIT;
		if (fw_words(m, "FLAVORS", &fl, e) < 0)
			goto out;
		if (fl.n)
			mk_set(m, "FLAVOR", fl.v[0], false);
		mk_words_free(&fl);
	}
	arch = fw_get(m, "ARCH", e, &err);
	if (fw_words(m, "OPTIONS_DEFINE", &all, e) < 0)
		goto out;
	k = xasprintf("OPTIONS_DEFINE_%s", arch);
	if (fw_words(m, k, &all, e) < 0)
		goto out;
	free(k);
	k = NULL;
	for (int g = 0; g < 4; g++) {
		char *gk = xasprintf("OPTIONS_%s", groups[g]);
		mk_words names = VEC_INIT;
		int r2 = fw_words(m, gk, &names, e);
		free(gk);
		for (size_t i = 0; r2 == 0 && i < names.n; i++) {
			char *mk2 = xasprintf("OPTIONS_%s_%s", groups[g], names.v[i]);
			mk_words mem = VEC_INIT;
			r2 = fw_words(m, mk2, &mem, e);
			for (size_t j = 0; j < mem.n; j++) {
				vec_push(&all, xstrdup(mem.v[j]));
				vec_push(&kinds, xasprintf("%s %s:%s", mem.v[j], groups[g],
				    names.v[i]));
			}
			mk_words_free(&mem);
			free(mk2);
		}
		mk_words_free(&names);
		if (r2 < 0)
			goto out;
	}
	if (fw_words(m, "OPTIONS_EXCLUDE", &tmp, e) < 0)
		goto out;
	k = xasprintf("OPTIONS_EXCLUDE_%s", arch);
	if (fw_words(m, k, &tmp, e) < 0)
		goto out;
	/* ALL minus excluded, sorted, unique */
	{
		size_t o = 0;
		if (all.n > 0)
			qsort(all.v, all.n, sizeof(*all.v), opt_cmp);
		for (size_t i = 0; i < all.n; i++) {
			if (has_word(&tmp, all.v[i]) ||
			    (o && strcmp(all.v[o - 1], all.v[i]) == 0)) {
				free(all.v[i]);
				continue;
			}
			all.v[o++] = all.v[i];
		}
		all.n = o;
	}
	mk_words_free(&tmp);
	if (fw_words(m, "OPTIONS_DEFAULT", &def, e) < 0)
		goto out;
	free(k);
	k = xasprintf("OPTIONS_DEFAULT_%s", arch);
	if (fw_words(m, k, &def, e) < 0)
		goto out;
	for (int i = 0; implicit_default[i]; i++)
		vec_push(&def, xstrdup(implicit_default[i]));
	for (size_t i = 0; i < all.n; i++)
		if (has_word(&def, all.v[i]))
			vec_push(&sel, xstrdup(all.v[i]));
	/* the user's choices */
	if (f->env->options_dir) {
		char *path = port_options_file(f->env->options_dir, f->p->origin);
		struct strbuf text = STRBUF_INIT;
		if (strbuf_read_file(&text, path) == 0) {
			struct mk *om = mk_new("/", path, NULL);
			mk_words set = VEC_INIT, unset = VEC_INIT;
			if (mk_parse_string(om, path, text.buf, text.len, e) < 0 ||
			    fw_words(om, "OPTIONS_FILE_SET", &set, e) < 0 ||
			    fw_words(om, "OPTIONS_FILE_UNSET", &unset, e) < 0) {
				mk_free(om);
				free(path);
				strbuf_release(&text);
				mk_words_free(&set);
				mk_words_free(&unset);
				goto out;
			}
			for (size_t i = 0; i < set.n; i++)
				if (has_word(&all, set.v[i]) && !has_word(&sel, set.v[i]))
					vec_push(&sel, xstrdup(set.v[i]));
			for (size_t i = 0; i < sel.n; ) {
				if (has_word(&unset, sel.v[i])) {
					free(sel.v[i]);
					sel.v[i] = sel.v[--sel.n];
				} else {
					i++;
				}
			}
			mk_words_free(&set);
			mk_words_free(&unset);
			mk_free(om);
		}
		strbuf_release(&text);
		free(path);
	}
	/* IMPLIES, to a fixed point */
	for (size_t i = 0; i < sel.n && i < 10000; i++) {
		mk_words imp = VEC_INIT;
		char *ik = xasprintf("%s_IMPLIES", sel.v[i]);
		int r2 = fw_words(m, ik, &imp, e);
		free(ik);
		for (size_t j = 0; r2 == 0 && j < imp.n; j++)
			if (!has_word(&sel, imp.v[j]))
				vec_push(&sel, xstrdup(imp.v[j]));
		mk_words_free(&imp);
		if (r2 < 0)
			goto out;
	}
	for (size_t i = 0; i < sel.n; i++) {
		mk_words pre = VEC_INIT;
		char *pk = xasprintf("%s_PREVENTS", sel.v[i]);
		int r2 = fw_words(m, pk, &pre, e);
		free(pk);
		for (size_t j = 0; r2 == 0 && j < pre.n; j++)
			if (has_word(&sel, pre.v[j]))
				r2 = kerr_set(e, "%s: options %s and %s cannot both be "
				    "on (%s_PREVENTS)", f->p->origin, sel.v[i], pre.v[j],
				    sel.v[i]);
		mk_words_free(&pre);
		if (r2 < 0)
			goto out;
	}
	/* SINGLE: exactly one; RADIO: at most one; MULTI: at least one */
	for (int g = 1; g < 4; g++) {
		char *gk = xasprintf("OPTIONS_%s", groups[g]);
		mk_words names = VEC_INIT;
		int r2 = fw_words(m, gk, &names, e);
		free(gk);
		for (size_t i = 0; r2 == 0 && i < names.n; i++) {
			char *mk2 = xasprintf("OPTIONS_%s_%s", groups[g], names.v[i]);
			mk_words mem = VEC_INIT;
			size_t on = 0;
			r2 = fw_words(m, mk2, &mem, e);
			for (size_t j = 0; j < mem.n; j++)
				on += has_word(&sel, mem.v[j]);
			if (r2 == 0 && ((g == 1 && on != 1) || (g == 2 && on > 1) ||
			    (g == 3 && on < 1)))
				r2 = kerr_set(e, "%s: options group %s %s needs %s of its "
				    "options on, %zu are", f->p->origin, groups[g],
				    names.v[i], g == 1 ? "exactly one" : g == 2 ?
				    "at most one" : "at least one", on);
			mk_words_free(&mem);
			free(mk2);
		}
		mk_words_free(&names);
		if (r2 < 0)
			goto out;
	}
	if (sel.n > 0)
		qsort(sel.v, sel.n, sizeof(*sel.v), opt_cmp);
	for (size_t i = 0; i < sel.n; i++)
		strbuf_addf(&sb, "%s%s", i ? " " : "", sel.v[i]);
	mk_set(m, "PORT_OPTIONS", sb.buf, false);
	mk_set(m, "SELECTED_OPTIONS", sb.buf, false);
	strbuf_reset(&sb);
	for (size_t i = 0; i < all.n; i++)
		if (!has_word(&sel, all.v[i]))
			strbuf_addf(&sb, "%s%s", sb.len ? " " : "", all.v[i]);
	mk_set(m, "DESELECTED_OPTIONS", sb.buf, false);
	strbuf_reset(&sb);
	for (size_t i = 0; i < all.n; i++)
		strbuf_addf(&sb, "%s%s", i ? " " : "", all.v[i]);
	mk_set(m, "COMPLETE_OPTIONS_LIST", sb.buf, false);
	strbuf_reset(&sb);
	for (size_t i = 0; i < kinds.n; i++)
		strbuf_addf(&sb, "%s%s", i ? "\n" : "", kinds.v[i]);
	mk_set(m, "_KILN_OPTION_GROUPS", sb.buf, false);
	rc = err ? -1 : 0;
out:
	free(arch);
	free(k);
	strbuf_release(&sb);
	mk_words_free(&all);
	mk_words_free(&def);
	mk_words_free(&tmp);
	mk_words_free(&sel);
	mk_words_free(&kinds);
	return rc;
}

/* ---- USES ---- */

const char *const port_supported_uses[] = {
	"cargo", "cmake", "meson", "ninja", "gmake", "pkgconfig", "tar", "cpe",
	"localbase", "ssl", "ncurses", "compiler", "libtool", "pathfix",
	"charsetfix", "shebangfix", "gettext", "gettext-runtime", "gettext-tools",
	NULL
};

static void
implicit_dep(struct fw *f, const char *var, const char *dep)
{
	fw_append(f->p->mk, var, dep);
	vec_push(&f->implicit, xstrdup(dep));
}

static int
fw_uses(struct fw *f, struct kerr *e)
{
	struct mk *m = f->p->mk;
	mk_words uses = VEC_INIT;
	int rc = -1;

	if (f->uses_done)
		return 0;
	f->uses_done = true;
	if (fw_words(m, "USES", &uses, e) < 0)
		goto out;
	for (size_t i = 0; i < uses.n; i++) {
		char *name = uses.v[i], *args = strchr(name, ':');
		bool ok = false;
		if (args)
			*args++ = '\0';
		for (int k = 0; port_supported_uses[k]; k++)
			if (strcmp(port_supported_uses[k], name) == 0)
				ok = true;
		if (!ok) {
			kerr_set(e, "%s/Makefile: unsupported USES=%s (kiln supports: "
			    "cargo cmake meson ninja gmake pkgconfig tar cpe localbase "
			    "ssl ncurses compiler libtool pathfix charsetfix shebangfix "
			    "gettext)", mk_display(m), name);
			goto out;
		}
		{
			char *ak = xasprintf("%s_ARGS", name);
			char *av = xstrdup(args ? args : "");
			for (char *c = av; *c; c++)
				if (*c == ',')
					*c = ' ';
			mk_set(m, ak, av, false);
			free(ak);
			free(av);
		}
		if (strcmp(name, "cargo") == 0) {
			f->cargo = true;
			/* once: option helpers make fw_uses run a second time */
			if (!f->crates_done && mk_parse_file(m, "Makefile.crates", true, e) < 0)
				goto out;
			f->crates_done = true;
		} else if (strcmp(name, "tar") == 0) {
			const char *a = args ? args : "";
			const char *sufx = *a == '\0' ? ".tar" :
			    strcmp(a, "xz") == 0 ? ".tar.xz" :
			    strcmp(a, "bzip2") == 0 || strcmp(a, "bz2") == 0 ? ".tar.bz2" :
			    strcmp(a, "lzma") == 0 ? ".tar.lzma" :
			    strcmp(a, "zst") == 0 || strcmp(a, "zstd") == 0 ? ".tar.zst" :
			    strcmp(a, "tgz") == 0 ? ".tgz" : strcmp(a, "txz") == 0 ? ".txz" :
			    strcmp(a, "tbz") == 0 ? ".tbz" : strcmp(a, "Z") == 0 ? ".tar.Z" :
			    NULL;
			if (sufx == NULL) {
				kerr_set(e, "%s/Makefile: unsupported USES=tar:%s",
				    mk_display(m), a);
				goto out;
			}
			fw_default(m, "EXTRACT_SUFX", sufx);
		}
	}
	rc = 0;
out:
	mk_words_free(&uses);
	return rc;
}

/* What USES do to variables, at bsd.port.mk time. */
static int
fw_uses_final(struct fw *f, struct kerr *e)
{
	struct mk *m = f->p->mk;
	mk_words uses = VEC_INIT;

	if (fw_words(m, "USES", &uses, e) < 0)
		return -1;
	for (size_t i = 0; i < uses.n; i++) {
		char *name = uses.v[i], *args = strchr(name, ':');
		if (args)
			*args++ = '\0';
		else
			args = "";
		if (strcmp(name, "cargo") == 0) {
			implicit_dep(f, "BUILD_DEPENDS", "rust>=1.89.0:lang/rust");
		} else if (strcmp(name, "cmake") == 0) {
			implicit_dep(f, "BUILD_DEPENDS", "cmake:devel/cmake-core");
			if (!strstr(args, "insource")) {
				fw_default(m, "CONFIGURE_WRKSRC", "${WRKDIR}/.build");
				fw_default(m, "BUILD_WRKSRC", "${WRKDIR}/.build");
				fw_default(m, "INSTALL_WRKSRC", "${WRKDIR}/.build");
				fw_default(m, "TEST_WRKSRC", "${WRKDIR}/.build");
			}
			if (!strstr(args, "noninja")) {
				implicit_dep(f, "BUILD_DEPENDS", "ninja:devel/ninja");
				fw_default(m, "MAKE_CMD", "ninja");
				fw_default(m, "MAKEFILE", "");
			}
			fw_append(m, "PLIST_SUB", "CMAKE_BUILD_TYPE=${CMAKE_BUILD_TYPE:tl}");
			{
				mk_words on = VEC_INIT, off = VEC_INIT;
				fw_words(m, "CMAKE_ON", &on, e);
				fw_words(m, "CMAKE_OFF", &off, e);
				for (size_t k = 0; k < on.n + off.n; k++) {
					char *d = xasprintf("-D%s:BOOL=%s", k < on.n ? on.v[k] :
					    off.v[k - on.n], k < on.n ? "ON" : "OFF");
					fw_append(m, "CMAKE_ARGS", d);
					free(d);
				}
				mk_words_free(&on);
				mk_words_free(&off);
			}
		} else if (strcmp(name, "meson") == 0) {
			implicit_dep(f, "BUILD_DEPENDS", "meson:devel/meson");
			implicit_dep(f, "BUILD_DEPENDS", "ninja:devel/ninja");
			fw_default(m, "MAKE_CMD", "ninja");
			fw_default(m, "MAKEFILE", "");
			fw_default(m, "BUILD_WRKSRC", "${WRKSRC}/${MESON_BUILD_DIR}");
			fw_default(m, "INSTALL_WRKSRC", "${WRKSRC}/${MESON_BUILD_DIR}");
			fw_default(m, "TEST_WRKSRC", "${WRKSRC}/${MESON_BUILD_DIR}");
			fw_default(m, "TEST_TARGET", "test");
		} else if (strcmp(name, "ninja") == 0) {
			implicit_dep(f, "BUILD_DEPENDS", "ninja:devel/ninja");
			fw_default(m, "MAKE_CMD", "ninja");
			fw_default(m, "MAKEFILE", "");
		} else if (strcmp(name, "gmake") == 0) {
			implicit_dep(f, "BUILD_DEPENDS", "gmake:devel/gmake");
			fw_default(m, "MAKE_CMD", "gmake");
		} else if (strcmp(name, "pkgconfig") == 0) {
			if (strcmp(args, "run") != 0)
				implicit_dep(f, "BUILD_DEPENDS", "pkgconf>=1.3.0_1:devel/pkgconf");
			if (strcmp(args, "run") == 0 || strcmp(args, "both") == 0)
				implicit_dep(f, "RUN_DEPENDS", "pkgconf>=1.3.0_1:devel/pkgconf");
		} else if (strcmp(name, "localbase") == 0) {
			if (strcmp(args, "ldflags") != 0)
				fw_append(m, "CPPFLAGS", "-I${LOCALBASE}/include");
			fw_append(m, "LDFLAGS", "-L${LOCALBASE}/lib");
		} else if (strncmp(name, "gettext", 7) == 0) {
			implicit_dep(f, "LIB_DEPENDS", "libintl.so:devel/gettext-runtime");
		}
	}
	mk_words_free(&uses);
	return 0;
}

/* ---- option helpers (bsd.options.mk), at bsd.port.mk time ---- */

static const char *const helper_flags[] = {
	"ALL_TARGET", "BINARY_ALIAS", "BROKEN", "CATEGORIES", "CFLAGS",
	"CONFIGURE_ENV", "CONFLICTS", "CONFLICTS_BUILD", "CONFLICTS_INSTALL",
	"CPPFLAGS", "CXXFLAGS", "DISTFILES", "EXTRA_PATCHES", "EXTRACT_ONLY",
	"GH_ACCOUNT", "GH_PROJECT", "GH_TAGNAME", "GH_TUPLE", "IGNORE", "INFO",
	"INSTALL_TARGET", "LDFLAGS", "LIBS", "MAKE_ARGS", "MAKE_ENV",
	"MASTER_SITES", "PATCHFILES", "PATCH_SITES", "PLIST_DIRS", "PLIST_FILES",
	"PLIST_SUB", "PORTDATA", "PORTDOCS", "PORTEXAMPLES", "SUB_FILES",
	"SUB_LIST", "TEST_TARGET", "CMAKE_ARGS", "MESON_ARGS",
	"CONFIGURE_ARGS", "CARGO_FEATURES", "CARGO_ENV", "USE_RC_SUBR",
	"TEST_ENV", "TEST_ARGS", "USERS", "GROUPS", NULL
};

static const char *const dep_vars[] = { "FETCH", "EXTRACT", "PATCH", "BUILD",
    "LIB", "RUN", "TEST", "PKG", NULL };

static int
helper_words(struct fw *f, const char *opt, const char *suffix, mk_words *w,
    struct kerr *e)
{
	char *k = xasprintf("%s_%s", opt, suffix);
	int rc = 0;

	if (mk_defined(f->p->mk, k))
		rc = fw_words(f->p->mk, k, w, e);
	free(k);
	return rc;
}

/* FOO_VARS: words KEY=value or KEY+=value. */
static int
helper_vars(struct fw *f, const char *opt, const char *suffix, struct kerr *e)
{
	mk_words w = VEC_INIT;
	int rc = helper_words(f, opt, suffix, &w, e);

	for (size_t i = 0; rc == 0 && i < w.n; i++) {
		char *eq = strchr(w.v[i], '=');
		enum mk_op op = MK_ASSIGN;
		if (eq == NULL || eq == w.v[i]) {
			rc = kerr_set(e, "%s/Makefile: %s_%s: '%s' is not KEY=value",
			    mk_display(f->p->mk), opt, suffix, w.v[i]);
			break;
		}
		*eq = '\0';
		if (eq[-1] == '+') {
			op = MK_APPEND;
			eq[-1] = '\0';
		}
		mk_unquote(eq + 1);
		for (char *c = w.v[i]; *c; c++)
			*c = (char)toupper((unsigned char)*c);
		rc = mk_assign(f->p->mk, w.v[i], op, eq + 1, e);
	}
	mk_words_free(&w);
	return rc;
}

/*
 * Option helpers that turn each word of OPT_SUFFIX into an argument of
 * VAR, with one format when the option is on and another when it is off
 * (bsd.options.mk's OPT_CONFIGURE_ENABLE, OPT_CMAKE_BOOL, OPT_MESON_TRUE...).
 */
struct bool_helper {
	const char *suffix, *var, *on, *off;
};
static const struct bool_helper bool_helpers[] = {
	{ "CONFIGURE_ENABLE", "CONFIGURE_ARGS", "--enable-%s", "--disable-%s" },
	{ "CONFIGURE_WITH", "CONFIGURE_ARGS", "--with-%s", "--without-%s" },
	{ "CMAKE_BOOL", "CMAKE_ARGS", "-D%s:BOOL=true", "-D%s:BOOL=false" },
	{ "CMAKE_BOOL_OFF", "CMAKE_ARGS", "-D%s:BOOL=false", "-D%s:BOOL=true" },
	{ "MESON_TRUE", "MESON_ARGS", "-D%s=true", "-D%s=false" },
	{ "MESON_FALSE", "MESON_ARGS", "-D%s=false", "-D%s=true" },
	{ "MESON_YES", "MESON_ARGS", "-D%s=yes", "-D%s=no" },
	{ "MESON_NO", "MESON_ARGS", "-D%s=no", "-D%s=yes" },
	{ "MESON_ENABLED", "MESON_ARGS", "-D%s=enabled", "-D%s=disabled" },
	{ "MESON_DISABLED", "MESON_ARGS", "-D%s=disabled", "-D%s=enabled" },
};

static int
helper_prefixed(struct fw *f, const char *opt, const char *suffix,
    const char *var, const char *fmt, struct kerr *e)
{
	mk_words w = VEC_INIT;
	int rc = helper_words(f, opt, suffix, &w, e);

	for (size_t i = 0; rc == 0 && i < w.n; i++) {
		char *v = xasprintf(fmt, w.v[i]);
		fw_append(f->p->mk, var, v);
		free(v);
	}
	mk_words_free(&w);
	return rc;
}

/* Append the raw value of OPT_SUFFIX to VAR when defined. */
static void
helper_raw(struct fw *f, const char *opt, const char *suffix, const char *var)
{
	char *k = xasprintf("%s_%s", opt, suffix);
	const char *raw = mk_raw(f->p->mk, k);

	if (raw && *raw) {
		char *ref = xasprintf("${%s}", k);
		fw_append(f->p->mk, var, ref);
		free(ref);
	}
	free(k);
}

static int
fw_helpers(struct fw *f, struct kerr *e)
{
	struct mk *m = f->p->mk;
	mk_words all = VEC_INIT, sel = VEC_INIT;
	bool sub;
	int rc = -1, err = 0;
	char *os;

	if (fw_words(m, "COMPLETE_OPTIONS_LIST", &all, e) < 0 ||
	    fw_words(m, "PORT_OPTIONS", &sel, e) < 0)
		goto out;
	os = fw_get(m, "OPTIONS_SUB", e, &err);
	sub = *os != '\0';
	free(os);
	for (size_t i = 0; i < all.n; i++) {
		const char *o = all.v[i];
		bool on = has_word(&sel, o);
		const char *sfx = on ? "" : "_OFF";
		char buf[64];

		if (sub) {
			char *v = xasprintf(on ? "%s= NO_%s=@comment" : "%s=@comment NO_%s=",
			    o, o);
			/* "@comment " needs its space: quote it as bsd.options.mk does */
			free(v);
			v = on ? xasprintf("%s= NO_%s=\"@comment \"", o, o) :
			    xasprintf("%s=\"@comment \" NO_%s=", o, o);
			fw_append(m, "PLIST_SUB", v);
			free(v);
		}
		if (on) {
			helper_raw(f, o, "USES", "USES");
			if (helper_vars(f, o, "VARS", e) < 0)
				goto out;
		} else if (helper_vars(f, o, "VARS_OFF", e) < 0) {
			goto out;
		}
		for (size_t b = 0; b < sizeof(bool_helpers) / sizeof(bool_helpers[0]); b++) {
			const struct bool_helper *h = &bool_helpers[b];
			if (helper_prefixed(f, o, h->suffix, h->var, on ? h->on : h->off, e) < 0)
				goto out;
		}
		snprintf(buf, sizeof(buf), "CONFIGURE%s", on ? "_ON" : "_OFF");
		helper_raw(f, o, buf, "CONFIGURE_ARGS");
		snprintf(buf, sizeof(buf), "CMAKE%s", on ? "_ON" : "_OFF");
		helper_raw(f, o, buf, "CMAKE_ARGS");
		snprintf(buf, sizeof(buf), "MESON%s", on ? "_ON" : "_OFF");
		helper_raw(f, o, buf, "MESON_ARGS");
		for (int d = 0; dep_vars[d]; d++) {
			char s1[64], v1[64];
			snprintf(s1, sizeof(s1), "%s_DEPENDS%s", dep_vars[d], sfx);
			snprintf(v1, sizeof(v1), "%s_DEPENDS", dep_vars[d]);
			helper_raw(f, o, s1, v1);
		}
		for (int h = 0; helper_flags[h]; h++) {
			char s1[64];
			snprintf(s1, sizeof(s1), "%s%s", helper_flags[h], sfx);
			helper_raw(f, o, s1, helper_flags[h]);
		}
	}
	rc = 0;
out:
	mk_words_free(&all);
	mk_words_free(&sel);
	return rc;
}

/* ---- GitHub and cargo distfiles (bsd.sites.mk, cargo.mk) ---- */

static char *
gh_extract(const char *tag)
{
	struct strbuf sb = STRBUF_INIT;
	const char *t = tag;

	if ((t[0] == 'v' || t[0] == 'V') && isdigit((unsigned char)t[1]))
		t++;
	for (; *t; t++) {
		char c = *t == '+' ? '-' : *t;
		if (c == '-' && sb.len && sb.buf[sb.len - 1] == '-')
			continue;
		strbuf_addch(&sb, c);
	}
	return strbuf_detach(&sb, NULL);
}

static int
fw_github(struct fw *f, struct kerr *e)
{
	struct mk *m = f->p->mk;
	int err = 0;
	char *use = fw_get(m, "USE_GITHUB", e, &err);
	struct strbuf sb = STRBUF_INIT;

	if (*use) {
		char *pn = fw_get(m, "PORTNAME", e, &err);
		char *full = fw_get(m, "DISTVERSIONFULL", e, &err);
		char *acct, *proj, *tag, *san, *ext;
		fw_default(m, "GH_ACCOUNT", pn);
		fw_default(m, "GH_PROJECT", pn);
		fw_default(m, "GH_TAGNAME", full);
		acct = fw_get(m, "GH_ACCOUNT", e, &err);
		proj = fw_get(m, "GH_PROJECT", e, &err);
		tag = fw_get(m, "GH_TAGNAME", e, &err);
		san = xstrdup(tag);
		for (char *c = san; *c; c++)
			if (*c == '/')
				*c = '-';
		mk_set(m, "GH_TAGNAME_SANITIZED", san, false);
		ext = gh_extract(tag);
		mk_set(m, "GH_TAGNAME_EXTRACT", ext, false);
		if (strcmp(use, "nodefault") != 0) {
			if (strcmp(tag, full) == 0)
				strbuf_addf(&sb, "%s-%s-%s_GH0", acct, proj, san);
			else
				strbuf_addf(&sb, "%s-%s-%s-%s_GH0", acct, proj, full, san);
			fw_default(m, "DISTNAME", sb.buf);
			strbuf_reset(&sb);
			fw_default(m, "EXTRACT_SUFX", ".tar.gz");
			strbuf_addf(&sb, "${WRKDIR}/%s-%s", proj, ext);
			fw_default(m, "WRKSRC", sb.buf);
			strbuf_reset(&sb);
			{
				mk_words ms = VEC_INIT;
				if (fw_words(m, "MASTER_SITES", &ms, e) < 0)
					err = -1;
				if (!has_word(&ms, "GH") && !has_word(&ms, "GITHUB"))
					fw_append(m, "MASTER_SITES", "GH");
				mk_words_free(&ms);
			}
			strbuf_addf(&sb, "https://github.com/%s/%s/", acct, proj);
			fw_default(m, "WWW", sb.buf);
			strbuf_reset(&sb);
		}
		free(pn); free(full); free(acct); free(proj); free(tag); free(san);
		free(ext);
	}
	free(use);
	strbuf_release(&sb);
	return err ? -1 : 0;
}

static int
fw_gh_tuples(struct fw *f, struct kerr *e)
{
	struct mk *m = f->p->mk;
	int err = 0;
	mk_words tuples = VEC_INIT;
	struct strbuf sb = STRBUF_INIT;

	if (fw_words(m, "GH_TUPLE", &tuples, e) < 0)
		err = -1;
	for (size_t i = 0; i < tuples.n; i++) {
		char *t = tuples.v[i], *parts[4] = { 0 }, *sub, *ext;
		int np = 0;
		for (char *c = t; np < 4; ) {
			parts[np++] = c;
			c = strchr(c, ':');
			if (c == NULL)
				break;
			*c++ = '\0';
		}
		if (np != 4) {
			err = kerr_set(e, "%s/Makefile: GH_TUPLE entry '%s' is not "
			    "account:project:tag:group", mk_display(m), tuples.v[i]);
			break;
		}
		if ((sub = strchr(parts[3], '/')) != NULL)
			*sub++ = '\0';
		strbuf_addf(&sb, "https://codeload.github.com/%s/%s/tar.gz/%s?dummy=/:%s",
		    parts[0], parts[1], parts[2], parts[3]);
		fw_append(m, "MASTER_SITES", sb.buf);
		strbuf_reset(&sb);
		strbuf_addf(&sb, "%s-%s-%s_GH0.tar.gz", parts[0], parts[1], parts[2]);
		{
			char *k = xasprintf("DISTFILE_%s", parts[3]);
			mk_set(m, k, sb.buf, false);
			free(k);
		}
		strbuf_addf(&sb, ":%s", parts[3]);
		fw_append(m, "DISTFILES", sb.buf);
		strbuf_reset(&sb);
		ext = gh_extract(parts[2]);
		{
			char *k = xasprintf("WRKSRC_%s", parts[3]);
			char *v = xasprintf("${WRKDIR}/%s-%s", parts[1], ext);
			mk_set(m, k, v, false);
			free(k);
			free(v);
		}
		free(ext);
	}
	mk_words_free(&tuples);
	strbuf_release(&sb);
	return err ? -1 : 0;
}

static const char *const gitlab_hosts[] = { "gitlab.com", "gitlab.gnome.org",
    "gitlab.freedesktop.org", "invent.kde.org", "salsa.debian.org", NULL };

static int
fw_cargo(struct fw *f, struct kerr *e)
{
	struct mk *m = f->p->mk;
	mk_words crates = VEC_INIT;
	struct strbuf sb = STRBUF_INIT;
	int rc = -1, gi = 0, ri = 0;
	bool targz = false;
	char *distinfo = NULL;
	struct strbuf di = STRBUF_INIT;
	int err = 0;

	if (!f->cargo)
		return 0;
	if (fw_words(m, "CARGO_CRATES", &crates, e) < 0)
		goto out;
	/* Old distinfo files list crates as .tar.gz (cargo.mk keeps that). */
	distinfo = fw_get(m, "DISTINFO_FILE", e, &err);
	if (strbuf_read_file(&di, distinfo) == 0 && strstr(di.buf, "(rust/crates/") &&
	    strstr(di.buf, ".tar.gz)") && !strstr(di.buf, ".crate)"))
		targz = true;
	for (size_t i = 0; i < crates.n; i++) {
		char *c = crates.v[i], *git = strstr(c, "@git+");
		if (git) {
			/* name[,name]@git+URL[?...]#commit */
			char *url = git + 5, *hash = strchr(url, '#'), *q, *host, *path;
			char *acct, *proj, *commit, *tagq;
			char *names = xstrndup(c, (size_t)(git - c));
			gi++;
			if (hash == NULL) {
				kerr_set(e, "%s: CARGO_CRATES entry %s has no #commit",
				    mk_display(m), c);
				free(names);
				goto out;
			}
			*hash = '\0';
			commit = hash + 1;
			if ((tagq = strstr(url, "?tag=")) != NULL)
				commit = tagq + 5;
			if ((q = strchr(url, '?')) != NULL)
				*q = '\0';
			if (strncmp(url, "https://", 8) != 0) {
				kerr_set(e, "%s: do not know how to handle git source %s",
				    mk_display(m), url);
				free(names);
				goto out;
			}
			host = url + 8;
			path = strchr(host, '/');
			if (path == NULL) {
				kerr_set(e, "%s: bad git source %s", mk_display(m), url);
				free(names);
				goto out;
			}
			*path++ = '\0';
			{
				size_t pl = strlen(path);
				if (pl > 4 && strcmp(path + pl - 4, ".git") == 0)
					path[pl - 4] = '\0';
			}
			proj = strrchr(path, '/');
			if (proj == NULL) {
				kerr_set(e, "%s: bad git source %s", mk_display(m), url);
				free(names);
				goto out;
			}
			acct = path;
			*proj++ = '\0';
			if (strcmp(host, "github.com") == 0) {
				char *ext = gh_extract(commit);
				strbuf_addf(&sb, "https://codeload.github.com/%s/%s/tar.gz/%s?dummy=/:_cargo_git%d",
				    acct, proj, commit, gi);
				fw_append(m, "MASTER_SITES", sb.buf);
				strbuf_reset(&sb);
				strbuf_addf(&sb, "%s-%s-%s_GH0.tar.gz:_cargo_git%d", acct,
				    proj, commit, gi);
				fw_append(m, "DISTFILES", sb.buf);
				strbuf_reset(&sb);
				strbuf_addf(&sb, "${WRKDIR}/%s-%s", proj, ext);
				free(ext);
			} else if (strcmp(host, "codeberg.org") == 0) {
				strbuf_addf(&sb, "https://codeberg.org/%s/%s/archive/%s.tar.gz?dummy=/:_cargo_git%d",
				    acct, proj, commit, gi);
				fw_append(m, "MASTER_SITES", sb.buf);
				strbuf_reset(&sb);
				strbuf_addf(&sb, "%s-%s-%s_CB0.tar.gz:_cargo_git%d", acct,
				    proj, commit, gi);
				fw_append(m, "DISTFILES", sb.buf);
				strbuf_reset(&sb);
				strbuf_addf(&sb, "${WRKDIR}/%s", proj);
			} else {
				bool gl = false;
				for (int k = 0; gitlab_hosts[k]; k++)
					gl |= strcmp(gitlab_hosts[k], host) == 0;
				if (!gl) {
					kerr_set(e, "%s: do not know how to handle git "
					    "source https://%s/%s/%s", mk_display(m), host,
					    acct, proj);
					free(names);
					goto out;
				}
				strbuf_addf(&sb, "https://%s/%s/%s/-/archive/%s.tar.gz?dummy=/:_cargo_git%d",
				    host, acct, proj, commit, gi);
				fw_append(m, "MASTER_SITES", sb.buf);
				strbuf_reset(&sb);
				strbuf_addf(&sb, "%s-%s-%s_GL0.tar.gz:_cargo_git%d", acct,
				    proj, commit, gi);
				fw_append(m, "DISTFILES", sb.buf);
				strbuf_reset(&sb);
				strbuf_addf(&sb, "${WRKDIR}/%s-%s", proj, commit);
			}
			for (char *sv = NULL, *nm = strtok_r(names, ",", &sv); nm;
			    nm = strtok_r(NULL, ",", &sv)) {
				char *k = xasprintf("WRKSRC_crate_%s", nm);
				mk_set(m, k, sb.buf, false);
				free(k);
			}
			strbuf_reset(&sb);
			free(names);
			continue;
		}
		/* registry crate: longest [-_a-zA-Z0-9]+ prefix followed by -digit */
		{
			char *split = NULL;
			for (char *p = c; *p; p++) {
				if (!(isalnum((unsigned char)*p) || *p == '-' || *p == '_'))
					break;
				if (*p == '-' && isdigit((unsigned char)p[1]))
					split = p;
			}
			if (split == NULL) {
				kerr_set(e, "%s: CARGO_CRATES entry '%s' is not NAME-VERSION",
				    mk_display(m), c);
				goto out;
			}
			ri++;
			*split = '\0';
			strbuf_addf(&sb, "https://crates.io/api/v1/crates/%s/%s/download?dummy=/:_cargo_%d",
			    c, split + 1, ri);
			fw_append(m, "MASTER_SITES", sb.buf);
			strbuf_reset(&sb);
			strbuf_addf(&sb, "rust/crates/%s-%s%s:_cargo_%d", c, split + 1,
			    targz ? ".tar.gz" : ".crate", ri);
			fw_append(m, "DISTFILES", sb.buf);
			strbuf_reset(&sb);
			{
				char *k = xasprintf("WRKSRC_crate_%s", c);
				char *v = xasprintf("${CARGO_VENDOR_DIR}/%s-%s", c, split + 1);
				mk_set(m, k, v, false);
				free(k);
				k = xasprintf("WRKSRC_crate_%s-%s", c, split + 1);
				mk_set(m, k, v, false);
				free(k);
				free(v);
			}
		}
	}
	rc = err ? -1 : 0;
out:
	free(distinfo);
	strbuf_release(&di);
	strbuf_release(&sb);
	mk_words_free(&crates);
	return rc;
}

/* Flavor additions to dependencies and the package description. */
static void
fw_flavor(struct fw *f)
{
	struct mk *m = f->p->mk;
	const char *fl = mk_raw(m, "FLAVOR");
	char buf[128];

	if (fl == NULL || *fl == '\0' || strchr(fl, '$'))
		return;
	for (int d = 0; dep_vars[d]; d++) {
		char v1[64];
		snprintf(buf, sizeof(buf), "%s_%s_DEPENDS", fl, dep_vars[d]);
		snprintf(v1, sizeof(v1), "%s_DEPENDS", dep_vars[d]);
		if (mk_defined(m, buf)) {
			char *ref = xasprintf("${%s}", buf);
			fw_append(m, v1, ref);
			free(ref);
		}
	}
	snprintf(buf, sizeof(buf), "%s_DESCR", fl);
	if (mk_defined(m, buf)) {
		char *ref = xasprintf("${%s}", buf);
		mk_set(m, "DESCR", ref, false);
		free(ref);
	}
	snprintf(buf, sizeof(buf), "%s_PLIST", fl);
	if (mk_defined(m, buf)) {
		char *ref = xasprintf("${%s}", buf);
		mk_set(m, "PLIST", ref, false);
		free(ref);
	}
}

static int
fw_final(struct fw *f, struct kerr *e)
{
	struct mk *m = f->p->mk;
	int err = 0;
	char *v;

	if (f->final_done)
		return 0;
	f->final_done = true;
	if (fw_helpers(f, e) < 0)
		return -1;
	/* option helpers may add USES */
	f->uses_done = false;
	if (fw_uses(f, e) < 0 || fw_uses_final(f, e) < 0)
		return -1;
	fw_flavor(f);
	if (fw_identity(f, e) < 0 || fw_github(f, e) < 0)
		return -1;
	if (!mk_assigned(m, "DISTFILES")) {
		/* DISTFILES ?= DISTNAME EXTRACT_SUFX, before what helpers, GH_TUPLE
		 * and cargo append */
		const char *raw = mk_raw(m, "DISTFILES");
		char *nv = xasprintf("${DISTNAME}${EXTRACT_SUFX}%s%s",
		    raw && *raw ? " " : "", raw ? raw : "");
		mk_set(m, "DISTFILES", nv, false);
		free(nv);
	}
	if (fw_gh_tuples(f, e) < 0 || fw_cargo(f, e) < 0)
		return -1;
	v = fw_get(m, "FLAVORS", e, &err);
	if (*v)
		fw_default(m, "WRKDIR", "${WRKDIRPREFIX}${.CURDIR}/work-${FLAVOR}");
	else
		fw_default(m, "WRKDIR", "${WRKDIRPREFIX}${.CURDIR}/work");
	free(v);
	v = fw_get(m, "NO_WRKSUBDIR", e, &err);
	if (mk_defined_own(m, "WRKSRC"))
		;
	else if (*v)
		mk_set(m, "WRKSRC", "${WRKDIR}/${PKGNAME}", false);
	else
		mk_set(m, "WRKSRC", "${WRKDIR}/${DISTNAME}", false);
	free(v);
	if (mk_defined(m, "WRKSRC_SUBDIR")) {
		char *ws = fw_get(m, "WRKSRC", e, &err);
		char *sub = fw_get(m, "WRKSRC_SUBDIR", e, &err);
		char *n = xasprintf("%s/%s", ws, sub);
		mk_set(m, "WRKSRC", n, false);
		free(ws);
		free(sub);
		free(n);
	}
	mk_set(m, "_DISTFILES", "${DISTFILES:C/:[^:]+$//}", false);
	fw_default(m, "EXTRACT_ONLY", "${_DISTFILES}");
	if (mk_defined(m, "GNU_CONFIGURE")) {
		fw_default(m, "HAS_CONFIGURE", "yes");
		mk_assign(m, "CONFIGURE_ARGS", MK_APPEND,
		    "--prefix=${GNU_CONFIGURE_PREFIX}", e);
	}
	{
		mk_words rc = VEC_INIT;
		if (fw_words(m, "USE_RC_SUBR", &rc, e) < 0)
			return -1;
		for (size_t i = 0; i < rc.n; i++)
			fw_append(m, "SUB_FILES", rc.v[i]);
		mk_words_free(&rc);
	}
	if (mk_defined(m, "DOCS_on") || 1) {
		bool docs = false, ex = false;
		mk_words sel = VEC_INIT, all = VEC_INIT;
		fw_words(m, "PORT_OPTIONS", &sel, e);
		fw_words(m, "COMPLETE_OPTIONS_LIST", &all, e);
		docs = has_word(&sel, "DOCS") || !has_word(&all, "DOCS");
		ex = has_word(&sel, "EXAMPLES") || !has_word(&all, "EXAMPLES");
		fw_append(m, "PLIST_SUB", docs ? "PORTDOCS=\"\"" : "PORTDOCS=\"@comment \"");
		fw_append(m, "PLIST_SUB", ex ? "PORTEXAMPLES=\"\"" :
		    "PORTEXAMPLES=\"@comment \"");
		mk_words_free(&sel);
		mk_words_free(&all);
	}
	fw_append(m, "PLIST_SUB", "OSREL=${OSREL} PREFIX=%D LOCALBASE=${LOCALBASE} "
	    "RESETPREFIX=${PREFIX} DOCSDIR=${DOCSDIR_REL} EXAMPLESDIR=${EXAMPLESDIR_REL} "
	    "DATADIR=${DATADIR_REL} WWWDIR=${WWWDIR_REL} ETCDIR=${ETCDIR_REL}");
	fw_append(m, "SUB_LIST", "PREFIX=${PREFIX} LOCALBASE=${LOCALBASE} "
	    "DATADIR=${DATADIR} DOCSDIR=${DOCSDIR} EXAMPLESDIR=${EXAMPLESDIR} "
	    "WWWDIR=${WWWDIR} ETCDIR=${ETCDIR}");
	if (!mk_defined(m, "PORTNAME") || !mk_defined(m, "COMMENT"))
		return kerr_set(e, "%s/Makefile: COMMENT is not set", mk_display(m));
	return err ? -1 : 0;
}

/* Variables of the pre-2014 framework, and ones kiln does not implement. */
static const struct {
	const char *name, *why;
} refused_vars[] = {
	{ "OPTIONS", "the old OPTIONS= syntax (use OPTIONS_DEFINE)" },
	{ "NO_STAGE", "NO_STAGE (every port stages)" },
	{ "USE_GMAKE", "USE_GMAKE (use USES=gmake)" },
	{ "USE_AUTOTOOLS", "USE_AUTOTOOLS (use USES=autoreconf)" },
	{ "USE_BZIP2", "USE_BZIP2 (use USES=tar:bzip2)" },
	{ "USE_ZIP", "USE_ZIP" },
	{ "USE_GNOME", "USE_GNOME" },
	{ "NOPORTDOCS", "NOPORTDOCS (use the DOCS option)" },
	{ "MLINKS", "MLINKS" },
	{ "CARGO_USE_GITHUB", "CARGO_USE_GITHUB (list git crates in CARGO_CRATES)" },
	{ "USE_GITLAB", "USE_GITLAB" },
	{ "GL_TUPLE", "GL_TUPLE" },
	{ "MASTER_SITE_SUBDIR", "MASTER_SITE_SUBDIR (write MACRO/subdir)" },
	{ "MAN1", "MAN1 (man pages are in the plist)" },
	{ "MAN3", "MAN3 (man pages are in the plist)" },
	{ "MAN5", "MAN5 (man pages are in the plist)" },
	{ "MAN8", "MAN8 (man pages are in the plist)" },
	{ NULL, NULL },
};

/* Targets the framework owns; a port may not define them. */
static const char *const framework_targets[] = { "fetch", "checksum", "extract",
    "patch", "configure", "build", "stage", "install", "package", "makesum",
    "generate-plist", "install-rc-script", "check-plist", "clean", "describe",
    "cargo-extract", "cargo-configure", "cargo-crates", NULL };

static int
fw_refusals(struct fw *f, struct kerr *e)
{
	struct mk *m = f->p->mk;
	const char *file;
	int line;

	for (int i = 0; refused_vars[i].name; i++)
		if (mk_where(m, refused_vars[i].name, &file, &line))
			return kerr_set(e, "%s:%d: %s is not supported", file, line,
			    refused_vars[i].why);
	for (size_t i = 0; i < mk_ntargets(m); i++) {
		const struct mk_target *t = mk_target_at(m, i);
		for (int k = 0; framework_targets[k]; k++)
			if (strcmp(t->name, framework_targets[k]) == 0)
				return kerr_set(e, "%s:%d: target %s belongs to the "
				    "framework; overriding it is not supported", t->file,
				    t->line, t->name);
		for (size_t c = 0; c < t->cmds.n; c++)
			if (strstr(t->cmds.v[c].text, "${MAKE}") ||
			    strstr(t->cmds.v[c].text, "$(MAKE)"))
				return kerr_set(e, "%s:%d: running ${MAKE} from a recipe "
				    "is not supported", t->cmds.v[c].file, t->cmds.v[c].line);
	}
	return 0;
}

int
fw_hook(struct mk *m, enum mk_sys which, void *arg, struct kerr *e)
{
	struct fw *f = arg;

	if (f->final_done)
		return kerr_set(e, "%s/Makefile: .include after <bsd.port.mk> or "
		    "<bsd.port.post.mk>", mk_display(m));
	if (fw_options(f, e) < 0)
		return -1;
	if (which == MK_SYS_OPTIONS)
		return fw_identity(f, e);
	if (fw_uses(f, e) < 0 || fw_identity(f, e) < 0)
		return -1;
	if (which == MK_SYS_PRE) {
		f->pre_done = true;
		return 0;
	}
	if (which == MK_SYS_POST && !f->pre_done)
		return kerr_set(e, "%s/Makefile: <bsd.port.post.mk> without "
		    "<bsd.port.pre.mk>", mk_display(m));
	if (fw_refusals(f, e) < 0)
		return -1;
	return fw_final(f, e);
}
