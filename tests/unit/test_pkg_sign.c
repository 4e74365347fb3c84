/*
 * test_pkg_sign: key-file signatures verify (and only with the right key
 * and message), the signing-command protocol parses (binary signatures
 * with newlines included), fingerprints classify trusted/revoked/unknown,
 * and checksum strings match pkg's formats.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "pkg/checksum.h"
#include "pkg/sign.h"
#include "util/child.h"
#include "util/path.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[] = "/tmp/kiln-test-sign.XXXXXX";
static char *key, *pub, *key2, *pub2;

static void
genkey(const char *k, const char *p)
{
	char *const a1[] = { "openssl", "genrsa", "-out", (char *)k, "2048", NULL };
	char *const a2[] = { "openssl", "rsa", "-in", (char *)k, "-pubout", "-out",
		(char *)p, NULL };
	char *const env[] = { "PATH=/usr/bin:/bin", NULL };
	struct kerr e;

	if (child_capture(a1, env, NULL, &e) < 0 || child_capture(a2, env, NULL, &e) < 0)
		fail_msg("%s", e.msg);
}

static int
setup(void **state)
{
	if (mkdtemp(dir) == NULL)
		return -1;
	key = path_join(dir, "k.pem");
	pub = path_join(dir, "k.pub");
	key2 = path_join(dir, "k2.pem");
	pub2 = path_join(dir, "k2.pub");
	genkey(key, pub);
	genkey(key2, pub2);
	return 0;
}

static int
teardown(void **state)
{
	struct kerr e;

	path_rm_rf(dir, &e);
	free(key);
	free(pub);
	free(key2);
	free(pub2);
	return 0;
}

static const char hex[] = "a3f1c0ffee00a3f1c0ffee00a3f1c0ffee00a3f1c0ffee00a3f1c0ffee001234";

static void
test_keyfile(void **state)
{
	struct pkg_sig s;
	struct strbuf pem = STRBUF_INIT;
	struct kerr e;

	pkg_sig_init(&s);
	if (pkg_sign_keyfile(key, hex, &s, &e) < 0)
		fail_msg("%s", e.msg);
	assert_int_equal(s.sig.len, 256);
	assert_int_equal(pkg_verify_rsa_file(pub, hex, s.sig.buf, s.sig.len, &e), 0);
	/* with the trailing NUL pkg writes */
	strbuf_addch(&s.sig, '\0');
	assert_int_equal(pkg_verify_rsa_file(pub, hex, s.sig.buf, s.sig.len, &e), 0);
	assert_int_equal(pkg_verify_rsa_file(pub2, hex, s.sig.buf, s.sig.len, &e), -1);
	assert_non_null(strstr(e.msg, "invalid signature"));
	assert_int_equal(pkg_verify_rsa_file(pub, "0000", s.sig.buf, s.sig.len, &e), -1);
	s.sig.buf[10] ^= 1;
	assert_int_equal(pkg_verify_rsa_file(pub, hex, s.sig.buf, s.sig.len, &e), -1);
	assert_int_equal(pkg_sign_pubkey_pem(key, &pem, &e), 0);
	assert_non_null(strstr(pem.buf, "BEGIN PUBLIC KEY"));
	assert_int_equal(pkg_verify_rsa("junk", 4, hex, "x", 1, &e), -1);
	assert_int_equal(pkg_sign_keyfile(pub, hex, &s, &e), -1);	/* not private */
	strbuf_release(&pem);
	pkg_sig_release(&s);
}

static void
test_command(void **state)
{
	char *script = path_join(dir, "sign.sh");
	char *text = xasprintf("#!/bin/sh\nread -r hex\necho TYPE\necho rsa\necho SIGNATURE\n"
	    "printf %%s \"$hex\" | openssl dgst -sha256 -sign '%s' -binary\necho\n"
	    "echo CERT\ncat '%s'\necho END\n", key, pub);
	char *cmd;
	struct pkg_sig s;
	struct kerr e;
	struct pkg_signer signer = { NULL, NULL };

	assert_int_equal(path_write_atomic(script, text, strlen(text), 0755, &e), 0);
	cmd = xasprintf("/bin/sh '%s'", script);
	pkg_sig_init(&s);
	signer.command = cmd;
	/* many messages: some signatures contain '\n' bytes, some end in a
	 * zero byte (which must not be taken for pkg's trailing NUL) */
	for (int i = 0; i < 8; i++) {
		char h[65];

		snprintf(h, sizeof(h), "%063d%d", 0, i);
		if (pkg_sign(&signer, h, &s, &e) < 0)
			fail_msg("%s", e.msg);
		assert_int_equal(s.sig.len, 256);
		assert_string_equal(s.type, "rsa");
		assert_non_null(strstr(s.cert.buf, "BEGIN PUBLIC KEY"));
		assert_int_equal(pkg_verify_rsa(s.cert.buf, s.cert.len, h, s.sig.buf,
		    s.sig.len, &e), 0);
	}
	pkg_sig_release(&s);
	free(cmd);
	cmd = xasprintf("/bin/sh -c 'echo nothing'");
	assert_int_equal(pkg_sign_command(cmd, hex, &s, &e), -1);
	assert_non_null(strstr(e.msg, "no SIGNATURE"));
	free(cmd);
	assert_int_equal(pkg_sign_command("/nonexistent/signer", hex, &s, &e), -1);
	pkg_sig_release(&s);
	free(script);
	free(text);
}

/* A signature that ends in a zero byte verifies, with or without the NUL
 * pkg appends to the `signature` member. */
