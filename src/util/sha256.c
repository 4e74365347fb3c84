/*
 * sha256: thin wrapper over OpenSSL's EVP interface (see sha256.h).
 */
#include "util/sha256.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <unistd.h>

void
sha256_init(struct sha256 *h)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
		fprintf(stderr, "kiln: openssl: cannot initialise sha256\n");
		exit(1);
	}
	h->md = ctx;
}

void
sha256_update(struct sha256 *h, const void *data, size_t len)
{
	EVP_DigestUpdate(h->md, data, len);
}

void
sha256_final_raw(struct sha256 *h, uint8_t raw[32])
{
	unsigned int n = 32;

	EVP_DigestFinal_ex(h->md, raw, &n);
	EVP_MD_CTX_free(h->md);
	h->md = NULL;
}

void
sha256_final_hex(struct sha256 *h, char hex[SHA256_HEX_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	uint8_t raw[32];

	sha256_final_raw(h, raw);
	for (int i = 0; i < 32; i++) {
		hex[2 * i] = digits[raw[i] >> 4];
		hex[2 * i + 1] = digits[raw[i] & 15];
	}
	hex[SHA256_HEX_LEN] = '\0';
}

void
sha256_buf_hex(const void *data, size_t len, char hex[SHA256_HEX_LEN + 1])
{
	struct sha256 h;

	sha256_init(&h);
	sha256_update(&h, data, len);
	sha256_final_hex(&h, hex);
}

int
sha256_file_hex(const char *path, char hex[SHA256_HEX_LEN + 1], uint64_t *size,
    struct kerr *e)
{
	struct sha256 h;
	char buf[65536];
	uint64_t total = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return kerr_errno(e, "%s", path);
	sha256_init(&h);
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			kerr_errno(e, "%s", path);
			sha256_final_hex(&h, hex);
			close(fd);
			return -1;
		}
		if (n == 0)
			break;
		sha256_update(&h, buf, (size_t)n);
		total += (uint64_t)n;
	}
	close(fd);
	sha256_final_hex(&h, hex);
	if (size)
		*size = total;
	return 0;
}
