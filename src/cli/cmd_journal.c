/* CLI commands over the tamper-evident journal: keygen, append, checkpoint, show, proof, verify, disclose. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "clearance/journal.h"
#include "clearance/json.h"
#include "clearance/store.h"
#include "cli.h"

/* Largest record, proof or checkpoint file read. */
#define INPUT_BYTES_MAX (16u * 1024u * 1024u)

static bool is_url(const char *target)
{
    return strncmp(target, "postgres://", 11) == 0 || strncmp(target, "postgresql://", 13) == 0;
}

/* The signing key's default place: beside a database file, or in the working folder for a database server. */
static void key_path(const struct cli *cli, const struct cli_cmd *cmd, const struct cli_args *args, char *out,
                     size_t cap)
{
    const char *given = cli_opt(cmd, args, "key-file");
    if (given)
        snprintf(out, cap, "%s", given);
    else if (is_url(cli->db_path))
        snprintf(out, cap, "clearance-journal.key");
    else
        snprintf(out, cap, "%s.journal-key", cli->db_path);
}

static void public_key_path(const struct cli *cli, const struct cli_cmd *cmd, const struct cli_args *args, char *out,
                            size_t cap)
{
    const char *given = cli_opt(cmd, args, "public-key");
    if (given) {
        snprintf(out, cap, "%s", given);
        return;
    }
    char key[PATH_MAX];
    key_path(cli, cmd, args, key, sizeof(key));
    cl_journal_public_key_path(key, out, cap);
}

static enum cl_err open_journal(const struct cli *cli, struct cl_store **out, struct cl_error *err)
{
    enum cl_err rc = cl_store_open(cli->db_path, NULL, out, err);
    if (rc) return rc;
    rc = cl_journal_migrate(*out, err);
    if (rc) {
        cl_store_close(*out);
        *out = NULL;
    }
    return rc;
}

static enum cl_err read_input(const char *path, char **out, size_t *out_len, struct cl_error *err)
{
    return cl_file_read(strcmp(path, "-") == 0 ? "/dev/stdin" : path, INPUT_BYTES_MAX, out, out_len, err);
}

static enum cl_err parse_u64(const char *opt, const char *text, uint64_t *out, struct cl_error *err)
{
    char *end = NULL;
    if (!text[0] || text[0] == '-' || text[0] == '+')
        return cl_error_set(err, CL_ERR_USAGE, "%s: \"%s\" is not a number", opt, text);
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || *end || v > CL_JOURNAL_SIZE_MAX)
        return cl_error_set(err, CL_ERR_USAGE, "%s: \"%s\" is not a number", opt, text);
    *out = v;
    return CL_OK;
}

static void print_hash(const char *label, const uint8_t h[CL_JOURNAL_HASH_BYTES])
{
    printf("%s", label);
    for (int i = 0; i < CL_JOURNAL_HASH_BYTES; i++)
        printf("%02x", h[i]);
    printf("\n");
}

/* ---- keygen ----------------------------------------------------------------------------------------------- */

static int run_keygen(struct cli *cli, const struct cli_cmd *cmd, struct cli_args *args)
{
    struct cl_error err = {0};
    char path[PATH_MAX], pub[PATH_MAX + 8];
    key_path(cli, cmd, args, path, sizeof(path));
    const char *origin = cli_opt(cmd, args, "origin");
    if (!origin) origin = CL_JOURNAL_ORIGIN_DEFAULT;
    struct cl_journal_verifier v;
    if (cl_journal_key_create(path, origin, &v, &err)) return cli_fail(cli, &err);
    cl_journal_public_key_path(path, pub, sizeof(pub));
    char text[CL_JOURNAL_KEY_TEXT_BYTES];
    cl_journal_verifier_format(&v, text);
    if (cli->json)
        return cli_print_json(json_pack("{s:s,s:s,s:s,s:s}", "origin", v.name, "signing_key_file", path,
                                        "public_key_file", pub, "public_key", text));
    printf("signing key: %s (mode 0600: keep it secret)\npublic key:  %s\n%s\n", path, pub, text);
    return CLI_EXIT_OK;
}

/* ---- append ----------------------------------------------------------------------------------------------- */

struct append_job {
    struct cl_store *st;
    struct cl_journal_item *items;
    size_t n;
    uint64_t first;
};

static enum cl_err append_tx(void *ctx, struct cl_error *err)
{
    struct append_job *j = ctx;
    return cl_journal_append_batch(j->st, j->items, j->n, &j->first, err);
}