static void
test_zero_last_byte(void **state)
{
	struct pkg_sig s;
	struct kerr e;
	char h[65];
	int i;

	pkg_sig_init(&s);
	for (i = 0; i < 4096; i++) {
		snprintf(h, sizeof(h), "%064d", i);
		assert_int_equal(pkg_sign_keyfile(key, h, &s, &e), 0);
		if (s.sig.buf[s.sig.len - 1] == '\0')
			break;
	}
	assert_true(i < 4096);	/* expected after ~256 tries */
	assert_int_equal(pkg_verify_rsa_file(pub, h, s.sig.buf, s.sig.len, &e), 0);
	strbuf_addch(&s.sig, '\0');
	assert_int_equal(pkg_verify_rsa_file(pub, h, s.sig.buf, s.sig.len, &e), 0);
	pkg_sig_release(&s);
}

static void
test_fingerprints(void **state)
{
	char *fp = path_join(dir, "fp");
	char *t = path_join(fp, "trusted"), *r = path_join(fp, "revoked");
	char *tf = path_join(t, "good"), *rf = path_join(r, "bad");
	struct strbuf p1 = STRBUF_INIT, p2 = STRBUF_INIT;
	struct pkg_fingerprints f;
	struct kerr e;

	assert_int_equal(pkg_fingerprints_load(fp, &f, &e), -1);	/* no trusted/ */
	assert_int_equal(path_mkdir_p(t, 0755, &e), 0);
	assert_int_equal(path_mkdir_p(r, 0755, &e), 0);
	assert_int_equal(path_read(pub, &p1, &e), 0);
	assert_int_equal(path_read(pub2, &p2, &e), 0);
	assert_int_equal(pkg_fingerprint_write(tf, p1.buf, p1.len, &e), 0);
	assert_int_equal(pkg_fingerprint_write(rf, p2.buf, p2.len, &e), 0);
	assert_int_equal(pkg_fingerprints_load(fp, &f, &e), 0);
	assert_int_equal(pkg_fingerprints_check(&f, p1.buf, p1.len), 1);
	assert_int_equal(pkg_fingerprints_check(&f, p2.buf, p2.len), -1);
	assert_int_equal(pkg_fingerprints_check(&f, "other", 5), 0);
	/* exact bytes: a missing final newline is another certificate */
	assert_int_equal(pkg_fingerprints_check(&f, p1.buf, p1.len - 1), 0);
	pkg_fingerprints_free(&f);
	assert_int_equal(path_write_atomic(tf, "function: md5\n", 14, 0644, &e), 0);
	assert_int_equal(pkg_fingerprints_load(fp, &f, &e), -1);
	assert_non_null(strstr(e.msg, "good"));
	strbuf_release(&p1);
	strbuf_release(&p2);
	free(fp);
	free(t);
	free(r);
	free(tf);
	free(rf);
}

static void
test_checksums(void **state)
{
	char *s;
	enum pkg_cksum_type t;
	struct kerr e;
	char b32[200];
	const uint8_t one[] = { 0xff };

	s = pkg_cksum_buf(PKG_CKSUM_SHA256_HEX, "abc", 3);
	assert_string_equal(s, "1$ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	free(s);
	s = pkg_cksum_buf(PKG_CKSUM_PLAIN_HEX, "abc", 3);
	assert_string_equal(s, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	free(s);
	s = pkg_cksum_buf(PKG_CKSUM_BLAKE2_BASE32, "abc", 3);
	assert_int_equal(strlen(s), 2 + 103);	/* 64 bytes -> 103 chars */
	assert_memory_equal(s, "2$", 2);
	free(s);
	/* LSB-first: 0xff -> low 5 bits 31 ('9'), then 3 bits 7 ('8') */
	pkg_base32(one, 1, b32);
	assert_string_equal(b32, "98");
	/* absolute symlink quirk: "/x" hashes "x\0" */
	s = pkg_cksum_symlink(PKG_CKSUM_SHA256_HEX, "/x");
	char *w = pkg_cksum_buf(PKG_CKSUM_SHA256_HEX, "x", 2);
	assert_string_equal(s, w);
	free(s);
	free(w);
	assert_int_equal(pkg_cksum_type_of("2$abc", &t, &e), 0);
	assert_int_equal(t, PKG_CKSUM_BLAKE2_BASE32);
	assert_int_equal(pkg_cksum_type_of("deadbeef", &t, &e), 0);
	assert_int_equal(t, PKG_CKSUM_PLAIN_HEX);
	assert_int_equal(pkg_cksum_type_of("9$abc", &t, &e), -1);
	{
		char *f = path_join(dir, "sumfile");
		char *b2;

		assert_int_equal(path_write_atomic(f, "abc", 3, 0644, &e), 0);
		assert_int_equal(pkg_cksum_verify_file(
		    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", f, &e), 0);
		b2 = pkg_cksum_buf(PKG_CKSUM_BLAKE2_BASE32, "abc", 3);
		assert_int_equal(pkg_cksum_verify_file(b2, f, &e), 0);
		b2[5] = b2[5] == 'y' ? 'b' : 'y';
		assert_int_equal(pkg_cksum_verify_file(b2, f, &e), -1);
		assert_non_null(strstr(e.msg, "checksum mismatch"));
		free(b2);
		free(f);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keyfile),
		cmocka_unit_test(test_command),
		cmocka_unit_test(test_zero_last_byte),
		cmocka_unit_test(test_fingerprints),
		cmocka_unit_test(test_checksums),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
