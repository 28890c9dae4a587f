/* sha256: the FIPS 180-4 example vectors (and the NIST long-message one). */
#include "sha256.h"

#include <criterion/criterion.h>
#include <string.h>

static void expect_hash(const char *msg, size_t len, const char *hex)
{
    unsigned char d[SHA256_SIZE];
    char got[2 * SHA256_SIZE + 1];

    sha256(msg, len, d);
    sha256_hex(d, sizeof d, got);
    cr_expect_str_eq(got, hex, "message of %zu bytes", len);
}

Test(sha256, fips_180_4_vectors)
{
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    const char *four = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
                       "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";

    expect_hash("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect_hash("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect_hash(two, strlen(two),
                "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    expect_hash(four, strlen(four),
                "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

Test(sha256, million_a_in_pieces)
{
    struct sha256 s;
    char chunk[1001];
    unsigned char d[SHA256_SIZE];
    char got[2 * SHA256_SIZE + 1];

    memset(chunk, 'a', sizeof chunk);
    sha256_init(&s);
    for (int i = 0; i < 1000; i++)
        sha256_update(&s, chunk, i % 2 ? 999 : 1001);
    sha256_final(&s, d);
    sha256_hex(d, sizeof d, got);
    cr_expect_str_eq(got, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}
