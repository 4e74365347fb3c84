/*
 * sign: RSA signing (key file or external command) and verification with
 * a public key or trusted fingerprints (see sign.h).  The private key stays
 * in OpenSSL objects and is freed as soon as the signature is made.
 * Calls: util (child, sha256, ucl, path), libcrypto.
 */
#include "pkg/sign.h"

#include "util/child.h"
#include "util/path.h"
#include "util/sha256.h"
#include "util/ucl.h"
#include "util/xalloc.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

void
pkg_sig_init(struct pkg_sig *s)
{
	strbuf_init(&s->sig, 0);
	strbuf_init(&s->cert, 0);
	s->type = NULL;
}

void
pkg_sig_release(struct pkg_sig *s)
{
	strbuf_release(&s->sig);
	strbuf_release(&s->cert);
	free(s->type);
	s->type = NULL;
}

static const char *
ossl_reason(void)
{
	unsigned long code = ERR_get_error();
	static __thread char buf[256];

	if (code == 0)
		return "unknown error";
	ERR_error_string_n(code, buf, sizeof(buf));
	ERR_clear_error();
	return buf;
}

static EVP_PKEY *
load_private(const char *keyfile, struct kerr *e)
{
	FILE *f = fopen(keyfile, "r");
	EVP_PKEY *k;

	if (f == NULL) {
		kerr_errno(e, "%s", keyfile);
		return NULL;
	}
	k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (k == NULL)
		kerr_set(e, "%s: not a PEM private key (%s)", keyfile, ossl_reason());
	else if (EVP_PKEY_base_id(k) != EVP_PKEY_RSA) {
		kerr_set(e, "%s: not an RSA key", keyfile);
		EVP_PKEY_free(k);
		k = NULL;
	}
	return k;
}

int
pkg_sign_keyfile(const char *keyfile, const char *hex, struct pkg_sig *out,
    struct kerr *e)
{
	EVP_PKEY *k = load_private(keyfile, e);
	EVP_MD_CTX *ctx = NULL;
	size_t len = 0;
	int rc = -1;

	if (k == NULL)
		return -1;
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, k) != 1 ||
	    EVP_DigestSign(ctx, NULL, &len, (const unsigned char *)hex,
	        strlen(hex)) != 1) {
		kerr_set(e, "%s: cannot sign: %s", keyfile, ossl_reason());
		goto out;
	}
	strbuf_reset(&out->sig);
	strbuf_grow(&out->sig, len);
	if (EVP_DigestSign(ctx, (unsigned char *)out->sig.buf, &len,
	    (const unsigned char *)hex, strlen(hex)) != 1) {
		kerr_set(e, "%s: cannot sign: %s", keyfile, ossl_reason());
		goto out;
	}
	strbuf_setlen(&out->sig, len);
	free(out->type);
	out->type = xstrdup("rsa");
	rc = 0;
out:
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(k);
	return rc;
}

int
pkg_sign_pubkey_pem(const char *keyfile, struct strbuf *out, struct kerr *e)
{
	EVP_PKEY *k = load_private(keyfile, e);
	BIO *b = NULL;
	char *p;
	long n;
	int rc = -1;

	if (k == NULL)
		return -1;
	b = BIO_new(BIO_s_mem());
	if (b == NULL || PEM_write_bio_PUBKEY(b, k) != 1) {
		kerr_set(e, "%s: cannot write public key", keyfile);
		goto out;
	}
	n = BIO_get_mem_data(b, &p);
	strbuf_add(out, p, (size_t)n);
	rc = 0;
out:
	BIO_free(b);
	EVP_PKEY_free(k);
	return rc;
}