/* Parses the records: one object, or with lines one object per non-empty line. */
static enum cl_err parse_records(const char *source, char *text, size_t len, bool lines, json_t ***out, size_t *out_n,
                                 struct cl_error *err)
{
    size_t cap = 16, n = 0;
    json_t **recs = malloc(cap * sizeof(*recs));
    if (!recs) return cl_error_set(err, CL_ERR_NOMEM, "out of memory");
    enum cl_err rc = CL_OK;
    size_t line_no = 0;
    for (char *p = text, *end = text + len; p < end && !rc;) {
        char *eol = lines ? memchr(p, '\n', (size_t)(end - p)) : NULL;
        if (!eol) eol = end;
        line_no++;
        size_t k = (size_t)(eol - p);
        bool blank = true;
        for (size_t i = 0; i < k && blank; i++)
            blank = p[i] == ' ' || p[i] == '\t' || p[i] == '\r';
        if (!blank) {
            char where[PATH_MAX + 32];
            if (lines)
                snprintf(where, sizeof(where), "%s, line %zu", source, line_no);
            else
                snprintf(where, sizeof(where), "%s", source);
            json_t *v = NULL;
            rc = cl_json_parse(p, k, where, CL_LIMIT_JSON_DEPTH, &v, err);
            if (!rc && !json_is_object(v)) {
                rc = cl_error_set(err, CL_ERR_INPUT, "%s: a record must be a JSON object", where);
                json_decref(v);
            }
            if (!rc && n == cap) {
                json_t **r = realloc(recs, 2 * cap * sizeof(*recs));
                if (!r) {
                    rc = cl_error_set(err, CL_ERR_NOMEM, "out of memory");
                    json_decref(v);
                } else {
                    recs = r;
                    cap *= 2;
                }
            }
            if (!rc) recs[n++] = v;
        }
        p = eol + 1;
    }
    if (!rc && n == 0) rc = cl_error_set(err, CL_ERR_INPUT, "%s: no record", source);
    if (rc) {
        for (size_t i = 0; i < n; i++)
            json_decref(recs[i]);
        free(recs);
        return rc;
    }
    *out = recs;
    *out_n = n;
    return CL_OK;
}

