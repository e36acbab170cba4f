/* libFuzzer target: signed notes, checkpoints and key texts, the journal's parsers of text from outside
 * (checkpoint files and public keys handed to auditors, notes fetched over HTTP). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clearance/journal.h"

static const char vkey[] = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    struct cl_error e = {0};
    struct cl_journal_verifier v, parsed_v;
    CL_ASSERT(cl_journal_verifier_parse(vkey, strlen(vkey), &v, &e) == CL_OK);

    size_t text_len = 0;
    enum cl_err rc = cl_journal_note_verify(text, size, &v, &text_len, &e);
    if (rc == CL_OK) CL_ASSERT(text_len > 0 && text_len < size);
    cl_error_clear(&e);

    struct cl_journal_checkpoint cp;
    if (cl_journal_checkpoint_parse(text, size, &cp, &e) == CL_OK) {
        /* what parses formats back to a prefix of the input (extension lines are dropped) */
        char again[CL_JOURNAL_CHECKPOINT_TEXT_BYTES];
        size_t n = cl_journal_checkpoint_format(&cp, again);
        CL_ASSERT(n <= size);
        CL_ASSERT(memcmp(again, text, n) == 0);
    }
    cl_error_clear(&e);
    cl_journal_checkpoint_open(text, size, &v, &cp, &e);
    cl_error_clear(&e);

    if (cl_journal_verifier_parse(text, size, &parsed_v, &e) == CL_OK) {
        char again[CL_JOURNAL_KEY_TEXT_BYTES];
        cl_journal_verifier_format(&parsed_v, again);
        CL_ASSERT(strlen(again) == size);
        CL_ASSERT(memcmp(again, text, size) == 0 || strncasecmp(again, text, size) == 0);
    }
    cl_error_clear(&e);
    struct cl_journal_signer s;
    if (cl_journal_signer_parse(text, size, &s, &e) == CL_OK) cl_journal_signer_release(&s);
    return 0;
}