/* Split a command line on blanks, honouring '...' and "..." quoting. */
static char **
split_command(const char *cmd)
{
	VEC(char *) argv = VEC_INIT;
	const char *p = cmd;

	for (;;) {
		struct strbuf w = STRBUF_INIT;

		while (*p && isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			break;
		while (*p && !isspace((unsigned char)*p)) {
			if (*p == '\'' || *p == '"') {
				char q = *p++;

				while (*p && *p != q)
					strbuf_addch(&w, *p++);
				if (*p)
					p++;
			} else {
				strbuf_addch(&w, *p++);
			}
		}
		vec_push(&argv, strbuf_detach(&w, NULL));
	}
	vec_push(&argv, NULL);
	return argv.v;
}

/* Parse the signing command's output (see sign.h). */
static int
parse_command_output(const char *cmd, const char *buf, size_t len,
    struct pkg_sig *out, struct kerr *e)
{
	enum { NONE, TYPE, SIG, CERT, END } state = NONE;
	const char *p = buf, *end = buf + len;

	strbuf_reset(&out->sig);
	strbuf_reset(&out->cert);
	while (p < end && state != END) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
		const char *next = nl ? nl + 1 : end;

		if (l == 4 && memcmp(p, "TYPE", 4) == 0)
			state = TYPE;
		else if (l == 9 && memcmp(p, "SIGNATURE", 9) == 0)
			state = SIG;
		else if (l == 4 && memcmp(p, "CERT", 4) == 0)
			state = CERT;
		else if (l == 3 && memcmp(p, "END", 3) == 0)
			state = END;
		else if (state == TYPE) {
			free(out->type);
			out->type = xstrndup(p, l);
		} else if (state == SIG) {
			strbuf_add(&out->sig, p, (size_t)(next - p));
		} else if (state == CERT) {
			strbuf_add(&out->cert, p, (size_t)(next - p));
		}
		p = next;
	}
	/* The signature's last newline belongs to the protocol. */
	if (out->sig.len > 0 && out->sig.buf[out->sig.len - 1] == '\n')
		strbuf_setlen(&out->sig, out->sig.len - 1);
	if (out->sig.len == 0)
		return kerr_set(e, "signing command '%s': no SIGNATURE in its output", cmd);
	if (out->cert.len == 0)
		return kerr_set(e, "signing command '%s': no CERT in its output", cmd);
	if (out->type == NULL)
		out->type = xstrdup("rsa");
	if (strcmp(out->type, "rsa") != 0)
		return kerr_set(e, "signing command '%s': signature type '%s' is not "
		    "supported (rsa only)", cmd, out->type);
	return 0;
}

int
pkg_sign_command(const char *command, const char *hex, struct pkg_sig *out,
    struct kerr *e)
{
	char **argv = split_command(command);
	struct strbuf so = STRBUF_INIT, se = STRBUF_INIT;
	struct child c;
	char line[80];
	int pfd[2] = { -1, -1 };
	int rc = -1;

	if (argv[0] == NULL) {
		kerr_set(e, "signing command is empty");
		goto out;
	}
	/* 65 bytes fit in any pipe buffer: write them all before starting. */
	if (pipe(pfd) < 0) {
		kerr_errno(e, "pipe");
		goto out;
	}
	snprintf(line, sizeof(line), "%s\n", hex);
	if (write_full(pfd[1], line, strlen(line)) < 0) {
		kerr_errno(e, "pipe");
		goto out;
	}
	close(pfd[1]);
	pfd[1] = -1;
	child_init(&c, argv, environ);
	c.in_fd = pfd[0];
	c.out = &so;
	c.err = &se;
	c.timeout_ms = 120000;
	if (child_run(&c, e) < 0) {
		kerr_prefix(e, "signing command");
		goto out;
	}
	if (child_exit_code(&c) != 0) {
		char how[64];

		strbuf_trim(&se);
		kerr_set(e, "signing command '%s' %s%s%s", command,
		    child_describe(&c, how, sizeof(how)), se.len ? ": " : "", se.buf);
		goto out;
	}
	rc = parse_command_output(command, so.buf, so.len, out, e);
out:
	if (pfd[0] >= 0)
		close(pfd[0]);
	if (pfd[1] >= 0)
		close(pfd[1]);
	strbuf_release(&so);
	strbuf_release(&se);
	xfree_strv(argv);
	return rc;
}

int
pkg_sign(const struct pkg_signer *s, const char *hex, struct pkg_sig *out,
    struct kerr *e)
{
	if (s->command)
		return pkg_sign_command(s->command, hex, out, e);
	if (s->keyfile)
		return pkg_sign_keyfile(s->keyfile, hex, out, e);
	return kerr_set(e, "no signing key or command");
}

int
pkg_verify_rsa(const char *pem, size_t pemlen, const char *hex, const void *sig,
    size_t siglen, struct kerr *e)
{
	BIO *b = BIO_new_mem_buf(pem, (int)pemlen);
	EVP_PKEY *k = NULL;
	EVP_MD_CTX *ctx = NULL;
	const char head[] = "$PKGSIGN:rsa$";
	int rc = -1;

	if (siglen >= sizeof(head) - 1 && memcmp(sig, head, sizeof(head) - 1) == 0) {
		sig = (const char *)sig + sizeof(head) - 1;
		siglen -= sizeof(head) - 1;
	}
	if (b == NULL || (k = PEM_read_bio_PUBKEY(b, NULL, NULL, NULL)) == NULL) {
		kerr_set(e, "public key is not PEM (%s)", ossl_reason());
		goto out;
	}
	if (EVP_PKEY_base_id(k) != EVP_PKEY_RSA) {
		kerr_set(e, "public key is not RSA");
		goto out;
	}
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, k) != 1) {
		kerr_set(e, "cannot verify: %s", ossl_reason());
		goto out;
	}
	if (EVP_DigestVerify(ctx, sig, siglen, (const unsigned char *)hex,
	    strlen(hex)) != 1) {
		/*
		 * The `signature` member carries one NUL after the signature
		 * (pkg writes it so).  Strip it only on a second try: a raw
		 * signature may itself end in a zero byte (1 in 256).
		 */
		bool ok = false;

		ERR_clear_error();
		if (siglen > 1 && ((const char *)sig)[siglen - 1] == '\0') {
			EVP_MD_CTX_free(ctx);
			if ((ctx = EVP_MD_CTX_new()) != NULL &&
			    EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, k) == 1 &&
			    EVP_DigestVerify(ctx, sig, siglen - 1,
			        (const unsigned char *)hex, strlen(hex)) == 1)
				ok = true;
			ERR_clear_error();
		}
		if (!ok) {
			kerr_set(e, "invalid signature");
			goto out;
		}
	}
	rc = 0;
