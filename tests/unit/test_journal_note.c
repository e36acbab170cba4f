/* Unit tests for signed notes and checkpoints: the known answer of the signed-note reference key (the
 * "PeterNeumann" key and note of golang.org/x/mod/sumdb/note), mangled keys and notes, and checkpoints. */
#include <stdlib.h>
#include <string.h>

#include "clearance/journal.h"
#include "test.h"

static const char vkey[] = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
static const char skey[] = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
static const char enoch_vkey[] = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
static const char text[] = "If you think cryptography is the answer to your problem,\n"
                           "then you don't know what your problem is.\n";
static const char peter_sig[] =
    "\xe2\x80\x94 PeterNeumann "
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
static const char enoch_sig[] =
    "\xe2\x80\x94 EnochRoot "
    "rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

static char *cat(const char *a, const char *b, const char *c)
{
    size_t n = strlen(a) + strlen(b) + strlen(c) + 1;
    char *s = malloc(n);
    snprintf(s, n, "%s%s%s", a, b, c);
    return s;
}

static enum cl_err verify_str(const char *note, const struct cl_journal_verifier *v, struct cl_error *e)
{
    cl_error_clear(e);
    size_t tl = 0;
    enum cl_err rc = cl_journal_note_verify(note, strlen(note), v, &tl, e);
    if (!rc) CHECK_INT(tl, strlen(text));
    return rc;
}

TEST(signed_note_known_answer)
{
    struct cl_error e = {0};
    struct cl_journal_signer s;
    struct cl_journal_verifier v, from_signer;
    CHECK_INT(cl_journal_signer_parse(skey, strlen(skey), &s, &e), CL_OK);
    CHECK_INT(cl_journal_verifier_parse(vkey, strlen(vkey), &v, &e), CL_OK);
    CHECK_STR(s.name, "PeterNeumann");
    CHECK_INT(s.key_id, 0xc74f20a3u);
    cl_journal_signer_verifier(&s, &from_signer);
    CHECK(memcmp(&from_signer, &v, sizeof(v)) == 0);
    char buf[CL_JOURNAL_KEY_TEXT_BYTES];
    cl_journal_verifier_format(&v, buf);
    CHECK_STR(buf, vkey);
    cl_journal_signer_format(&s, buf);
    CHECK_STR(buf, skey);

    char *note = NULL;
    size_t len = 0;
    CHECK_INT(cl_journal_note_sign(text, strlen(text), &s, &note, &len, &e), CL_OK);
    char *want = cat(text, "\n", peter_sig);
    CHECK_STR(note, want);
    CHECK_INT(len, strlen(want));
    CHECK_INT(verify_str(note, &v, &e), CL_OK);
    free(note);
    free(want);
    cl_journal_signer_release(&s);
    CHECK_INT(s.secret_key[0] | s.secret_key[63], 0);
}

TEST(mangled_keys_are_refused)
{
    struct cl_error e = {0};
    struct cl_journal_verifier v;
    struct cl_journal_signer s;
    int accepted = 0;
    size_t n = strlen(vkey);
    char b[sizeof(skey)];
    /* every proper substring */
    for (size_t i = 0; i <= n; i++)
        for (size_t j = i + 1; j <= n; j++)
            if (i != 0 || j != n) accepted += cl_journal_verifier_parse(vkey + i, j - i, &v, &e) == CL_OK;
    /* every byte changed */
    memcpy(b, vkey, n + 1);
    for (size_t i = 0; i < n; i++) {
        b[i]++;
        accepted += cl_journal_verifier_parse(b, n, &v, &e) == CL_OK;
        b[i]--;
    }
    n = strlen(skey);
    for (size_t i = 0; i <= n; i++)
        for (size_t j = i + 1; j <= n; j++)
            if (i != 0 || j != n) accepted += cl_journal_signer_parse(skey + i, j - i, &s, &e) == CL_OK;
    memcpy(b, skey, n + 1);
    for (size_t i = 0; i < n; i++) {
        b[i]++;
        accepted += cl_journal_signer_parse(b, n, &s, &e) == CL_OK;
        b[i]--;
    }
    CHECK_INT(accepted, 0);
    /* a wrong-length key and an unknown algorithm, each with a key id that matches */
    cl_error_clear(&e);
    const char *bad_len = "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==";
    CHECK_INT(cl_journal_verifier_parse(bad_len, strlen(bad_len), &v, &e), CL_ERR_INPUT);
    cl_error_clear(&e);
    const char *bad_alg = "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    CHECK_INT(cl_journal_verifier_parse(bad_alg, strlen(bad_alg), &v, &e), CL_ERR_INPUT);
    CHECK_CONTAINS(e.msg, "algorithm");
}

