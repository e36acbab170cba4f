/* libFuzzer target: proof files and disclosure documents, which auditors check from files handed to them. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clearance/journal.h"

static const char vkey[] = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    struct cl_error e = {0};
    struct cl_journal_proof_doc doc;
    uint8_t root[CL_JOURNAL_HASH_BYTES], other[CL_JOURNAL_HASH_BYTES];
    memset(root, 0x5a, sizeof(root));
    memset(other, 0xa5, sizeof(other));
    if (cl_journal_proof_doc_parse(text, size, &doc, &e) == CL_OK) {
        CL_ASSERT(doc.proof.n_hashes <= CL_JOURNAL_PROOF_HASHES_MAX);
        /* verification of whatever parsed must end, with a verdict, and never accept a made-up root */
        cl_error_clear(&e);
        enum cl_err rc = doc.proof.kind == CL_JOURNAL_PROOF_INCLUSION
                             ? cl_journal_inclusion_verify(&doc.proof, doc.leaf_hash, root, &e)
                             : cl_journal_consistency_verify(&doc.proof, other, root, &e);
        CL_ASSERT(rc == CL_OK || rc == CL_ERR_CRYPTO);
        json_t *back = cl_journal_proof_to_json(&doc.proof, doc.entry, doc.entry_len);
        json_decref(back);
        cl_journal_proof_doc_release(&doc);
    }
    cl_error_clear(&e);
    struct cl_journal_verifier v;
    CL_ASSERT(cl_journal_verifier_parse(vkey, strlen(vkey), &v, &e) == CL_OK);
    struct cl_journal_disclosure d;
    if (cl_journal_disclosure_parse(text, size, &d, &e) == CL_OK) {
        CL_ASSERT(d.n_openings <= CL_JOURNAL_FIELDS_MAX);
        cl_error_clear(&e);
        enum cl_err rc = cl_journal_disclosure_verify(&d, &v, NULL, &e);
        CL_ASSERT(rc != CL_OK); /* nothing here is signed by that key over a real log */
        cl_journal_disclosure_release(&d);
    }
    return 0;
}
