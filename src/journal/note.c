/* Signed notes (c2sp.org/signed-note) with Ed25519 keys, and checkpoints (c2sp.org/tlog-checkpoint): pure
 * formatting, parsing, signing and verification. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clearance/journal.h"

#define ALG_ED25519 0x01
#define B64 sodium_base64_VARIANT_ORIGINAL
/* The em dash and space that open a signature line. */
static const char sig_prefix[] = "\xe2\x80\x94 ";
#define SIG_PREFIX_LEN 4
/* Longest signature decoded from a line: the key ID and a post-quantum signature of nearly 5 kB. */
#define SIG_BYTES_MAX (4 + 5000)

/* Decodes standard padded base64 into at most cap bytes; false unless every character is of the base64 alphabet
 * and the whole text decodes. The alphabet is checked here because libsodium 1.0.18 takes some bytes above 0x7f
 * for base64 digits (found by fuzzing), which would let two texts stand for one key or root. */
static bool b64_decode(const char *s, size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' ||
              c == '='))
            return false;
    }
    return sodium_base642bin(out, cap, s, len, NULL, out_len, NULL, B64) == 0;
}

static enum cl_err crypto_start(struct cl_error *err)
{
    if (sodium_init() < 0) return cl_error_set(err, CL_ERR_CRYPTO, "libsodium could not be initialised");
    return CL_OK;
}

static uint32_t compute_key_id(const char *name, const uint8_t public_key[32])
{
    static const uint8_t sep[2] = {'\n', ALG_ED25519};
    uint8_t h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_state s;
    crypto_hash_sha256_init(&s);
    crypto_hash_sha256_update(&s, (const uint8_t *)name, strlen(name));
    crypto_hash_sha256_update(&s, sep, 2);
    crypto_hash_sha256_update(&s, public_key, 32);
    crypto_hash_sha256_final(&s, h);
    return (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
}

bool cl_journal_key_name_valid(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n >= CL_JOURNAL_NAME_BYTES) return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c <= 0x20 || c >= 0x7f || c == '+') return false;
    }
    return true;
}

static bool name_valid_n(const char *s, size_t n)
{
    char buf[CL_JOURNAL_NAME_BYTES];
    if (n == 0 || n >= sizeof(buf) || memchr(s, '\0', n)) return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    return cl_journal_key_name_valid(buf);
}

static bool parse_hex32(const char *s, size_t n, uint32_t *out)
{
    if (n != 8) return false;
    uint32_t v = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        unsigned d;
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            d = (unsigned)(c - 'A' + 10);
        else
            return false;
        v = v << 4 | d;
    }
    *out = v;
    return true;
}

/* Splits "<name>+<id>+<base64>" (the part after "PRIVATE+KEY+" for signers) and decodes the key bytes, which
 * must be the Ed25519 algorithm byte and 32 bytes. */
static enum cl_err parse_key_text(const char *text, size_t len, const char *what, char name[CL_JOURNAL_NAME_BYTES],
                                  uint32_t *out_id, uint8_t key[32], struct cl_error *err)
{
    const char *p1 = memchr(text, '+', len);
    const char *p2 = p1 ? memchr(p1 + 1, '+', len - (size_t)(p1 + 1 - text)) : NULL;
    if (!p2) return cl_error_set(err, CL_ERR_INPUT, "%s: expected <name>+<key id>+<key>", what);
    size_t name_len = (size_t)(p1 - text);
    if (!name_valid_n(text, name_len))
        return cl_error_set(err, CL_ERR_INPUT,
                            "%s: the key name must be 1 to %d printable characters without"
                            " spaces or '+'",
                            what, CL_JOURNAL_NAME_BYTES - 1);
    if (!parse_hex32(p1 + 1, (size_t)(p2 - p1 - 1), out_id))
        return cl_error_set(err, CL_ERR_INPUT, "%s: the key id must be 8 hexadecimal digits", what);
    const char *b = p2 + 1;
    size_t blen = len - (size_t)(b - text);
    uint8_t raw[33];
    size_t raw_len = 0;
    if (!b64_decode(b, blen, raw, sizeof(raw), &raw_len) || raw_len != 33)
        return cl_error_set(err, CL_ERR_INPUT, "%s: the key is not base64 of 33 bytes", what);
    if (raw[0] != ALG_ED25519)
        return cl_error_set(err, CL_ERR_INPUT, "%s: unknown key algorithm %d (only Ed25519, 1, is known)", what,
                            raw[0]);
    memcpy(name, text, name_len);
    name[name_len] = '\0';
    memcpy(key, raw + 1, 32);
    sodium_memzero(raw, sizeof(raw));
    return CL_OK;
}