TEST(note_verification_semantics)
{
    struct cl_error e = {0};
    struct cl_journal_verifier peter, enoch;
    CHECK_INT(cl_journal_verifier_parse(vkey, strlen(vkey), &peter, &e), CL_OK);
    CHECK_INT(cl_journal_verifier_parse(enoch_vkey, strlen(enoch_vkey), &enoch, &e), CL_OK);
    char sigs[1024];
    snprintf(sigs, sizeof(sigs), "%s%s", peter_sig, enoch_sig);
    char *both = cat(text, "\n", sigs);
    /* either key verifies the note signed by both; the other signature is ignored */
    CHECK_INT(verify_str(both, &peter, &e), CL_OK);
    CHECK_INT(verify_str(both, &enoch, &e), CL_OK);
    free(both);
    /* a note without a signature by the trusted key */
    char *only_enoch = cat(text, "\n", enoch_sig);
    CHECK_INT(verify_str(only_enoch, &peter, &e), CL_ERR_CRYPTO);
    CHECK_CONTAINS(e.msg, "no signature by key PeterNeumann+c74f20a3");
    free(only_enoch);
    /* a corrupted signature by the trusted key rejects the note */
    char bad_sig[256];
    snprintf(bad_sig, sizeof(bad_sig), "%.60sABCD%s", peter_sig, peter_sig + 60);
    char *bad = cat(text, "\n", bad_sig);
    CHECK_INT(verify_str(bad, &peter, &e), CL_ERR_CRYPTO);
    CHECK_CONTAINS(e.msg, "invalid signature for key PeterNeumann+c74f20a3");
    free(bad);
    /* the same signature twice is fine; 101 signatures are not */
    char *many = malloc(strlen(text) + 1 + 101 * strlen(peter_sig) + 1);
    strcpy(many, text);
    strcat(many, "\n");
    for (int i = 0; i < 101; i++)
        strcat(many, peter_sig);
    CHECK_INT(verify_str(many, &peter, &e), CL_ERR_INPUT);
    CHECK_CONTAINS(e.msg, "too many signatures");
    many[strlen(text) + 1 + 2 * strlen(peter_sig)] = '\0';
    CHECK_INT(verify_str(many, &peter, &e), CL_OK);
    free(many);
    /* malformed notes */
    const char *bad_notes[] = {text, "", "x", NULL, NULL, NULL, NULL, NULL};
    char *made[5];
    made[0] = cat(text, "\n", "");
    char trunc[256];
    snprintf(trunc, sizeof(trunc), "%.*s", (int)strlen(peter_sig) - 1, peter_sig);
    made[1] = cat(text, "\n", trunc);
    made[2] = cat("\x01", text, "\n");
    made[3] = cat(text, "\n",
                  "\xe2\x80\x94 Bad Name "
                  "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n");
    char tail[512];
    snprintf(tail, sizeof(tail), "%sUnexpected line.\n", peter_sig);
    made[4] = cat(text, "\n", tail);
    for (int i = 0; i < 5; i++)
        bad_notes[3 + i] = made[i];
    for (size_t i = 0; i < sizeof(bad_notes) / sizeof(bad_notes[0]); i++) {
        enum cl_err rc = verify_str(bad_notes[i], &peter, &e);
        CHECK(rc == CL_ERR_INPUT);
        if (rc != CL_ERR_INPUT) fprintf(stderr, "  accepted or misjudged bad note %zu: %s\n", i, e.msg);
    }
    for (int i = 0; i < 5; i++)
        free(made[i]);
    /* "\xff" + text: not UTF-8 */
    char *ff = cat("\xff", text, "\n");
    char *ff_note = cat(ff, peter_sig, "");
    CHECK_INT(verify_str(ff_note, &peter, &e), CL_ERR_INPUT);
    free(ff);
    free(ff_note);
    /* signing refuses a text without a final newline */
    struct cl_journal_signer s;
    CHECK_INT(cl_journal_signer_parse(skey, strlen(skey), &s, &e), CL_OK);
    char *note = NULL;
    cl_error_clear(&e);
    CHECK_INT(cl_journal_note_sign("abc", 3, &s, &note, NULL, &e), CL_ERR_INPUT);
    CHECK(note == NULL);
    cl_journal_signer_release(&s);
}

