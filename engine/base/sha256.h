/*
 * sha256: SHA-256 (FIPS 180-4), for hashing API tokens before they are
 * stored or looked up. Small and dependency-free: libpq exposes no hash and
 * pgcrypto is not guaranteed on the server. Not constant-time with respect
 * to the message length, which is fine for hashing secrets of fixed length.
 */
#ifndef EMPIRIE_SHA256_H
#define EMPIRIE_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_SIZE 32

struct sha256 {
    uint32_t h[8];
    uint64_t len;         /* bytes hashed so far */
    unsigned char buf[64];
    size_t nbuf;
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
void sha256_final(struct sha256 *s, unsigned char out[SHA256_SIZE]);

/* One call: the digest of data. */
void sha256(const void *data, size_t len, unsigned char out[SHA256_SIZE]);

/* Lowercase hex of n bytes into out (2n + 1 bytes). */
void sha256_hex(const unsigned char *bytes, size_t n, char *out);

#endif
