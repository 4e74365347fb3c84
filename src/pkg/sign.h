/*
 * sign: RSA signatures of repository catalogs as pkg makes and checks
 * them (spec/pkg-format.md §5).  The signed message is the 64-character
 * lowercase SHA-256 hex of the uncompressed catalog member; the signature
 * is RSASSA-PKCS#1 v1.5 with SHA-256 over that string.
 *
 * Two ways to sign: with a private key file (the archive gets a member
 * `signature` = raw signature + one NUL; for `signature_type: pubkey`
 * clients) or with an external signing command (members `<cat>.sig` and
 * `<cat>.pub`; for `signature_type: fingerprints` clients).
 *
 * signing_command protocol: the command gets "<sha256 hex>\n" on stdin and
 * prints  [TYPE\nrsa\n] SIGNATURE\n<raw bytes>\nCERT\n<PEM>END\n  on stdout.
 * kiln runs it as an argv split on blanks (no shell).
 *
 * Fingerprint directories: DIR/trusted/ and DIR/revoked/ hold UCL files
 * `function: "sha256"; fingerprint: "<64 hex>"`, the SHA-256 of the exact
 * CERT bytes.  Does not read archives (repo.c does).  Calls: util, libcrypto.
 */
#ifndef KILN_PKG_SIGN_H
#define KILN_PKG_SIGN_H

#include "util/kerr.h"
#include "util/strbuf.h"
#include "util/vec.h"

#include <stdbool.h>

/* A signature made by one of the two signers. */
struct pkg_sig {
	struct strbuf sig;	/* raw signature bytes (no NUL, no $PKGSIGN$ head) */
	struct strbuf cert;	/* signing command only: the CERT bytes */
	char *type;		/* "rsa" (owned) */
};
void pkg_sig_init(struct pkg_sig *s);
void pkg_sig_release(struct pkg_sig *s);

/* How a repository is signed; both NULL: not signed. */
struct pkg_signer {
	const char *keyfile;	/* PEM RSA private key (borrowed) */
	const char *command;	/* signing command line (borrowed) */
};

/* Sign hex (64 chars) with a PEM private key file.  0 or -1. */
int pkg_sign_keyfile(const char *keyfile, const char *hex, struct pkg_sig *out,
    struct kerr *e);
/* Run the signing command on hex and parse its answer.  0 or -1. */
int pkg_sign_command(const char *command, const char *hex, struct pkg_sig *out,
    struct kerr *e);
/* Whichever s says.  0 or -1. */
int pkg_sign(const struct pkg_signer *s, const char *hex, struct pkg_sig *out,
    struct kerr *e);

/*
 * Verify sig over hex with a PEM public key (bytes, not a path).  A trailing
 * NUL on sig (as in the `signature` member) is ignored when the signature
 * does not verify with it.  0 when valid, -1 otherwise.
 */
int pkg_verify_rsa(const char *pem, size_t pemlen, const char *hex,
    const void *sig, size_t siglen, struct kerr *e);
/* The same with the key read from a file. */
int pkg_verify_rsa_file(const char *pubkey, const char *hex, const void *sig,
    size_t siglen, struct kerr *e);

/* The public key of a private key file as PEM (appended to out). */
int pkg_sign_pubkey_pem(const char *keyfile, struct strbuf *out, struct kerr *e);

/* Trusted and revoked certificate fingerprints (lowercase SHA-256 hex). */
struct pkg_fingerprints {
	VEC(char *) trusted;
	VEC(char *) revoked;
};
/* Load DIR/trusted and DIR/revoked (revoked optional).  0 or -1 (a bad file
 * is an error naming it; a missing trusted/ directory is an error). */
int pkg_fingerprints_load(const char *dir, struct pkg_fingerprints *fp,
    struct kerr *e);
void pkg_fingerprints_free(struct pkg_fingerprints *fp);
/* Write a fingerprint file for cert bytes into path (atomic). */
int pkg_fingerprint_write(const char *path, const char *cert, size_t len,
    struct kerr *e);
/* 1 trusted, 0 unknown, -1 revoked. */
int pkg_fingerprints_check(const struct pkg_fingerprints *fp, const char *cert,
    size_t len);

#endif