out:
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(k);
	BIO_free(b);
	return rc;
}

int
pkg_verify_rsa_file(const char *pubkey, const char *hex, const void *sig,
    size_t siglen, struct kerr *e)
{
	struct strbuf pem = STRBUF_INIT;
	int rc = -1;

	if (path_read(pubkey, &pem, e) == 0) {
		rc = pkg_verify_rsa(pem.buf, pem.len, hex, sig, siglen, e);
		if (rc < 0)
			kerr_prefix(e, "%s", pubkey);
	}
	strbuf_release(&pem);
	return rc;
}

static int
load_fp_dir(const char *dir, void *vec, bool required, struct kerr *e)
{
	VEC(char *) *v = vec;
	DIR *d = opendir(dir);
	struct dirent *de;
	int rc = -1;

	if (d == NULL) {
		if (!required && errno == ENOENT)
			return 0;
		return kerr_errno(e, "%s", dir);
	}
	while ((de = readdir(d)) != NULL) {
		char *p;
		struct uv *o;
		const char *fn, *fp;

		if (de->d_name[0] == '.')
			continue;
		p = path_join(dir, de->d_name);
		if (path_is_dir(p)) {
			free(p);
			continue;
		}
		o = uv_parse_file(p, e);
		if (o == NULL) {
			free(p);
			goto out;
		}
		fn = uv_get_str(o, "function");
		fp = uv_get_str(o, "fingerprint");
		if (fn == NULL || strcasecmp(fn, "sha256") != 0 || fp == NULL ||
		    strlen(fp) != 64) {
			kerr_set(e, "%s: want function: \"sha256\" and a 64-hex fingerprint", p);
			uv_free(o);
			free(p);
			goto out;
		}
		char *lc = xstrdup(fp);
		for (char *q = lc; *q; q++)
			*q = (char)tolower((unsigned char)*q);
		vec_push(v, lc);
		uv_free(o);
		free(p);
	}
	rc = 0;
out:
	closedir(d);
	return rc;
}

int
pkg_fingerprints_load(const char *dir, struct pkg_fingerprints *fp,
    struct kerr *e)
{
	char *t = path_join(dir, "trusted");
	char *r = path_join(dir, "revoked");
	int rc = -1;

	memset(fp, 0, sizeof(*fp));
	if (load_fp_dir(t, &fp->trusted, true, e) < 0 ||
	    load_fp_dir(r, &fp->revoked, false, e) < 0)
		goto out;
	rc = 0;
out:
	if (rc < 0)
		pkg_fingerprints_free(fp);
	free(t);
	free(r);
	return rc;
}

void
pkg_fingerprints_free(struct pkg_fingerprints *fp)
{
	for (size_t i = 0; i < fp->trusted.n; i++)
		free(fp->trusted.v[i]);
	for (size_t i = 0; i < fp->revoked.n; i++)
		free(fp->revoked.v[i]);
	vec_free(&fp->trusted);
	vec_free(&fp->revoked);
}

int
pkg_fingerprints_check(const struct pkg_fingerprints *fp, const char *cert,
    size_t len)
{
	char hex[SHA256_HEX_LEN + 1];

	sha256_buf_hex(cert, len, hex);
	for (size_t i = 0; i < fp->revoked.n; i++)
		if (strcmp(fp->revoked.v[i], hex) == 0)
			return -1;
	for (size_t i = 0; i < fp->trusted.n; i++)
		if (strcmp(fp->trusted.v[i], hex) == 0)
			return 1;
	return 0;
}

int
pkg_fingerprint_write(const char *path, const char *cert, size_t len,
    struct kerr *e)
{
	char hex[SHA256_HEX_LEN + 1];
	char *text;
	int rc;

	sha256_buf_hex(cert, len, hex);
	text = xasprintf("function: \"sha256\"\nfingerprint: \"%s\"\n", hex);
	rc = path_write_atomic(path, text, strlen(text), 0644, e);
	free(text);
	return rc;
}