enum cl_err cl_journal_signer_generate(const char *name, struct cl_journal_signer *out, struct cl_error *err)
{
    if (!cl_journal_key_name_valid(name))
        return cl_error_set(err, CL_ERR_INPUT,
                            "key name \"%.64s\" must be 1 to %d printable characters without"
                            " spaces or '+'",
                            name, CL_JOURNAL_NAME_BYTES - 1);
    enum cl_err rc = crypto_start(err);
    if (rc) return rc;
    memset(out, 0, sizeof(*out));
    snprintf(out->name, sizeof(out->name), "%s", name);
    crypto_sign_ed25519_keypair(out->public_key, out->secret_key);
    out->key_id = compute_key_id(out->name, out->public_key);
    return CL_OK;
}

enum cl_err cl_journal_signer_parse(const char *text, size_t len, struct cl_journal_signer *out, struct cl_error *err)
{
    static const char prefix[] = "PRIVATE+KEY+";
    if (len < sizeof(prefix) - 1 || memcmp(text, prefix, sizeof(prefix) - 1) != 0)
        return cl_error_set(err, CL_ERR_INPUT, "signing key: expected PRIVATE+KEY+<name>+<key id>+<key>");
    enum cl_err rc = crypto_start(err);
    if (rc) return rc;
    struct cl_journal_signer s;
    memset(&s, 0, sizeof(s));
    uint8_t seed[32];
    uint32_t id = 0;
    rc = parse_key_text(text + sizeof(prefix) - 1, len - (sizeof(prefix) - 1), "signing key", s.name, &id, seed, err);
    if (rc) return rc;
    crypto_sign_ed25519_seed_keypair(s.public_key, s.secret_key, seed);
    sodium_memzero(seed, sizeof(seed));
    s.key_id = compute_key_id(s.name, s.public_key);
    if (s.key_id != id) {
        sodium_memzero(&s, sizeof(s));
        return cl_error_set(err, CL_ERR_INPUT, "signing key: key id %08x does not match the key (%08x)", id, s.key_id);
    }
    *out = s;
    sodium_memzero(&s, sizeof(s));
    return CL_OK;
}

void cl_journal_signer_format(const struct cl_journal_signer *s, char out[CL_JOURNAL_KEY_TEXT_BYTES])
{
    uint8_t raw[33];
    char b64[sodium_base64_ENCODED_LEN(33, B64)];
    raw[0] = ALG_ED25519;
    crypto_sign_ed25519_sk_to_seed(raw + 1, s->secret_key);
    sodium_bin2base64(b64, sizeof(b64), raw, sizeof(raw), B64);
    snprintf(out, CL_JOURNAL_KEY_TEXT_BYTES, "PRIVATE+KEY+%s+%08x+%s", s->name, s->key_id, b64);
    sodium_memzero(raw, sizeof(raw));
    sodium_memzero(b64, sizeof(b64));
}

void cl_journal_signer_verifier(const struct cl_journal_signer *s, struct cl_journal_verifier *out)
{
    memset(out, 0, sizeof(*out));
    memcpy(out->name, s->name, sizeof(out->name));
    out->key_id = s->key_id;
    memcpy(out->public_key, s->public_key, 32);
}

void cl_journal_signer_release(struct cl_journal_signer *s)
{
    if (s) sodium_memzero(s, sizeof(*s));
}

