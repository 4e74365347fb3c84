/*
 * checksum: pkg checksum strings over OpenSSL digests (see checksum.h).
 * Calls: util, libcrypto.
 */
#include "pkg/checksum.h"

#include "util/xalloc.h"

#include <openssl/evp.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const EVP_MD *
md_for(enum pkg_cksum_type t)
{
	switch (t) {
	case PKG_CKSUM_SHA256_BASE32:
	case PKG_CKSUM_SHA256_HEX:
	case PKG_CKSUM_PLAIN_HEX:
		return EVP_sha256();
	case PKG_CKSUM_BLAKE2_BASE32:
		return EVP_blake2b512();
	case PKG_CKSUM_BLAKE2S_BASE32:
		return EVP_blake2s256();
	}
	return NULL;
}

int
pkg_cksum_init(struct pkg_cksum *c, enum pkg_cksum_type type, struct kerr *e)
{
	const EVP_MD *md = md_for(type);
	EVP_MD_CTX *ctx;

	if (md == NULL)
		return kerr_set(e, "checksum type %d is not supported", (int)type);
	ctx = EVP_MD_CTX_new();
	if (ctx == NULL || EVP_DigestInit_ex(ctx, md, NULL) != 1) {
		EVP_MD_CTX_free(ctx);
		return kerr_set(e, "checksum: cannot initialise digest");
	}
	c->type = type;
	c->md = ctx;
	return 0;
}

void
pkg_cksum_update(struct pkg_cksum *c, const void *data, size_t len)
{
	EVP_DigestUpdate(c->md, data, len);
}

void
pkg_base32(const uint8_t *data, size_t len, char *out)
{
	static const char alphabet[] = "ybndrfg8ejkmcpqxot1uwisza345h769";
	unsigned acc = 0, bits = 0;
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		acc |= (unsigned)data[i] << bits;
		bits += 8;
		while (bits >= 5) {
			out[o++] = alphabet[acc & 31];
			acc >>= 5;
			bits -= 5;
		}
	}
	if (bits > 0)
		out[o++] = alphabet[acc & 31];
	out[o] = '\0';
}

char *
pkg_cksum_final(struct pkg_cksum *c)
{
	uint8_t raw[EVP_MAX_MD_SIZE];
	char enc[EVP_MAX_MD_SIZE * 2 + 1];
	unsigned n = 0;
	char *r;

	EVP_DigestFinal_ex(c->md, raw, &n);
	EVP_MD_CTX_free(c->md);
	c->md = NULL;
	if (c->type == PKG_CKSUM_SHA256_HEX || c->type == PKG_CKSUM_PLAIN_HEX) {
		for (unsigned i = 0; i < n; i++)
			snprintf(enc + 2 * i, 3, "%02x", raw[i]);
	} else {
		pkg_base32(raw, n, enc);
	}
	if (c->type == PKG_CKSUM_PLAIN_HEX)
		r = xstrdup(enc);
	else
		r = xasprintf("%d$%s", (int)c->type, enc);
	return r;
}

void
pkg_cksum_abort(struct pkg_cksum *c)
{
	EVP_MD_CTX_free(c->md);
	c->md = NULL;
}

int
pkg_cksum_type_of(const char *sum, enum pkg_cksum_type *type, struct kerr *e)
{
	const char *d = strchr(sum, '$');

	if (d == NULL) {
		*type = PKG_CKSUM_PLAIN_HEX;
		return 0;
	}
	if (d - sum == 1) {
		switch (sum[0]) {
		case '0': *type = PKG_CKSUM_SHA256_BASE32; return 0;
		case '1': *type = PKG_CKSUM_SHA256_HEX; return 0;
		case '2': *type = PKG_CKSUM_BLAKE2_BASE32; return 0;
		case '5': *type = PKG_CKSUM_BLAKE2S_BASE32; return 0;
		}
	}
	return kerr_set(e, "checksum '%.20s': unsupported type", sum);
}

char *
pkg_cksum_buf(enum pkg_cksum_type t, const void *data, size_t len)
{
	struct pkg_cksum c;
	struct kerr e;

	if (pkg_cksum_init(&c, t, &e) < 0)
		return NULL;
	pkg_cksum_update(&c, data, len);
	return pkg_cksum_final(&c);
}

char *
pkg_cksum_file(enum pkg_cksum_type t, const char *path, uint64_t *size,
    struct kerr *e)
{
	struct pkg_cksum c;
	char buf[65536];
	uint64_t total = 0;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		kerr_errno(e, "%s", path);
		return NULL;
	}
	if (pkg_cksum_init(&c, t, e) < 0) {
		close(fd);
		return NULL;
	}
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			kerr_errno(e, "%s", path);
			pkg_cksum_abort(&c);
			close(fd);
			return NULL;
		}
		pkg_cksum_update(&c, buf, (size_t)n);
		total += (uint64_t)n;
	}
	close(fd);
	if (size)
		*size = total;
	return pkg_cksum_final(&c);
}

char *
pkg_cksum_symlink(enum pkg_cksum_type t, const char *target)
{
	size_t len = strlen(target);

	if (target[0] == '/')
		return pkg_cksum_buf(t, target + 1, len);
	return pkg_cksum_buf(t, target, len);
}

int
pkg_cksum_verify_file(const char *sum, const char *path, struct kerr *e)
{
	enum pkg_cksum_type t;
	char *got;
	int rc = 0;

	if (pkg_cksum_type_of(sum, &t, e) < 0)
		return kerr_prefix(e, "%s", path);
	if ((got = pkg_cksum_file(t, path, NULL, e)) == NULL)
		return -1;
	if (strcmp(got, sum) != 0)
		rc = kerr_set(e, "%s: checksum mismatch", path);
	free(got);
	return rc;
}