TEST(checkpoints_round_trip_and_verify)
{
    struct cl_error e = {0};
    struct cl_journal_signer s;
    struct cl_journal_verifier v;
    CHECK_INT(cl_journal_signer_generate("clearance.example/journal", &s, &e), CL_OK);
    cl_journal_signer_verifier(&s, &v);
    struct cl_journal_checkpoint c = {.origin = "clearance.example/journal", .size = 20852163};
    for (int i = 0; i < 32; i++)
        c.root[i] = (uint8_t)(i * 7);
    char *note = NULL;
    size_t len = 0;
    CHECK_INT(cl_journal_checkpoint_sign(&c, &s, &note, &len, &e), CL_OK);
    const char *body = "clearance.example/journal\n20852163\nAAcOFRwjKjE4P0ZNVFtiaXB3foWMk5qhqK+2vcTL0tk=\n\n"
                       "\xe2\x80\x94 clearance.example/journal ";
    CHECK(strncmp(note, body, strlen(body)) == 0);
    struct cl_journal_checkpoint back;
    CHECK_INT(cl_journal_checkpoint_open(note, len, &v, &back, &e), CL_OK);
    CHECK(memcmp(&back, &c, sizeof(c)) == 0);
    /* one changed byte anywhere in the signed part breaks it */
    int accepted = 0;
    size_t text_len = strlen(note) - strlen(strstr(note, "\n\n")) + 1;
    for (size_t i = 0; i < text_len; i++) {
        char saved = note[i];
        note[i] = note[i] == 'A' ? 'B' : (note[i] == '\n' ? '\n' : 'A');
        if (note[i] != saved) accepted += cl_journal_checkpoint_open(note, len, &v, &back, &e) == CL_OK;
        note[i] = saved;
    }
    CHECK_INT(accepted, 0);
    free(note);
    /* another key's checkpoint, and an origin that is not the key's name */
    struct cl_journal_signer other;
    CHECK_INT(cl_journal_signer_generate("clearance.example/journal", &other, &e), CL_OK);
    CHECK_INT(cl_journal_checkpoint_sign(&c, &other, &note, &len, &e), CL_OK);
    cl_error_clear(&e);
    CHECK_INT(cl_journal_checkpoint_open(note, len, &v, &back, &e), CL_ERR_CRYPTO);
    free(note);
    snprintf(c.origin, sizeof(c.origin), "elsewhere.example/log");
    cl_error_clear(&e);
    CHECK_INT(cl_journal_checkpoint_sign(&c, &s, &note, &len, &e), CL_ERR_INPUT);
    cl_journal_signer_release(&s);
    cl_journal_signer_release(&other);
}

TEST(checkpoint_text_parsing)
{
    struct cl_error e = {0};
    struct cl_journal_checkpoint c;
    const char *ok = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
    CHECK_INT(cl_journal_checkpoint_parse(ok, strlen(ok), &c, &e), CL_OK);
    CHECK_STR(c.origin, "example.com/behind-the-sofa");
    CHECK_INT(c.size, 20852163);
    CHECK_INT(c.root[0], 0x0a);
    const char *ext = "o\n0\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\nextension line\n";
    CHECK_INT(cl_journal_checkpoint_parse(ext, strlen(ext), &c, &e), CL_OK);
    CHECK_INT(c.size, 0);
    const char *bad[] = {
        "o\n01\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",                   /* leading zero */
        "o\n-1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",                   /* not a number */
        "o\n99999999999999999999\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", /* too large */
        "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I\n",                     /* unpadded */
        "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=",                      /* no final newline */
        "o\n1\nAAAA\n",                                                            /* short root */
        "\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",                     /* empty origin */
        "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n",                  /* empty extension line */
        "o\n1\n",                                                                  /* no root */
        /* bytes above 0x7f in the root, which libsodium 1.0.18 would decode as base64 digits */
        ("o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj\xca\x97"
         "2fB2MPA3j2jxq2I=\n"),
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cl_error_clear(&e);
        enum cl_err rc = cl_journal_checkpoint_parse(bad[i], strlen(bad[i]), &c, &e);
        CHECK_INT(rc, CL_ERR_INPUT);
        if (rc != CL_ERR_INPUT) fprintf(stderr, "  accepted bad checkpoint %zu\n", i);
    }
}

int main(void)
{
    RUN(signed_note_known_answer);
    RUN(mangled_keys_are_refused);
    RUN(note_verification_semantics);
    RUN(checkpoints_round_trip_and_verify);
    RUN(checkpoint_text_parsing);
    return TEST_EXIT();
}