enum cl_err cl_journal_verifier_parse(const char *text, size_t len, struct cl_journal_verifier *out,
                                      struct cl_error *err)
{
    struct cl_journal_verifier v;
    memset(&v, 0, sizeof(v));
    uint32_t id = 0;
    enum cl_err rc = parse_key_text(text, len, "public key", v.name, &id, v.public_key, err);
    if (rc) return rc;
    v.key_id = compute_key_id(v.name, v.public_key);
    if (v.key_id != id)
        return cl_error_set(err, CL_ERR_INPUT, "public key: key id %08x does not match the key (%08x)", id, v.key_id);
    *out = v;
    return CL_OK;
}

void cl_journal_verifier_format(const struct cl_journal_verifier *v, char out[CL_JOURNAL_KEY_TEXT_BYTES])
{
    uint8_t raw[33];
    char b64[sodium_base64_ENCODED_LEN(33, B64)];
    raw[0] = ALG_ED25519;
    memcpy(raw + 1, v->public_key, 32);
    sodium_bin2base64(b64, sizeof(b64), raw, sizeof(raw), B64);
    snprintf(out, CL_JOURNAL_KEY_TEXT_BYTES, "%s+%08x+%s", v->name, v->key_id, b64);
}

/* ---- notes ---------------------------------------------------------------------------------------------- */

/* Strict UTF-8 (no overlong forms, surrogates or code points past U+10FFFF) with no control characters other
 * than newline: what the signed-note format requires of the whole note. Returns the offset of the first bad
 * byte, or len when all is well. */
