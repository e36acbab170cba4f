/* Selective disclosure: salted commitments to commercial fields, and the openings that reveal them. */
#include <sodium.h>
#include <string.h>

#include "journal_int.h"

void cl_journal_commitment(const char *field, const uint8_t salt[CL_JOURNAL_SALT_BYTES], const char *value,
                           size_t value_len, uint8_t out[CL_JOURNAL_HASH_BYTES])
{
    static const uint8_t prefix = 0x02, sep = 0x00;
    crypto_hash_sha256_state s;
    crypto_hash_sha256_init(&s);
    crypto_hash_sha256_update(&s, &prefix, 1);
    crypto_hash_sha256_update(&s, salt, CL_JOURNAL_SALT_BYTES);
    crypto_hash_sha256_update(&s, (const uint8_t *)field, strlen(field));
    crypto_hash_sha256_update(&s, &sep, 1);
    crypto_hash_sha256_update(&s, (const uint8_t *)value, value_len);
    crypto_hash_sha256_final(&s, out);
}
