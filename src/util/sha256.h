/*
 * sha256: SHA-256 of buffers, files and streams (OpenSSL libcrypto), with
 * lowercase hex output as distinfo and pkg manifests write it.
 * Calls: kerr.
 */
#ifndef KILN_SHA256_H
#define KILN_SHA256_H

#include "util/kerr.h"

#include <stddef.h>
#include <stdint.h>

#define SHA256_HEX_LEN 64

struct sha256 {
	void *md;	/* EVP_MD_CTX, owned */
};

void sha256_init(struct sha256 *h);
void sha256_update(struct sha256 *h, const void *data, size_t len);
/* Writes 65 bytes (64 hex + NUL) into hex and frees the context. */
void sha256_final_hex(struct sha256 *h, char hex[SHA256_HEX_LEN + 1]);
void sha256_final_raw(struct sha256 *h, uint8_t raw[32]);

void sha256_buf_hex(const void *data, size_t len, char hex[SHA256_HEX_LEN + 1]);
/* Hash a file's contents; size (may be NULL) receives its length.  0 or -1. */
int sha256_file_hex(const char *path, char hex[SHA256_HEX_LEN + 1],
    uint64_t *size, struct kerr *e);

#endif