static size_t first_invalid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        unsigned c = p[i];
        if (c < 0x80) {
            if (c < 0x20 && c != '\n') return i;
            i++;
            continue;
        }
        size_t n;
        unsigned cp, min;
        if (c >= 0xc2 && c <= 0xdf)
            n = 1, cp = c & 0x1f, min = 0x80;
        else if (c >= 0xe0 && c <= 0xef)
            n = 2, cp = c & 0x0f, min = 0x800;
        else if (c >= 0xf0 && c <= 0xf4)
            n = 3, cp = c & 0x07, min = 0x10000;
        else
            return i;
        for (size_t k = 1; k <= n; k++) {
            if (i + k >= len || (p[i + k] & 0xc0) != 0x80) return i;
            cp = cp << 6 | (p[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
        i += n + 1;
    }
    return len;
}

enum cl_err cl_journal_note_sign(const char *text, size_t len, const struct cl_journal_signer *s, char **out_note,
                                 size_t *out_len, struct cl_error *err)
{
    if (len == 0 || text[len - 1] != '\n') return cl_error_set(err, CL_ERR_INPUT, "note text must end with a newline");
    if (len + 512 > CL_JOURNAL_NOTE_BYTES_MAX)
        return cl_error_set(err, CL_ERR_LIMIT, "note text is longer than %d bytes", CL_JOURNAL_NOTE_BYTES_MAX - 512);
    size_t bad = first_invalid(text, len);
    if (bad != len)
        return cl_error_set(err, CL_ERR_INPUT, "note text: byte %zu is not UTF-8 text without control characters", bad);
    enum cl_err rc = crypto_start(err);
    if (rc) return rc;
    uint8_t sig[4 + crypto_sign_ed25519_BYTES];
    sig[0] = (uint8_t)(s->key_id >> 24);
    sig[1] = (uint8_t)(s->key_id >> 16);
    sig[2] = (uint8_t)(s->key_id >> 8);
    sig[3] = (uint8_t)s->key_id;
    crypto_sign_ed25519_detached(sig + 4, NULL, (const uint8_t *)text, len, s->secret_key);
    char b64[sodium_base64_ENCODED_LEN(sizeof(sig), B64)];
    sodium_bin2base64(b64, sizeof(b64), sig, sizeof(sig), B64);
    size_t cap = len + 1 + SIG_PREFIX_LEN + strlen(s->name) + 1 + strlen(b64) + 2;
    char *note = malloc(cap);
    if (!note) return cl_error_set(err, CL_ERR_NOMEM, "out of memory");
    memcpy(note, text, len);
    int n = snprintf(note + len, cap - len, "\n%s%s %s\n", sig_prefix, s->name, b64);
    CL_ASSERT(n > 0);
    CL_ASSERT((size_t)n < cap - len);
    *out_note = note;
    if (out_len) *out_len = len + (size_t)n;
    return CL_OK;
}

static enum cl_err malformed(struct cl_error *err, const char *why)
{
    return cl_error_set(err, CL_ERR_INPUT, "malformed signed note: %s", why);
}

enum cl_err cl_journal_note_verify(const char *note, size_t len, const struct cl_journal_verifier *v,
                                   size_t *out_text_len, struct cl_error *err)
{
    if (len > CL_JOURNAL_NOTE_BYTES_MAX)
        return cl_error_set(err, CL_ERR_LIMIT, "signed note is larger than %d bytes", CL_JOURNAL_NOTE_BYTES_MAX);
    size_t bad = first_invalid(note, len);
    if (bad != len) return malformed(err, "not UTF-8 text without control characters");
    if (len == 0 || note[len - 1] != '\n') return malformed(err, "it does not end with a newline");
    /* the text is separated from the signatures by the last empty line */
    size_t split = len;
    for (size_t i = len - 1; i-- > 0;)
        if (note[i] == '\n' && note[i + 1] == '\n') {
            split = i;
            break;
        }
    if (split == len) return malformed(err, "no blank line before the signatures");
    size_t text_len = split + 1;
    enum cl_err rc = crypto_start(err);
    if (rc) return rc;
    const char *p = note + split + 2, *end = note + len;
    if (p == end) return malformed(err, "no signatures");
    size_t n_sigs = 0;
    bool verified = false;
    uint8_t *sig = malloc(SIG_BYTES_MAX);
    if (!sig) return cl_error_set(err, CL_ERR_NOMEM, "out of memory");
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        CL_ASSERT(eol != NULL); /* the note ends with a newline */
        if (++n_sigs > CL_JOURNAL_NOTE_SIGNATURES_MAX) {
            rc = malformed(err, "too many signatures");
            goto out;
        }
        if ((size_t)(eol - p) < SIG_PREFIX_LEN || memcmp(p, sig_prefix, SIG_PREFIX_LEN) != 0) {
            rc = malformed(err, "a line after the blank line is not a signature");
            goto out;
        }
        const char *name = p + SIG_PREFIX_LEN;
        const char *sp = memchr(name, ' ', (size_t)(eol - name));
        if (!sp || !name_valid_n(name, (size_t)(sp - name)) || sp + 1 == eol) {
            rc = malformed(err, "a signature line is not \"— <name> <base64>\"");
            goto out;
        }
        size_t sig_len = 0;
        if (!b64_decode(sp + 1, (size_t)(eol - sp - 1), sig, SIG_BYTES_MAX, &sig_len) || sig_len < 5) {
            rc = malformed(err, "a signature is not base64 of a key id and a signature");
            goto out;
        }
        uint32_t id = (uint32_t)sig[0] << 24 | (uint32_t)sig[1] << 16 | (uint32_t)sig[2] << 8 | sig[3];
        size_t name_len = (size_t)(sp - name);
        if (id == v->key_id && name_len == strlen(v->name) && memcmp(name, v->name, name_len) == 0) {
            if (sig_len != 4 + crypto_sign_ed25519_BYTES ||
                crypto_sign_ed25519_verify_detached(sig + 4, (const uint8_t *)note, text_len, v->public_key) != 0) {
                rc = cl_error_set(err, CL_ERR_CRYPTO, "invalid signature for key %s+%08x", v->name, v->key_id);
                goto out;
            }
            verified = true;
        }
        p = eol + 1;
    }
    if (!verified) {
        rc = cl_error_set(err, CL_ERR_CRYPTO, "the note has no signature by key %s+%08x", v->name, v->key_id);
        goto out;
    }
    if (out_text_len) *out_text_len = text_len;
out:
    free(sig);
    return rc;
}

/* ---- checkpoints ---------------------------------------------------------------------------------------- */

size_t cl_journal_checkpoint_format(const struct cl_journal_checkpoint *c, char out[CL_JOURNAL_CHECKPOINT_TEXT_BYTES])
{
    char b64[sodium_base64_ENCODED_LEN(CL_JOURNAL_HASH_BYTES, B64)];
    sodium_bin2base64(b64, sizeof(b64), c->root, CL_JOURNAL_HASH_BYTES, B64);
    int n =
        snprintf(out, CL_JOURNAL_CHECKPOINT_TEXT_BYTES, "%s\n%llu\n%s\n", c->origin, (unsigned long long)c->size, b64);
    CL_ASSERT(n > 0);
    CL_ASSERT(n < CL_JOURNAL_CHECKPOINT_TEXT_BYTES);
    return (size_t)n;
}