static int run_append(struct cli *cli, const struct cli_cmd *cmd, struct cli_args *args)
{
    struct cl_error err = {0};
    const char *kind = cli_opt(cmd, args, "kind");
    if (!kind) return cli_usage_error(cli, cmd, "--kind is required");
    if (!cl_journal_kind_valid(kind))
        return cli_usage_error(cli, cmd, "--kind \"%s\": start with a-z; use a-z, 0-9, '.', '_' and '-'", kind);
    bool lines = cli_flag(cmd, args, "lines");
    const char *secret_path = cli_opt(cmd, args, "secret");
    if (lines && secret_path) return cli_usage_error(cli, cmd, "--secret goes with one record, not --lines");
    cl_time at = cl_time_now();
    const char *at_text = cli_opt(cmd, args, "at");
    if (at_text && cl_time_parse(at_text, strlen(at_text), &at))
        return cli_usage_error(cli, cmd, "--at \"%s\": expected YYYY-MM-DDTHH:MM:SSZ or YYYY-MM-DD", at_text);

    int status = CLI_EXIT_OK;
    char *text = NULL;
    size_t len = 0;
    json_t **recs = NULL, *secret = NULL;
    size_t n = 0;
    struct cl_store *st = NULL;
    struct append_job job = {0};
    const char *source = args->pos[0];
    if (read_input(source, &text, &len, &err) ||
        parse_records(strcmp(source, "-") == 0 ? "standard input" : source, text, len, lines, &recs, &n, &err))
        goto fail;
    if (secret_path) {
        if (cl_json_load_file(secret_path, INPUT_BYTES_MAX, &secret, &err)) goto fail;
        if (!json_is_object(secret)) {
            cl_error_set(&err, CL_ERR_INPUT, "%s: the committed fields must be a JSON object", secret_path);
            goto fail;
        }
    }
    job.items = calloc(n, sizeof(*job.items));
    if (!job.items) {
        cl_error_set(&err, CL_ERR_NOMEM, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < n; i++)
        job.items[i] = (struct cl_journal_item){kind, recs[i], secret, at};
    job.n = n;
    if (open_journal(cli, &st, &err)) goto fail;
    job.st = st;
    if (cl_store_retry(st, 3, append_tx, &job, &err)) goto fail;
    if (cli->json) {
        status = cli_print_json(json_pack("{s:I,s:I}", "first_index", (json_int_t)job.first, "count", (json_int_t)n));
    } else if (n == 1) {
        printf("appended entry %llu\n", (unsigned long long)job.first);
    } else {
        printf("appended entries %llu to %llu\n", (unsigned long long)job.first,
               (unsigned long long)(job.first + n - 1));
    }
    goto out;
fail:
    status = cli_fail(cli, &err);
out:
    cl_store_close(st);
    for (size_t i = 0; i < n; i++)
        json_decref(recs[i]);
    free(recs);
    free(job.items);
    json_decref(secret);
    free(text);
    return status;
}

/* ---- checkpoint ------------------------------------------------------------------------------------------- */

static int run_checkpoint(struct cli *cli, const struct cli_cmd *cmd, struct cli_args *args)
{
    struct cl_error err = {0};
    char path[PATH_MAX];
    key_path(cli, cmd, args, path, sizeof(path));
    struct cl_journal_signer signer;
    if (cl_journal_signer_load(path, &signer, &err)) return cli_fail(cli, &err);
    struct cl_store *st = NULL;
    char *note = NULL;
    size_t len = 0;
    struct cl_journal_checkpoint cp;
    int status = CLI_EXIT_OK;
    if (open_journal(cli, &st, &err) ||
        cl_journal_checkpoint_create(st, &signer, cl_time_now(), &note, &len, &cp, &err)) {
        status = cli_fail(cli, &err);
    } else if (cli->json) {
        status = cli_print_json(cl_journal_checkpoint_to_json(&cp, note, len));
    } else {
        fwrite(note, 1, len, stdout);
    }
    cl_journal_signer_release(&signer);
    free(note);
    cl_store_close(st);
    return status;
}

/* ---- show ------------------------------------------------------------------------------------------------- */

struct show_ctx {
    bool json;
    int status;
};

static enum cl_err show_entry_line(void *ctx, uint64_t index, const char *text, size_t len, struct cl_error *err)
{
    (void)err;
    struct show_ctx *c = ctx;
    if (c->json) {
        c->status = cli_print_jsonl(cl_journal_entry_to_json(index, text, len));
        return c->status ? CL_ERR_IO : CL_OK;
    }
    json_t *e = json_loadb(text, len, 0, NULL);
    const char *at = json_string_value(json_object_get(e, "at"));
    const char *kind = json_string_value(json_object_get(e, "kind"));
    json_t *rec = json_object_get(e, "record");
    char *body = rec ? json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    printf("%-8llu %-27s %-20s %s\n", (unsigned long long)index, at ? at : "?", kind ? kind : "?",
           body ? body : "(not a journal entry)");
    free(body);
    json_decref(e);
    return CL_OK;
}

static enum cl_err show_checkpoint_line(void *ctx, uint64_t size, const char *note, size_t len, struct cl_error *err)
{
    (void)err;
    struct show_ctx *c = ctx;
    struct cl_journal_checkpoint cp;
    struct cl_error perr = {0};
    size_t text_len = len;
    const char *blank = strstr(note, "\n\n");
    if (blank) text_len = (size_t)(blank - note) + 1;
    bool parsed = cl_journal_checkpoint_parse(note, text_len, &cp, &perr) == CL_OK;
    if (c->json) {
        json_t *o = parsed ? cl_journal_checkpoint_to_json(&cp, note, len)
                           : json_pack("{s:I,s:s%}", "tree_size", (json_int_t)size, "note", note, len);
        c->status = cli_print_jsonl(o);
        return c->status ? CL_ERR_IO : CL_OK;
    }
    printf("%-10llu ", (unsigned long long)size);
    if (parsed)
        print_hash("", cp.root);
    else
        printf("(unreadable note)\n");
    return CL_OK;
}

/* ---- against a server: what an auditor without the database uses ------------------------------------------ */

/* GETs path and prints the answer: a signed note as published (note_only), or the JSON. */
static int remote_get(struct cli *cli, const char *path, bool note_only)
{
    struct cl_error err = {0};
    json_t *out = NULL;
    if (cli_http(cli, "GET", path, NULL, &out, &err)) return cli_fail(cli, &err);
    if (note_only && !cli->json) {
        fputs(json_string_value(json_object_get(out, "note")) ? json_string_value(json_object_get(out, "note")) : "", stdout);
        json_decref(out);
        return CLI_EXIT_OK;
    }
    return cli_print_json(out);
}

static int show_remote(struct cli *cli, const struct cli_cmd *cmd, struct cli_args *args)
{
    char path[256];
    const char *from = cli_opt(cmd, args, "from"), *size = cli_opt(cmd, args, "size");
    if (args->npos) snprintf(path, sizeof(path), "/v1/journal/entries/%s", args->pos[0]);
    else if (from)
        snprintf(path, sizeof(path), "/v1/journal/entries?from=%s&count=%s", from,
                 cli_opt(cmd, args, "count") ? cli_opt(cmd, args, "count") : "100");
    else if (cli_flag(cmd, args, "checkpoints")) snprintf(path, sizeof(path), "/v1/journal/checkpoints");
    else if (cli_flag(cmd, args, "checkpoint") || size) {
        snprintf(path, sizeof(path), "/v1/journal/checkpoint%s%s", size ? "?size=" : "", size ? size : "");
        return remote_get(cli, path, true);
    } else snprintf(path, sizeof(path), "/v1/journal");
    for (const char *c = path; *c; c++)
        if (*c == ' ' || *c == '#') return cli_usage_error(cli, cmd, "bad index or size");
    return remote_get(cli, path, false);
}

static int proof_remote(struct cli *cli, const struct cli_cmd *cmd, struct cli_args *args)
{
    struct cl_error err = {0};
    uint64_t a = 0, size = 0;
    const char *index_text = cli_opt(cmd, args, "index"), *from = cli_opt(cmd, args, "from");
    if (index_text ? parse_u64("--index", index_text, &a, &err) : parse_u64("--from", from, &a, &err))
        return cli_usage_error(cli, cmd, "%s", err.msg);
    if (cli_opt(cmd, args, "size")) {
        if (parse_u64("--size", cli_opt(cmd, args, "size"), &size, &err)) return cli_usage_error(cli, cmd, "%s", err.msg);
    } else {
        /* against the latest published checkpoint, as locally */
        json_t *cp = NULL;
        if (cli_http(cli, "GET", "/v1/journal/checkpoint", NULL, &cp, &err)) return cli_fail(cli, &err);
        size = (uint64_t)json_integer_value(json_object_get(cp, "tree_size"));
        json_decref(cp);
    }
    char path[128];
    if (index_text)
        snprintf(path, sizeof(path), "/v1/journal/proofs/inclusion?index=%llu&size=%llu", (unsigned long long)a,
                 (unsigned long long)size);
    else
        snprintf(path, sizeof(path), "/v1/journal/proofs/consistency?old=%llu&size=%llu", (unsigned long long)a,
                 (unsigned long long)size);
    return remote_get(cli, path, false);
}

static int run_show(struct cli *cli, const struct cli_cmd *cmd, struct cli_args *args)
{
    if (cli->server) return show_remote(cli, cmd, args);
    struct cl_error err = {0};
    struct cl_store *st = NULL;
    if (open_journal(cli, &st, &err)) return cli_fail(cli, &err);
    int status = CLI_EXIT_OK;
    const char *from = cli_opt(cmd, args, "from"), *count = cli_opt(cmd, args, "count");
    const char *size_text = cli_opt(cmd, args, "size");
    struct show_ctx c = {cli->json, CLI_EXIT_OK};
    char *text = NULL, *note = NULL;
    size_t len = 0;
    if (args->npos == 1) { /* one entry */
        uint64_t index = 0;
        if (parse_u64("INDEX", args->pos[0], &index, &err) || cl_journal_entry_get(st, index, &text, &len, &err))
            goto fail;
        json_t *o = cl_journal_entry_to_json(index, text, len);
        if (cli->json) {
            status = cli_print_json(o);
        } else {
            printf("entry %llu, leaf hash %s\n", (unsigned long long)index,
                   json_string_value(json_object_get(o, "leaf_hash")));
            status = cli_print_json(json_incref(json_object_get(o, "entry")));
            json_decref(o);
        }
    } else if (from || count) { /* a range */
        uint64_t first = 0, n = 100;
        if ((from && parse_u64("--from", from, &first, &err)) || (count && parse_u64("--count", count, &n, &err)))
            goto fail;
        if (cl_journal_entry_list(st, first, n, show_entry_line, &c, &err)) goto fail;
        status = c.status;
    } else if (cli_flag(cmd, args, "checkpoints")) {
        if (cl_journal_checkpoint_list(st, show_checkpoint_line, &c, &err)) goto fail;
        status = c.status;
    } else if (cli_flag(cmd, args, "checkpoint") || size_text) { /* a signed note, as published */
        uint64_t size = 0;
        if (size_text ? (parse_u64("--size", size_text, &size, &err) ||
                         cl_journal_checkpoint_get(st, size, &note, &len, &err))
                      : cl_journal_checkpoint_latest(st, &note, &len, &err))
            goto fail;
        fwrite(note, 1, len, stdout);
    } else { /* the head and the latest checkpoint */
        struct cl_journal_head head;
        if (cl_journal_head_get(st, &head, &err)) goto fail;
        enum cl_err rc = cl_journal_checkpoint_latest(st, &note, &len, &err);
        if (rc && rc != CL_ERR_NOT_FOUND) goto fail;
        cl_error_clear(&err);
        if (cli->json) {
            json_t *o = json_pack("{s:o}", "head", cl_journal_head_to_json(&head));
            json_object_set_new(o, "latest_checkpoint", note ? json_stringn(note, len) : json_null());
            status = cli_print_json(o);
        } else {
            printf("entries      %llu\n", (unsigned long long)head.size);
            print_hash("root         ", head.root);
            if (note)
                printf("latest checkpoint:\n%.*s", (int)len, note);
            else
                printf("no checkpoint yet ('clearance journal checkpoint' signs one)\n");
        }
    }
    goto out;
fail:
    status = cli_fail(cli, &err);
out:
    free(text);
    free(note);
    cl_store_close(st);
    return status;
}

/* ---- proof ------------------------------------------------------------------------------------------------ */

/* The tree size proofs default to: the latest checkpoint's, so that they verify against what was published. */
static enum cl_err default_size(struct cl_store *st, const char *size_text, uint64_t *out, struct cl_error *err)
{
    if (size_text) return parse_u64("--size", size_text, out, err);
    char *note = NULL;
    size_t len = 0;
    enum cl_err rc = cl_journal_checkpoint_latest(st, &note, &len, err);
    if (rc == CL_ERR_NOT_FOUND) {
        cl_error_clear(err);
        return cl_error_set(err, CL_ERR_NOT_FOUND,
                            "no checkpoint yet: sign one with 'clearance journal checkpoint', or give --size");
    }
    if (rc) return rc;
    const char *blank = strstr(note, "\n\n");
    struct cl_journal_checkpoint cp;
    rc = cl_journal_checkpoint_parse(note, blank ? (size_t)(blank - note) + 1 : len, &cp, err);
    free(note);
    if (!rc) *out = cp.size;
    return rc;
}

static int run_proof(struct cli *cli, const struct cli_cmd *cmd, struct cli_args *args)
{
    struct cl_error err = {0};
    const char *index_text = cli_opt(cmd, args, "index"), *from = cli_opt(cmd, args, "from");
    if (!index_text == !from) return cli_usage_error(cli, cmd, "give --index I (inclusion) or --from M (consistency)");
    if (cli->server) return proof_remote(cli, cmd, args);
    struct cl_store *st = NULL;
    if (open_journal(cli, &st, &err)) return cli_fail(cli, &err);
    int status = CLI_EXIT_OK;
    char *entry = NULL;
    size_t entry_len = 0;
    uint64_t size = 0, a = 0;
    struct cl_journal_proof proof;
    if (default_size(st, cli_opt(cmd, args, "size"), &size, &err)) goto fail;
    if (index_text) {
        if (parse_u64("--index", index_text, &a, &err) || cl_journal_inclusion_prove(st, NULL, a, size, &proof, &err) ||
            cl_journal_entry_get(st, a, &entry, &entry_len, &err))
            goto fail;
    } else {
        if (parse_u64("--from", from, &a, &err) || cl_journal_consistency_prove(st, NULL, a, size, &proof, &err))
            goto fail;
    }
    status = cli_print_json(cl_journal_proof_to_json(&proof, entry, entry_len));
    goto out;
fail:
    status = cli_fail(cli, &err);
out:
    free(entry);
    cl_store_close(st);
    return status;
}

/* ---- disclose --------------------------------------------------------------------------------------------- */

static int run_disclose(struct cli *cli, const struct cli_cmd *cmd, struct cli_args *args)
{
    struct cl_error err = {0};
    const char *fields_text = cli_opt(cmd, args, "fields");
    if (!fields_text) return cli_usage_error(cli, cmd, "--fields is required");
    if (cli->server) {
        /* the server discloses against its latest published checkpoint */
        char path[512];
        uint64_t index = 0;
        if (parse_u64("INDEX", args->pos[0], &index, &err)) return cli_usage_error(cli, cmd, "%s", err.msg);
        for (const char *c = fields_text; *c; c++)
            if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_' || *c == ','))
                return cli_usage_error(cli, cmd, "--fields: names of a-z, 0-9 and '_', separated by ','");
        snprintf(path, sizeof(path), "/v1/journal/entries/%llu/disclosure?fields=%s", (unsigned long long)index,
                 fields_text);
        return remote_get(cli, path, false);
    }
    char *list = strdup(fields_text);
    if (!list) {
        cl_error_set(&err, CL_ERR_NOMEM, "out of memory");
        return cli_fail(cli, &err);
    }
    const char *fields[CL_JOURNAL_FIELDS_MAX];
    size_t n = 0;
    for (char *save = NULL, *f = strtok_r(list, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
        if (n == CL_JOURNAL_FIELDS_MAX || !cl_journal_field_valid(f, strlen(f))) {
            free(list);
            return cli_usage_error(cli, cmd, "--fields: at most %d names of a-z, 0-9 and _, separated by commas",
                                   CL_JOURNAL_FIELDS_MAX);
        }
        fields[n++] = f;
    }
    struct cl_store *st = NULL;
    int status = CLI_EXIT_OK;
    uint64_t index = 0, size = 0;
    json_t *doc = NULL;
    if (parse_u64("INDEX", args->pos[0], &index, &err) || open_journal(cli, &st, &err) ||
        default_size(st, cli_opt(cmd, args, "size"), &size, &err) ||
        cl_journal_disclosure_build(st, index, size, fields, n, &doc, &err))
        status = cli_fail(cli, &err);
    else
        status = cli_print_json(doc);
    cl_store_close(st);
    free(list);
    return status;
}

/* ---- verify ----------------------------------------------------------------------------------------------- */

static enum cl_err open_checkpoint_file(const char *path, const struct cl_journal_verifier *v,
                                        struct cl_journal_checkpoint *out, struct cl_error *err)
{
    char *text = NULL;
    size_t len = 0;
    enum cl_err rc = cl_file_read(path, CL_JOURNAL_NOTE_BYTES_MAX, &text, &len, err);
    if (!rc) rc = cl_journal_checkpoint_open(text, len, v, out, err);
    if (rc) cl_error_prefix(err, "%s", path);
    free(text);
    return rc;
}

/* Checks a disclosure document with the public key alone and shows what it reveals. */
static int verify_disclosure(struct cli *cli, const char *path, const struct cl_journal_verifier *key)
{
    struct cl_error err = {0};
    char *text = NULL;
    size_t len = 0;
    struct cl_journal_disclosure d;
    struct cl_journal_checkpoint cp;
    if (read_input(path, &text, &len, &err) || cl_journal_disclosure_parse(text, len, &d, &err)) {
        cl_error_prefix(&err, "%s", path);
        free(text);
        return cli_fail(cli, &err);
    }
    free(text);
    int status = CLI_EXIT_OK;
    if (cl_journal_disclosure_verify(&d, key, &cp, &err)) {
        cl_error_prefix(&err, "%s", path);
        status = cli_fail(cli, &err);
        goto out;
    }
    json_t *entry = json_loadb(d.proof.entry, d.proof.entry_len, 0, NULL);
    json_t *revealed = json_object();
    for (size_t i = 0; i < d.n_openings; i++) {
        json_t *v = json_loadb(d.openings[i].value, d.openings[i].value_len, JSON_DECODE_ANY, NULL);
        json_object_set_new(revealed, d.openings[i].field,
                            v ? v : json_stringn(d.openings[i].value, d.openings[i].value_len));
    }
    if (cli->json) {
        status = cli_print_json(json_pack("{s:b,s:I,s:I,s:o,s:o}", "ok", 1, "index", (json_int_t)d.proof.proof.index,
                                          "tree_size", (json_int_t)cp.size, "entry", entry ? entry : json_null(),
                                          "revealed", revealed));
    } else {
        printf("checkpoint: signed by %s+%08x, %llu entries\n", key->name, key->key_id, (unsigned long long)cp.size);
        printf("entry %llu is in the log; %zu revealed field%s match%s its commitments\n",
               (unsigned long long)d.proof.proof.index, d.n_openings, d.n_openings == 1 ? "" : "s",
               d.n_openings == 1 ? "es" : "");
        status = cli_print_json(json_pack("{s:o,s:o}", "entry", entry ? entry : json_null(), "revealed", revealed));
    }
out:
    cl_journal_disclosure_release(&d);
    return status;
}

/* Totals of one integer field of the records, by the value of another, over the entries checked. */
struct totals {
    const char *sum, *by, *kind;
    json_t *groups; /* group -> total */
    uint64_t counted;
};

static enum cl_err add_total(struct totals *t, const json_t *entry, struct cl_error *err)
{
    if (!t->sum) return CL_OK;
    const char *kind = json_string_value(json_object_get(entry, "kind"));
    if (t->kind && (!kind || strcmp(kind, t->kind) != 0)) return CL_OK;
    const json_t *rec = json_object_get(entry, "record");
    const json_t *v = json_object_get(rec, t->sum);
    if (!json_is_integer(v)) return CL_OK;
    const char *group = "(all)";
    if (t->by) {
        group = json_string_value(json_object_get(rec, t->by));
        if (!group) return CL_OK;
    }
    json_int_t have = json_integer_value(json_object_get(t->groups, group)), add = json_integer_value(v);
    if ((add > 0 && have > INT64_MAX - add) || (add < 0 && have < INT64_MIN - add))
        return cl_error_set(err, CL_ERR_LIMIT, "the total of %s for %s overflows", t->sum, group);
    json_object_set_new(t->groups, group, json_integer(have + add));
    t->counted++;
    return CL_OK;
}

/* Checks an export of entries (JSON Lines of {"index", "entry"}, as 'show --from 0 --count N --json' writes) against
 * a checkpoint: entry 0 to N-1 in order, whose canonical forms hash to the checkpoint's root. The set is then
 * complete and unchanged, and totals computed over it can be trusted. */
static int verify_entries(struct cli *cli, const struct cli_cmd *cmd, struct cli_args *args,
                          const struct cl_journal_checkpoint *cp)
{
    struct cl_error err = {0};
    const char *path = cli_opt(cmd, args, "entries");
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (!f) {
        cl_error_set(&err, CL_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
        return cli_fail(cli, &err);
    }
    struct totals t = {cli_opt(cmd, args, "sum"), cli_opt(cmd, args, "by"), cli_opt(cmd, args, "kind"), json_object(),
                       0};
    struct cl_journal_frontier fr;
    cl_journal_frontier_init(&fr);
    char *line = NULL;
    size_t cap = 0, line_no = 0;
    ssize_t n;
    int status = CLI_EXIT_OK;
    while ((n = getline(&line, &cap, f)) > 0) {
        line_no++;
        if (n == 1 && line[0] == '\n') continue;
        char where[64];
        snprintf(where, sizeof(where), "line %zu", line_no);
        json_t *o = NULL;
        int64_t index = -1;
        const json_t *entry = NULL;
        if (cl_json_parse(line, (size_t)n, where, CL_LIMIT_JSON_DEPTH + 2, &o, &err) ||
            cl_json_get_int(o, "index", where, true, 0, INT64_MAX, &index, &err) ||
            cl_json_get_object(o, "entry", where, true, &entry, &err)) {
            json_decref(o);
            goto fail;
        }
        if ((uint64_t)index != fr.size) {
            json_decref(o);
            cl_error_set(&err, CL_ERR_CRYPTO, "%s: %s: entry %lld where entry %llu was expected", path, where,
                         (long long)index, (unsigned long long)fr.size);
            goto fail;
        }
        char *canon = cl_json_canonical(entry);
        uint8_t leaf[CL_JOURNAL_HASH_BYTES];
        if (canon) cl_journal_leaf_hash(canon, strlen(canon), leaf);
        free(canon);
        enum cl_err rc = canon ? cl_journal_frontier_append(&fr, leaf, NULL, NULL, &err)
                               : cl_error_set(&err, CL_ERR_NOMEM, "out of memory");
        if (!rc && fr.size <= cp->size) rc = add_total(&t, entry, &err);
        json_decref(o);
        if (rc) goto fail;
        if (fr.size == cp->size) break;
    }
    uint8_t root[CL_JOURNAL_HASH_BYTES];
    cl_journal_frontier_root(&fr, root);
    if (fr.size != cp->size) {
        cl_error_set(&err, CL_ERR_CRYPTO, "%s: %llu entries, but the checkpoint covers %llu", path,
                     (unsigned long long)fr.size, (unsigned long long)cp->size);
        goto fail;
    }
    if (memcmp(root, cp->root, sizeof(root)) != 0) {
        cl_error_set(&err, CL_ERR_CRYPTO,
                     "%s: the entries do not hash to the checkpoint's root: the export is not the"
                     " log",
                     path);
        goto fail;
    }
    if (cli->json) {
        json_t *o = json_pack("{s:b,s:I}", "ok", 1, "entries", (json_int_t)fr.size);
        if (t.sum) json_object_set(o, "totals", t.groups);
        status = cli_print_json(o);
    } else {
        printf("entries: %llu, exactly the log at the checkpoint\n", (unsigned long long)fr.size);
        const char *group;
        json_t *v;
        json_object_foreach(t.groups, group, v)
            printf("total %s %s: %lld\n", t.sum, group, (long long)json_integer_value(v));
    }
    goto out;
fail:
    status = cli_fail(cli, &err);
out:
    free(line);
    json_decref(t.groups);
    if (f != stdin) fclose(f);
    return status;
}

/* Checks files alone: a checkpoint, and a proof or disclosure against it. Touches no database. */
static int verify_offline(struct cli *cli, const struct cli_cmd *cmd, struct cli_args *args,
                          const struct cl_journal_verifier *key)
{
    struct cl_error err = {0};
    const char *cp_path = cli_opt(cmd, args, "checkpoint"), *proof_path = cli_opt(cmd, args, "proof");
    const char *old_path = cli_opt(cmd, args, "old-checkpoint");
    struct cl_journal_checkpoint cp, old;
    struct cl_journal_proof_doc doc = {0};
    char *text = NULL;
    size_t len = 0;
    int status = CLI_EXIT_OK;
    json_t *report = json_object();
    if (open_checkpoint_file(cp_path, key, &cp, &err)) goto fail;
    json_object_set_new(report, "checkpoint",
                        json_pack("{s:s,s:I}", "origin", cp.origin, "tree_size", (json_int_t)cp.size));
    if (!cli->json) {
        printf("checkpoint: signed by %s+%08x, %llu entries, root ", key->name, key->key_id,
               (unsigned long long)cp.size);
        print_hash("", cp.root);
    }
    if (cli_opt(cmd, args, "entries")) {
        if (proof_path) {
            cl_error_set(&err, CL_ERR_USAGE, "give --entries or --proof, not both");
            goto fail;
        }
        json_decref(report);
        return verify_entries(cli, cmd, args, &cp);
    }
    if (proof_path) {
        if (read_input(proof_path, &text, &len, &err) || cl_journal_proof_doc_parse(text, len, &doc, &err)) {
            cl_error_prefix(&err, "%s", proof_path);
            goto fail;
        }
        struct cl_journal_proof *p = &doc.proof;
        if (p->size != cp.size) {
            cl_error_set(&err, CL_ERR_CRYPTO, "%s: the proof is for %llu entries, the checkpoint for %llu", proof_path,
                         (unsigned long long)p->size, (unsigned long long)cp.size);
            goto fail;
        }
        if (p->kind == CL_JOURNAL_PROOF_INCLUSION) {
            if (!doc.has_leaf_hash) {
                cl_error_set(&err, CL_ERR_INPUT, "%s: the proof carries neither the entry nor its leaf hash",
                             proof_path);
                goto fail;
            }
            if (cl_journal_inclusion_verify(p, doc.leaf_hash, cp.root, &err)) goto fail;
            json_object_set_new(report, "inclusion", json_pack("{s:I}", "index", (json_int_t)p->index));
            if (!cli->json)
                printf("inclusion: entry %llu is in the log of %llu entries\n", (unsigned long long)p->index,
                       (unsigned long long)p->size);
        } else {
            if (!old_path) {
                cl_error_set(&err, CL_ERR_USAGE, "a consistency proof needs --old-checkpoint FILE");
                goto fail;
            }
            if (open_checkpoint_file(old_path, key, &old, &err)) goto fail;
            if (p->old_size != old.size) {
                cl_error_set(&err, CL_ERR_CRYPTO, "%s: the proof starts at %llu entries, the old checkpoint has %llu",
                             proof_path, (unsigned long long)p->old_size, (unsigned long long)old.size);
                goto fail;
            }
            if (cl_journal_consistency_verify(p, old.root, cp.root, &err)) goto fail;
            json_object_set_new(report, "consistency", json_pack("{s:I}", "old_size", (json_int_t)old.size));
            if (!cli->json)
                printf("consistency: the log of %llu entries extends the log of %llu without changing it\n",
                       (unsigned long long)cp.size, (unsigned long long)old.size);
        }
    } else if (old_path) {
        cl_error_set(&err, CL_ERR_USAGE, "--old-checkpoint goes with a consistency --proof");
        goto fail;
    }
    json_object_set_new(report, "ok", json_true());
    if (cli->json) {
        status = cli_print_json(report);
        report = NULL;
    }
    goto out;
fail:
    status = cli_fail(cli, &err);
out:
    json_decref(report);
    cl_journal_proof_doc_release(&doc);
    free(text);
    return status;
}

static int run_verify(struct cli *cli, const struct cli_cmd *cmd, struct cli_args *args)
{
    struct cl_error err = {0};
    char pub[PATH_MAX + 8];
    public_key_path(cli, cmd, args, pub, sizeof(pub));
    struct cl_journal_verifier key;
    if (cl_journal_verifier_load(pub, &key, &err)) return cli_fail(cli, &err);
    if (cli_opt(cmd, args, "disclosure")) return verify_disclosure(cli, cli_opt(cmd, args, "disclosure"), &key);
    if (cli_opt(cmd, args, "checkpoint")) return verify_offline(cli, cmd, args, &key);
    if (cli_opt(cmd, args, "proof") || cli_opt(cmd, args, "old-checkpoint") || cli_opt(cmd, args, "entries"))
        return cli_usage_error(cli, cmd, "checking files needs --checkpoint FILE");
    if (cli_opt(cmd, args, "sum")) return cli_usage_error(cli, cmd, "--sum goes with --entries");
    struct cl_store *st = NULL;
    if (open_journal(cli, &st, &err)) return cli_fail(cli, &err);
    struct cl_journal_verify_report r;
    int status = CLI_EXIT_OK;
    if (cl_journal_verify(st, &key, &r, &err)) {
        status = cli_fail(cli, &err);
    } else if (cli->json) {
        json_t *o = json_pack("{s:b,s:I,s:I,s:I}", "ok", 1, "entries", (json_int_t)r.entries, "checkpoints",
                              (json_int_t)r.checkpoints, "openings", (json_int_t)r.openings);
        json_object_set_new(o, "head", cl_journal_head_to_json(&r.head));
        status = cli_print_json(o);
    } else {
        printf("ok: %llu entries, %llu checkpoints by %s+%08x, %llu openings verified\n", (unsigned long long)r.entries,
               (unsigned long long)r.checkpoints, key.name, key.key_id, (unsigned long long)r.openings);
        print_hash("root ", r.head.root);
    }
    cl_store_close(st);
    return status;
}

/* ---- the table -------------------------------------------------------------------------------------------- */

static const struct cli_opt keygen_opts[] = {
    {"origin", "NAME", "the log's origin and key name (default " CL_JOURNAL_ORIGIN_DEFAULT ")"},
    {"key-file", "PATH", "where to create the signing key (default: the database path + .journal-key)"},
    {NULL, NULL, NULL},
};
static const struct cli_opt append_opts[] = {
    {"kind", "KIND", "what the record is: ledger.shipment, screen.decision, rules.change, ..."},
    {"at", "TIME", "when the change happened (default now), YYYY-MM-DDTHH:MM:SSZ"},
    {"secret", "FILE", "a JSON object of commercial fields to commit to by salted hash, not in clear"},
    {"lines", NULL, "the input holds one record per line (JSON Lines), appended as one batch"},
    {NULL, NULL, NULL},
};
static const struct cli_opt checkpoint_opts[] = {
    {"key-file", "PATH", "the signing key (default: the database path + .journal-key)"},
    {NULL, NULL, NULL},
};
static const struct cli_opt show_opts[] = {
    {"from", "I", "list entries from index I"},
    {"count", "N", "list at most N entries (default 100)"},
    {"checkpoints", NULL, "list every checkpoint published"},
    {"checkpoint", NULL, "print the latest signed checkpoint as published"},
    {"size", "N", "print the signed checkpoint of size N"},
    {NULL, NULL, NULL},
};
static const struct cli_opt proof_opts[] = {
    {"index", "I", "prove that entry I is in the log"},
    {"from", "M", "prove that the log of M entries is a prefix of the log"},
    {"size", "N", "the size of the log to prove against (default: the latest checkpoint's)"},
    {NULL, NULL, NULL},
};
static const struct cli_opt verify_opts[] = {
    {"public-key", "FILE", "the log's public key (default: the signing key path + .pub)"},
    {"key-file", "PATH", "the signing key whose .pub file to use"},
    {"checkpoint", "FILE", "check this signed checkpoint file instead of the database"},
    {"proof", "FILE", "with --checkpoint: check this inclusion or consistency proof file against it"},
    {"old-checkpoint", "FILE", "with a consistency proof: the older signed checkpoint"},
    {"entries", "FILE", "with --checkpoint: check an export of entries 0 to N-1 (show --from 0 --count N --json)"},
    {"sum", "FIELD", "with --entries: total this integer field of the records"},
    {"by", "FIELD", "with --sum: one total per value of this field (e.g. licence)"},
    {"kind", "KIND", "with --sum: only entries of this kind"},
    {"disclosure", "FILE", "check a disclosure document (from 'journal disclose') and show what it reveals"},
    {NULL, NULL, NULL},
};
static const struct cli_opt disclose_opts[] = {
    {"fields", "F1,F2", "the committed fields to reveal"},
    {"size", "N", "the checkpoint to prove against (default: the latest)"},
    {NULL, NULL, NULL},
};

const struct cli_cmd cli_cmds_journal[] = {
    {"journal keygen", "[--origin NAME] [--key-file PATH]",
     "Create the journal's Ed25519 signing key (mode 0600) and its public key for auditors.", keygen_opts, 0, 0,
     run_keygen,
     "The public key file holds a signed-note verifier key, <name>+<key id>+<key>: give it to auditors. An existing\n"
     "key is never overwritten."},
    {"journal append", "--kind KIND [--at TIME] [--secret FILE] [--lines] FILE|-",
     "Append records (JSON objects) to the journal, as canonical JSON entries.", append_opts, 1, 1, run_append,
     "Other modules journal their own changes; this command is for operators and tests. Records hold integers,\n"
     "strings, booleans, nulls, arrays and objects, never real numbers."},
    {"journal checkpoint", "[--key-file PATH]",
     "Sign the current tree head as a checkpoint (C2SP tlog-checkpoint) and publish it.", checkpoint_opts, 0, 0,
     run_checkpoint, "Refuses to sign when the log is not consistent with the previous checkpoint."},
    {"journal show", "[INDEX | --from I [--count N] | --checkpoints | --checkpoint | --size N]",
     "Show the tree head, an entry, a range of entries, or checkpoints.", show_opts, 0, 1, run_show, NULL},
    {"journal proof", "--index I | --from M [--size N]",
     "Write an inclusion or consistency proof file (JSON) against a published checkpoint.", proof_opts, 0, 0, run_proof,
     "Check it anywhere with 'clearance journal verify --checkpoint FILE --proof FILE --public-key FILE'."},
    {"journal disclose", "INDEX --fields F1,F2 [--size N]",
     "Reveal committed fields of one entry to an auditor, with the proofs to check them.", disclose_opts, 1, 1,
     run_disclose,
     "Writes a disclosure document: the signed checkpoint, the entry's inclusion proof and the salts and\n"
     "values of the fields asked for. Check it with 'clearance journal verify --disclosure FILE --public-key FILE'."},
    {"journal verify",
     "[--public-key FILE]\n"
     "       | --checkpoint FILE [--proof FILE [--old-checkpoint FILE]] --public-key FILE\n"
     "       | --checkpoint FILE --entries FILE [--sum F [--by F] [--kind K]] --public-key FILE\n"
     "       | --disclosure FILE --public-key FILE",
     "Verify the whole log against every checkpoint, or check checkpoints, proofs and disclosures from files.",
     verify_opts, 0, 0, run_verify,
     "Without --checkpoint or --disclosure: rebuilds the tree from the stored entries, checks every stored hash,\n"
     "every checkpoint ever published and every stored opening, and names the first entry that does not match.\n"
     "With them: needs no database, only the files and the public key (docs/disclosure.md).\n"
     "Exit status 1 when something does not verify."},
    {NULL, NULL, NULL, NULL, 0, 0, NULL, NULL},
};
