/*
 * checksum: pkg's checksum strings for files, symlinks and packages
 * (spec/pkg-format.md §1.5): "<type>$<digest>" with type 1 = SHA-256 hex,
 * 2 = BLAKE2b-512 in pkg's LSB-first z-base32, 0 = SHA-256 base32,
 * 5 = BLAKE2s-256 base32; a string without '$' is plain SHA-256 hex.
 * Does not read archives.  Calls: util, OpenSSL libcrypto.
 */
#ifndef KILN_PKG_CHECKSUM_H
#define KILN_PKG_CHECKSUM_H

#include "util/kerr.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum pkg_cksum_type {
	PKG_CKSUM_SHA256_BASE32 = 0,
	PKG_CKSUM_SHA256_HEX = 1,
	PKG_CKSUM_BLAKE2_BASE32 = 2,
	PKG_CKSUM_BLAKE2S_BASE32 = 5,
	PKG_CKSUM_PLAIN_HEX = 100,	/* no "N$" prefix: SHA-256 hex */
};

/* What kiln writes for file sums: "1$<sha256 hex>". */
#define PKG_CKSUM_DEFAULT PKG_CKSUM_SHA256_HEX

/* A running checksum of one type. */
struct pkg_cksum {
	enum pkg_cksum_type type;
	void *md;	/* EVP_MD_CTX, owned until final */
};

/* Start; -1 with e set for an unsupported type. */
int pkg_cksum_init(struct pkg_cksum *c, enum pkg_cksum_type type, struct kerr *e);
void pkg_cksum_update(struct pkg_cksum *c, const void *data, size_t len);
/* The formatted string ("1$..." or plain hex); caller frees; frees c. */
char *pkg_cksum_final(struct pkg_cksum *c);
/* Free without a result (error paths). */
void pkg_cksum_abort(struct pkg_cksum *c);

/* Type of a sum string; -1 with e set when unknown. */
int pkg_cksum_type_of(const char *sum, enum pkg_cksum_type *type, struct kerr *e);

/* Sums in the given type; caller frees.  NULL with e set on I/O errors. */
char *pkg_cksum_buf(enum pkg_cksum_type t, const void *data, size_t len);
char *pkg_cksum_file(enum pkg_cksum_type t, const char *path, uint64_t *size,
    struct kerr *e);
/* A symlink's sum over its target string, with pkg's quirk for absolute
 * targets (skip the '/', keep the length: the NUL is hashed). */
char *pkg_cksum_symlink(enum pkg_cksum_type t, const char *target);

/* 0 when the file at path matches sum (any supported form, e.g. a
 * catalog's plain SHA-256 hex or pkg 2.8's "2$..."), else -1 with e set
 * ("PATH: checksum mismatch"). */
int pkg_cksum_verify_file(const char *sum, const char *path, struct kerr *e);

/* pkg's base32 (z-base32 alphabet, bits taken LSB first); appends NUL.
 * out must hold (len * 8 + 4) / 5 + 1 bytes. */
void pkg_base32(const uint8_t *data, size_t len, char *out);

#endif