enum cl_err cl_journal_checkpoint_parse(const char *text, size_t len, struct cl_journal_checkpoint *out,
                                        struct cl_error *err)
{
    if (len == 0 || text[len - 1] != '\n') return cl_error_set(err, CL_ERR_INPUT, "checkpoint: no final newline");
    if (first_invalid(text, len) != len)
        return cl_error_set(err, CL_ERR_INPUT, "checkpoint: not UTF-8 text without control characters");
    const char *line[3];
    size_t line_len[3];
    const char *p = text, *end = text + len;
    size_t n = 0;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (eol == p) return cl_error_set(err, CL_ERR_INPUT, "checkpoint: line %zu is empty", n + 1);
        if (n < 3) {
            line[n] = p;
            line_len[n] = (size_t)(eol - p);
        }
        n++;
        p = eol + 1;
    }
    if (n < 3) return cl_error_set(err, CL_ERR_INPUT, "checkpoint: expected origin, size and root lines");
    struct cl_journal_checkpoint c;
    memset(&c, 0, sizeof(c));
    if (line_len[0] >= sizeof(c.origin) || memchr(line[0], '\0', line_len[0]))
        return cl_error_set(err, CL_ERR_INPUT, "checkpoint: origin longer than %zu bytes", sizeof(c.origin) - 1);
    memcpy(c.origin, line[0], line_len[0]);
    if (line_len[1] > 19 || (line_len[1] > 1 && line[1][0] == '0'))
        return cl_error_set(err, CL_ERR_INPUT, "checkpoint: tree size is not a decimal number without leading zeros");
    for (size_t i = 0; i < line_len[1]; i++) {
        char ch = line[1][i];
        if (ch < '0' || ch > '9')
            return cl_error_set(err, CL_ERR_INPUT, "checkpoint: tree size is not a decimal number");
        uint64_t d = (uint64_t)(ch - '0');
        if (c.size > (CL_JOURNAL_SIZE_MAX - d) / 10)
            return cl_error_set(err, CL_ERR_INPUT, "checkpoint: tree size is too large");
        c.size = c.size * 10 + d;
    }
    size_t root_len = 0;
    if (!b64_decode(line[2], line_len[2], c.root, sizeof(c.root), &root_len) || root_len != CL_JOURNAL_HASH_BYTES)
        return cl_error_set(err, CL_ERR_INPUT, "checkpoint: root hash is not base64 of 32 bytes");
    *out = c;
    return CL_OK;
}

enum cl_err cl_journal_checkpoint_sign(const struct cl_journal_checkpoint *c, const struct cl_journal_signer *s,
                                       char **out_note, size_t *out_len, struct cl_error *err)
{
    if (strcmp(c->origin, s->name) != 0)
        return cl_error_set(err, CL_ERR_INPUT, "checkpoint origin \"%s\" is not the key's name \"%s\"", c->origin,
                            s->name);
    char text[CL_JOURNAL_CHECKPOINT_TEXT_BYTES];
    size_t n = cl_journal_checkpoint_format(c, text);
    return cl_journal_note_sign(text, n, s, out_note, out_len, err);
}

enum cl_err cl_journal_checkpoint_open(const char *note, size_t len, const struct cl_journal_verifier *v,
                                       struct cl_journal_checkpoint *out, struct cl_error *err)
{
    size_t text_len = 0;
    enum cl_err rc = cl_journal_note_verify(note, len, v, &text_len, err);
    if (rc) return rc;
    struct cl_journal_checkpoint c;
    rc = cl_journal_checkpoint_parse(note, text_len, &c, err);
    if (rc) return rc;
    if (strcmp(c.origin, v->name) != 0)
        return cl_error_set(err, CL_ERR_CRYPTO, "checkpoint origin \"%s\" is not the key's name \"%s\"", c.origin,
                            v->name);
    *out = c;
    return CL_OK;
}
