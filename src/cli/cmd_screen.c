/* CLI commands of restricted-party screening: lists import, lists status, screen (names or a batch file), match. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clearance/app.h"
#include "clearance/screen.h"
#include "clearance/store.h"
#include "cli.h"

/* ---- shared -------------------------------------------------------------------------------------------------- */

/* Thresholds: defaults, then --config FILE, then --review / --block / --max. */
static enum cl_err load_config(const struct cli_cmd *cmd, const struct cli_args *args, struct cl_screen_config *c,
                               struct cl_error *err)
{
    cl_screen_config_init(c);
    const char *path = cli_opt(cmd, args, "config");
    if (path) {
        enum cl_err rc = cl_screen_config_load(path, c, err);
        if (rc) return rc;
    }
    const char *names[] = {"review", "block"};
    double *fields[] = {&c->review, &c->block};
    for (int i = 0; i < 2; i++) {
        const char *v = cli_opt(cmd, args, names[i]);
        if (!v) continue;
        char *end;
        errno = 0;
        double d = strtod(v, &end);
        if (errno || end == v || *end)
            return cl_error_set(err, CL_ERR_USAGE, "--%s: \"%s\" is not a number", names[i], v);
        *fields[i] = d;
    }
    const char *m = cli_opt(cmd, args, "max");
    if (m) {
        char *end;
        long n = strtol(m, &end, 10);
        if (*end || n < 1 || n > CL_LIMIT_SCREEN_MATCHES)
            return cl_error_set(err, CL_ERR_USAGE, "--max: a number of matches from 1 to %d", CL_LIMIT_SCREEN_MATCHES);
        c->max_matches = (size_t)n;
    }
    enum cl_err rc = cl_screen_config_check(c, err);
    if (rc) err->code = CL_ERR_USAGE;
    return rc;
}

static enum cl_err open_store(const struct cli *cli, struct cl_store **out, struct cl_error *err)
{
    enum cl_err rc = cl_store_open(cli->db_path, NULL, out, err);
    if (rc) return rc;
    rc = cl_screen_store_migrate(*out, err);
    if (rc) {
        cl_store_close(*out);
        *out = NULL;
    }
    return rc;
}

/* Loads the stored lists and builds the index. */
static enum cl_err load_index(const struct cli *cli, struct cl_screen_lists *lists, struct cl_screen_index **idx,
                              struct cl_error *err)
{
    struct cl_store *st = NULL;
    cl_screen_lists_init(lists);
    enum cl_err rc = open_store(cli, &st, err);
    if (rc) return rc;
    rc = cl_store_begin(st, CL_TX_READ, err);
    if (!rc) rc = cl_screen_store_load(st, lists, err);
    cl_store_rollback(st);
    cl_store_close(st);
    if (rc) return rc;
    if (lists->n_entries == 0)
        return cl_error_set(err, CL_ERR_NOT_FOUND, "no restricted-party list in %s (see 'clearance lists import')",
                            cli->db_path);
    return cl_screen_index_build(lists, idx, err);
}

/* A progress bar on stderr, only when it is a terminal. */
struct progress {
    bool on;
    const char *what;
    time_t last;
};

static void progress_show(void *ctx, size_t done, size_t total)
{
    struct progress *p = ctx;
    if (!p->on || total == 0) return;
    time_t now = time(NULL);
    if (done < total && now == p->last) return;
    p->last = now;
    int width = 40, filled = (int)((double)done / (double)total * width);
    if (filled > width) filled = width;
    fprintf(stderr, "\r%s [", p->what);
    for (int i = 0; i < width; i++)
        fputc(i < filled ? '#' : '.', stderr);
    fprintf(stderr, "] %3d%%", (int)(100.0 * (double)done / (double)total));
    if (done >= total) fputc('\n', stderr);
    fflush(stderr);
}

static bool parse_party_opts(const struct cli *cli, const struct cli_cmd *cmd, const struct cli_args *args,
                             struct cl_screen_party *p, int *status)
{
    p->country = cli_opt(cmd, args, "country");
    const char *dob = cli_opt(cmd, args, "dob");
    if (dob) {
        char *end;
        long y = strtol(dob, &end, 10);
        if (y < 1800 || y > 2200 || (*end && *end != '-')) {
            *status = cli_usage_error(cli, cmd, "--dob: a year of birth (YYYY or YYYY-MM-DD), not \"%s\"", dob);
            return false;
        }
        p->birth_year = (int)y;
    }
    const char *type = cli_opt(cmd, args, "type");
    if (type && !cl_screen_type_parse(type, &p->type)) {
        *status = cli_usage_error(cli, cmd, "--type: individual, entity, vessel or aircraft, not \"%s\"", type);
        return false;
    }
    return true;
}

static void print_explain(const struct cl_screen_explain *e, const char *indent)
{
    printf("%s", indent);
    bool first = true;
    for (size_t i = 0; i < e->n_tokens; i++) {
        const struct cl_screen_token_match *t = &e->tokens[i];
        if (!first) printf(", ");
        first = false;
        if (t->how == CL_SCREEN_HOW_UNMATCHED)
            printf("%s%s unmatched", t->query ? t->query : t->listed, t->query ? " (query)" : " (listed)");
        else if (t->how == CL_SCREEN_HOW_EXACT)
            printf("%s = %s", t->query, t->listed);
        else
            printf("%s ~ %s (%s %.2f)", t->query, t->listed, cl_screen_how_name(t->how), t->similarity);
    }
    printf("\n");
    if (e->qualifiers) printf("%s%s\n", indent, e->qualifiers);
}

static void print_result(const char *query, const struct cl_screen_result *r)
{
    printf("%s: %s", query, cl_screen_decision_name(r->decision));
    if (r->n_matches) printf(" (best score %.3f)", r->best_score);
    printf("\n");
    for (size_t i = 0; i < r->n_matches; i++) {
        const struct cl_screen_match *m = &r->matches[i];
        printf("  %.3f  %-11s %-16s %-5s %-10s %s\n", m->explain.score, m->list, m->entry_id, m->source,
               cl_screen_type_name(m->entry->type), m->matched_name);
        print_explain(&m->explain, "         ");
    }
}

/* ---- lists import / status ----------------------------------------------------------------------------------- */

static int run_import(struct cli *cli, const struct cli_cmd *cmd, struct cli_args *args)
{
    struct cl_error err = {0};
    struct cl_screen_config cfg;
    if (load_config(cmd, args, &cfg, &err)) return cli_fail(cli, &err);
    struct progress pr = {isatty(STDERR_FILENO) && !cli->json, "reading", 0};
    struct cl_screen_read_options opt = {cli_flag(cmd, args, "skip-bad"), progress_show, &pr};
    struct cl_screen_lists lists;
    cl_screen_lists_init(&lists);
    struct cl_store *st = NULL;
    struct cl_screen_import_report rep = {0};
    int status = CLI_EXIT_OK;
    if (cl_screen_lists_read_files(&lists, (const char *const *)args->pos, (size_t)args->npos, &opt, &err) ||
        open_store(cli, &st, &err) || cl_screen_store_import(st, &lists, &cfg, cl_time_now(), &rep, &err)) {
        status = cli_fail(cli, &err);
        goto out;
    }
    /* carry the changed decisions into the ledger and journal the import */
    const struct cl_reference *ref = cli_reference(cli, &err);
    struct cl_app *app = NULL;
    struct cl_app_actor who = {cli_actor(cmd, args), cl_time_now(), CL_DATE_NONE, "restricted-party list import"};
    if (!ref || cl_app_open(ref, cli->db_path, NULL, &app, &err) || cl_app_lists_imported(app, &who, &rep, NULL, &err)) {
        cl_app_close(app);
        status = cli_fail(cli, &err);
        goto out;
    }
    cl_app_close(app);
    if (cli->json) {
        json_t *o = json_object(), *files = json_array(), *ls = json_array(), *sk = json_array(), *su = json_array();
        for (size_t i = 0; i < lists.n_files; i++) {
            const struct cl_screen_file_report *f = &lists.files[i];
            json_array_append_new(files, json_pack("{s:s, s:s, s:s?, s:I, s:I, s:I}", "path", f->path, "format",
                                                   f->format, "list", f->list, "rows", (json_int_t)f->rows, "skipped",
                                                   (json_int_t)f->skipped, "orphans", (json_int_t)f->orphans));
        }
        for (size_t i = 0; i < lists.n_skipped; i++)
            json_array_append_new(sk, json_string(lists.skipped[i]));
        for (size_t i = 0; i < rep.n_lists; i++) {
            const struct cl_screen_list_delta *d = &rep.lists[i];
            json_array_append_new(ls, json_pack("{s:s, s:I, s:I, s:I, s:I, s:I}", "list", d->list, "version",
                                                (json_int_t)d->version, "entries", (json_int_t)d->entries, "added",
                                                (json_int_t)d->added, "removed", (json_int_t)d->removed, "changed",
                                                (json_int_t)d->changed));
        }
        for (size_t i = 0; i < rep.n_subjects; i++) {
            const struct cl_screen_subject_change *c = &rep.subjects[i];
            json_array_append_new(su, json_pack("{s:s, s:s, s:s, s:f, s:f}", "key", c->key, "before",
                                                cl_screen_decision_name(c->before), "after",
                                                cl_screen_decision_name(c->after), "score_before", c->score_before,
                                                "score_after", c->score_after));
        }
        json_object_set_new(o, "files", files);
        json_object_set_new(o, "skipped_rows", sk);
        json_object_set_new(o, "lists", ls);
        json_object_set_new(o, "subjects_rescreened", json_integer((json_int_t)rep.subjects_rescreened));
        json_object_set_new(o, "subjects_changed", su);
        status = cli_print_json(o);
        goto out;
    }
    for (size_t i = 0; i < lists.n_files; i++) {
        const struct cl_screen_file_report *f = &lists.files[i];
        printf("%s: %s, %zu rows", f->path, f->format, f->rows);
        if (f->skipped) printf(", %zu skipped", f->skipped);
        if (f->orphans) printf(", %zu naming entries absent from the primary file (ignored)", f->orphans);
        printf("\n");
    }
    for (size_t i = 0; i < lists.n_skipped; i++)
        printf("  skipped: %s\n", lists.skipped[i]);
    for (size_t i = 0; i < rep.n_lists; i++) {
        const struct cl_screen_list_delta *d = &rep.lists[i];
        printf("%s: version %lld, %zu entries (%zu added, %zu removed, %zu changed)\n", d->list, (long long)d->version,
               d->entries, d->added, d->removed, d->changed);
    }
    printf("%zu screening subjects re-screened against the changes", rep.subjects_rescreened);
    printf(rep.n_subjects ? "; decisions changed:\n" : "; no decision changed\n");
    for (size_t i = 0; i < rep.n_subjects; i++) {
        const struct cl_screen_subject_change *c = &rep.subjects[i];
        printf("  %s: %s (%.3f) -> %s (%.3f)\n", c->key, cl_screen_decision_name(c->before), c->score_before,
               cl_screen_decision_name(c->after), c->score_after);
    }
out:
    cl_screen_import_report_release(&rep);
    cl_store_close(st);
    cl_screen_lists_release(&lists);
    return status;
}

static int run_party_screen(struct cli *cli, const struct cli_cmd *cmd, struct cli_args *args)
{
    struct cl_error err = {0};
    struct cl_screen_config cfg;
    if (load_config(cmd, args, &cfg, &err)) return cli_fail(cli, &err);
    struct cl_screen_lists lists;
    struct cl_screen_index *idx = NULL;
    const struct cl_reference *ref = NULL;
    struct cl_app *app = NULL;
    json_t *out = NULL;
    struct cl_app_actor who = {cli_actor(cmd, args), cl_time_now(), CL_DATE_NONE, cli_opt(cmd, args, "reason")};
    int status = CLI_EXIT_OK;
    if (load_index(cli, &lists, &idx, &err) || !(ref = cli_reference(cli, &err)) ||
        cl_app_open(ref, cli->db_path, NULL, &app, &err)) {
        status = cli_fail(cli, &err);
        goto out;
    }
    for (int i = 0; i < args->npos; i++) {
        if (cl_app_party_screen(app, idx, &cfg, &who, args->pos[i], &out, &err)) {
            status = cli_fail(cli, &err);
            goto out;
        }
        const json_t *r = json_object_get(out, "screening");
        if (cli->json) {
            cli_print_json(out);
        } else {
            printf("%s: %s  (%s; lists %s)\n", json_string_value(json_object_get(out, "party")),
                   json_string_value(json_object_get(r, "decision")), json_string_value(json_object_get(out, "summary")),
                   json_string_value(json_object_get(out, "list_version")));
            json_decref(out);
        }
        out = NULL;
        if (!strcmp(json_string_value(json_object_get(r, "decision")) ? json_string_value(json_object_get(r, "decision")) : "", "block"))
            status = CLI_EXIT_REFUSED;
    }
out:
    cl_app_close(app);
    cl_screen_index_free(idx);
    cl_screen_lists_release(&lists);
    return status;
}

static int run_status(struct cli *cli, const struct cli_cmd *cmd, struct cli_args *args)
{
    (void)cmd;
    (void)args;
    struct cl_error err = {0};
    struct cl_store *st = NULL;
    if (open_store(cli, &st, &err)) return cli_fail(cli, &err);
    struct cl_screen_list_status s[16];
    size_t n = 0;
    int status = CLI_EXIT_OK;
    if (cl_screen_store_status(st, s, 16, &n, &err)) {
        status = cli_fail(cli, &err);
        goto out;
    }
    if (n > 16) n = 16;
    if (cli->json) {
        json_t *arr = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(arr, json_pack("{s:s, s:I, s:s, s:s, s:I, s:I, s:I, s:I, s:I}", "list", s[i].list,
                                                 "version", (json_int_t)s[i].version, "imported_at", s[i].imported_at,
                                                 "files", s[i].files, "entries", (json_int_t)s[i].entries, "names",
                                                 (json_int_t)s[i].names, "added", (json_int_t)s[i].added, "removed",
                                                 (json_int_t)s[i].removed, "changed", (json_int_t)s[i].changed));
        status = cli_print_json(arr);
        goto out;
    }
    if (n == 0) printf("no restricted-party list imported (see 'clearance lists import')\n");
    for (size_t i = 0; i < n; i++)
        printf("%-12s version %lld, %zu entries, %zu names, imported %s from %s\n"
               "%-12s last change: %zu added, %zu removed, %zu changed\n",
               s[i].list, (long long)s[i].version, s[i].entries, s[i].names, s[i].imported_at, s[i].files, "",
               s[i].added, s[i].removed, s[i].changed);
out:
    cl_store_close(st);
    return status;
}

/* ---- screen -------------------------------------------------------------------------------------------------- */

/* The names of a batch file: one a line, or a CSV whose header has a "name" column. */
struct batch {
    char *buf;
    size_t len;
    char *p;
    int name_col; /* -1: plain lines */
    size_t line;
};

static int csv_column(const char *line, const char *name)
{
    int col = 0;
    const char *p = line;
    while (*p) {
        const char *e = p;
        while (*e && *e != ',')
            e++;
        const char *s = p;
        size_t n = (size_t)(e - s);
        if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
            s++;
            n -= 2;
        }
        if (n == strlen(name) && strncasecmp(s, name, n) == 0) return col;
        col++;
        p = *e ? e + 1 : e;
    }
    return -1;
}

/* Field col of a CSV line (quotes handled; "" inside quotes), copied into out. */
static void csv_get(const char *line, int col, char *out, size_t cap)
{
    int c = 0;
    const char *p = line;
    size_t k = 0;
    out[0] = '\0';
    while (*p) {
        bool q = *p == '"';
        if (q) p++;
        while (*p) {
            if (q && *p == '"') {
                if (p[1] == '"') {
                    if (c == col && k + 1 < cap) out[k++] = '"';
                    p += 2;
                    continue;
                }
                p++;
                q = false;
                continue;
            }
            if (!q && *p == ',') break;
            if (c == col && k + 1 < cap) out[k++] = *p;
            p++;
        }
        if (c == col) break;
        c++;
        if (*p == ',') p++;
    }
    out[k] = '\0';
}

static int run_batch(struct cli *cli, const struct cli_cmd *cmd, const struct cl_screen_index *idx,
                     const struct cl_screen_config *cfg, const struct cl_screen_party *proto, const char *path,
                     bool full_scan)
{
    struct cl_error err = {0};
    struct batch b = {0};
    if (cl_file_read(path, CL_LIMIT_LIST_FILE_BYTES, &b.buf, &b.len, &err)) return cli_fail(cli, &err);
    (void)cmd;
    b.p = b.buf;
    b.name_col = -1;
    /* a header with a name column makes it a CSV */
    char *nl = strchr(b.p, '\n');
    if (nl) {
        *nl = '\0';
        if (nl > b.p && nl[-1] == '\r') nl[-1] = '\0';
        if (strchr(b.p, ',')) b.name_col = csv_column(b.p, "name");
        if (b.name_col >= 0) {
            b.p = nl + 1;
            b.line = 1;
        } else {
            *nl = '\n';
            if (nl > b.p && nl[-1] == '\0') nl[-1] = '\r';
        }
    }
    struct progress pr = {isatty(STDERR_FILENO), "screening", 0};
    int status = CLI_EXIT_OK;
    size_t rows = 0, counts[3] = {0};
    struct cl_arena arena;
    cl_arena_init(&arena, 0);
    while (*b.p) {
        char *end = strchr(b.p, '\n');
        if (end) *end = '\0';
        size_t l = strlen(b.p);
        if (l && b.p[l - 1] == '\r') b.p[--l] = '\0';
        b.line++;
        char name[CL_LIMIT_NAME_BYTES + 1];
        if (b.name_col >= 0)
            csv_get(b.p, b.name_col, name, sizeof(name));
        else
            cl_strlcpy(name, b.p, sizeof(name));
        b.p = end ? end + 1 : b.p + l;
        if (!name[0]) continue;
        if (++rows > CL_LIMIT_BATCH_ROWS) {
            cl_error_set(&err, CL_ERR_LIMIT, "%s: more than %d rows", path, CL_LIMIT_BATCH_ROWS);
            status = cli_fail(cli, &err);
            break;
        }
        struct cl_screen_party p = *proto;
        const char *names[1] = {name};
        p.names = names;
        p.n_names = 1;
        struct cl_screen_result r;
        if (cl_screen_party_screen(idx, cfg, &p, full_scan, &arena, &r, &err)) {
            cl_error_prefix(&err, "%s:%zu", path, b.line);
            status = cli_fail(cli, &err);
            break;
        }
        counts[r.decision]++;
        if (cli->json) {
            json_t *o = cl_screen_result_to_json(&r);
            json_object_set_new(o, "query", json_string(name));
            if (cli_print_jsonl(o)) {
                status = CLI_EXIT_IO;
                break;
            }
        } else {
            const struct cl_screen_match *m = r.n_matches ? &r.matches[0] : NULL;
            printf("%s\t%s\t%.3f\t%s\t%s\t%s\n", name, cl_screen_decision_name(r.decision), r.best_score,
                   m ? m->list : "", m ? m->entry_id : "", m ? m->matched_name : "");
        }
        cl_arena_release(&arena);
        progress_show(&pr, (size_t)(b.p - b.buf), b.len);
    }
    if (fflush(stdout) && status == CLI_EXIT_OK) status = CLI_EXIT_IO;
    if (status == CLI_EXIT_OK && !cli->json)
        fprintf(stderr, "%zu names: %zu clear, %zu review, %zu block\n", rows, counts[0], counts[1], counts[2]);
    cl_arena_release(&arena);
    free(b.buf);
    return status;
}

/* The names screened by a server (POST /v1/screen), printed as the local command prints them. */
static int screen_remote(struct cli *cli, const struct cli_cmd *cmd, struct cli_args *args)
{
    struct cl_error err = {0};
    json_t *req = json_object(), *names = json_array();
    bool aliases = cli_flag(cmd, args, "aliases");
    for (int i = aliases ? 1 : 0; i < args->npos; i++) json_array_append_new(names, json_string(args->pos[i]));
    if (aliases) {
        json_object_set_new(req, "name", json_string(args->pos[0]));
        json_object_set_new(req, "aliases", names);
    } else {
        json_object_set_new(req, "names", names);
    }
    static const char *const text_opts[] = {"country", "type"};
    for (size_t i = 0; i < 2; i++)
        if (cli_opt(cmd, args, text_opts[i])) json_object_set_new(req, text_opts[i], json_string(cli_opt(cmd, args, text_opts[i])));
    if (cli_opt(cmd, args, "dob")) json_object_set_new(req, "dob", json_integer(atoi(cli_opt(cmd, args, "dob"))));
    json_t *out = NULL;
    enum cl_err rc = cli_http(cli, "POST", "/v1/screen", req, &out, &err);
    json_decref(req);
    if (rc) return cli_fail(cli, &err);
    bool blocked = false;
    const json_t *results = json_object_get(out, "results");
    for (size_t i = 0; i < json_array_size(results); i++)
        blocked = blocked || !strcmp(jstr(json_array_get(results, i), "decision"), "block");
    if (cli->json) {
        int st = cli_print_json(out);
        return st ? st : blocked ? CLI_EXIT_REFUSED : CLI_EXIT_OK;
    }
    for (size_t i = 0; i < json_array_size(results); i++) {
        const json_t *r = json_array_get(results, i), *ms = json_object_get(r, "matches");
        printf("%s: %s (best score %.3f)\n", jstr(r, "query"), jstr(r, "decision"),
               json_number_value(json_object_get(r, "score")));
        for (size_t k = 0; k < json_array_size(ms); k++) {
            const json_t *m = json_array_get(ms, k);
            printf("  %.3f  %-10s  %-15s  %s\n", json_number_value(json_object_get(m, "score")), jstr(m, "list"),
                   jstr(m, "entry_id"), jstr(m, "matched_name"));
        }
    }
    printf("lists: %s\n", jstr(out, "list_version"));
    json_decref(out);
    return blocked ? CLI_EXIT_REFUSED : CLI_EXIT_OK;
}

static int run_screen(struct cli *cli, const struct cli_cmd *cmd, struct cli_args *args)
{
    struct cl_error err = {0};
    const char *batch = cli_opt(cmd, args, "batch");
    if (!batch && args->npos == 0) return cli_usage_error(cli, cmd, "give names to screen, or --batch FILE");
    if (batch && args->npos) return cli_usage_error(cli, cmd, "give either names or --batch FILE, not both");
    if (cli->server && !batch) return screen_remote(cli, cmd, args);
    if (cli->server) return cli_usage_error(cli, cmd, "--batch works on the local database only");
    struct cl_screen_config cfg;
    if (load_config(cmd, args, &cfg, &err)) return cli_fail(cli, &err);
    struct cl_screen_party proto = {0};
    int status = CLI_EXIT_OK;
    if (!parse_party_opts(cli, cmd, args, &proto, &status)) return status;
    bool full_scan = cli_flag(cmd, args, "full-scan");
    struct cl_screen_lists lists;
    struct cl_screen_index *idx = NULL;
    if (load_index(cli, &lists, &idx, &err)) {
        status = cli_fail(cli, &err);
        goto out;
    }
    if (batch) {
        status = run_batch(cli, cmd, idx, &cfg, &proto, batch, full_scan);
        goto out;
    }
    bool aliases = cli_flag(cmd, args, "aliases");
    json_t *arr = cli->json ? json_array() : NULL;
    bool blocked = false;
    for (int i = 0; i < args->npos; i++) {
        struct cl_arena arena;
        cl_arena_init(&arena, 0);
        struct cl_screen_party p = proto;
        p.names = (const char *const *)(aliases ? args->pos : &args->pos[i]);
        p.n_names = aliases ? (size_t)args->npos : 1;
        struct cl_screen_result r;
        if (cl_screen_party_screen(idx, &cfg, &p, full_scan, &arena, &r, &err)) {
            cl_arena_release(&arena);
            json_decref(arr);
            status = cli_fail(cli, &err);
            goto out;
        }
        blocked |= r.decision == CL_SCREEN_BLOCK;
        if (arr) {
            json_t *o = cl_screen_result_to_json(&r);
            if (aliases) {
                json_t *q = json_array();
                for (int k = 0; k < args->npos; k++)
                    json_array_append_new(q, json_string(args->pos[k]));
                json_object_set_new(o, "query", q);
            } else {
                json_object_set_new(o, "query", json_string(args->pos[i]));
            }
            json_array_append_new(arr, o);
        } else {
            print_result(aliases ? "party" : args->pos[i], &r);
        }
        cl_arena_release(&arena);
        if (aliases) break;
    }
    if (arr)
        status = cli_print_json(args->npos == 1 || aliases ? json_incref(json_array_get(arr, 0)) : json_incref(arr));
    json_decref(arr);
    if (status == CLI_EXIT_OK && blocked) status = CLI_EXIT_REFUSED;
out:
    cl_screen_index_free(idx);
    cl_screen_lists_release(&lists);
    return status;
}

/* ---- match --------------------------------------------------------------------------------------------------- */

static int run_match(struct cli *cli, const struct cli_cmd *cmd, struct cli_args *args)
{
    struct cl_error err = {0};
    enum cl_screen_type t = CL_SCREEN_TYPE_UNKNOWN;
    const char *type = cli_opt(cmd, args, "type");
    if (type && !cl_screen_type_parse(type, &t))
        return cli_usage_error(cli, cmd, "--type: individual, entity, vessel or aircraft, not \"%s\"", type);
    if (cli->server) {
        json_t *req = json_pack("{s:s, s:s}", "a", args->pos[0], "b", args->pos[1]), *out = NULL;
        if (type) json_object_set_new(req, "type", json_string(type));
        enum cl_err rc = cli_http(cli, "POST", "/v1/match", req, &out, &err);
        json_decref(req);
        if (rc) return cli_fail(cli, &err);
        if (cli->json) return cli_print_json(out);
        printf("%.3f  %s  ~  %s\n       normalised: \"%s\" ~ \"%s\" (%s)\n", json_number_value(json_object_get(out, "score")),
               args->pos[0], args->pos[1], jstr(out, "query_form"), jstr(out, "listed_form"), jstr(out, "variant"));
        json_decref(out);
        return CLI_EXIT_OK;
    }
    struct cl_arena arena;
    cl_arena_init(&arena, 0);
    struct cl_screen_explain e;
    int status = CLI_EXIT_OK;
    if (cl_screen_names_match(args->pos[0], args->pos[1], t, &arena, &e, &err)) {
        status = cli_fail(cli, &err);
        goto out;
    }
    if (cli->json) {
        json_t *o = cl_screen_explain_to_json(&e);
        json_object_set_new(o, "query", json_string(args->pos[0]));
        json_object_set_new(o, "listed", json_string(args->pos[1]));
        status = cli_print_json(o);
        goto out;
    }
    printf("%.3f  %s  ~  %s\n", e.score, args->pos[0], args->pos[1]);
    printf("       normalised: \"%s\" ~ \"%s\" (%s)\n", e.query_form, e.listed_form, e.variant);
    print_explain(&e, "       ");
out:
    cl_arena_release(&arena);
    return status;
}

/* ---- screening subjects ------------------------------------------------------------------------------------- */

static int run_subject_put(struct cli *cli, const struct cli_cmd *cmd, struct cli_args *args)
{
    struct cl_error err = {0};
    struct cl_screen_config cfg;
    if (load_config(cmd, args, &cfg, &err)) return cli_fail(cli, &err);
    struct cl_screen_subject subj = {args->pos[0], {0}};
    int status = CLI_EXIT_OK;
    if (!parse_party_opts(cli, cmd, args, &subj.party, &status)) return status;
    subj.party.names = (const char *const *)&args->pos[1];
    subj.party.n_names = (size_t)args->npos - 1;
    struct cl_screen_lists lists;
    struct cl_screen_index *idx = NULL;
    struct cl_store *st = NULL;
    struct cl_arena arena;
    cl_arena_init(&arena, 0);
    struct cl_screen_result r;
    if (load_index(cli, &lists, &idx, &err) || open_store(cli, &st, &err) ||
        cl_screen_subject_put(st, idx, &cfg, &subj, cl_time_now(), &arena, &r, &err)) {
        status = cli_fail(cli, &err);
        goto out;
    }
    if (cli->json) {
        json_t *o = cl_screen_result_to_json(&r);
        json_object_set_new(o, "key", json_string(subj.key));
        status = cli_print_json(o);
    } else {
        print_result(subj.key, &r);
    }
out:
    cl_arena_release(&arena);
    cl_store_close(st);
    cl_screen_index_free(idx);
    cl_screen_lists_release(&lists);
    return status;
}

static int run_subject_show(struct cli *cli, const struct cli_cmd *cmd, struct cli_args *args)
{
    (void)cmd;
    struct cl_error err = {0};
    struct cl_store *st = NULL;
    struct cl_arena arena;
    cl_arena_init(&arena, 0);
    struct cl_screen_subject_record rec = {0};
    int status = CLI_EXIT_OK;
    if (open_store(cli, &st, &err) || cl_screen_subject_get(st, args->pos[0], &arena, &rec, &err)) {
        status = cli_fail(cli, &err);
        goto out;
    }
    if (cli->json) {
        json_t *o = json_object(), *names = json_array();
        for (size_t i = 0; i < rec.n_names; i++)
            json_array_append_new(names, json_string(rec.names[i]));
        json_object_set_new(o, "key", json_string(rec.key));
        json_object_set_new(o, "names", names);
        json_object_set_new(o, "screened_at", json_string(rec.screened_at));
        json_object_set(o, "result", rec.result);
        status = cli_print_json(o);
        goto out;
    }
    printf("%s: %s (score %.3f), screened %s\n", rec.key, cl_screen_decision_name(rec.decision), rec.score,
           rec.screened_at);
    for (size_t i = 0; i < rec.n_names; i++)
        printf("  name     %s\n", rec.names[i]);
    if (rec.country) printf("  country  %s\n", rec.country);
    if (rec.birth_year) printf("  born     %d\n", rec.birth_year);
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(rec.result, "matches"), i, m)
    {
        printf("  %.3f  %-11s %-16s %s\n", json_number_value(json_object_get(m, "score")),
               json_string_value(json_object_get(m, "list")), json_string_value(json_object_get(m, "entry_id")),
               json_string_value(json_object_get(m, "matched_name")));
    }
out:
    json_decref(rec.result);
    cl_arena_release(&arena);
    cl_store_close(st);
    return status;
}

/* ---- table --------------------------------------------------------------------------------------------------- */

#define THRESHOLD_OPTS                                                                                                 \
    {"config", "FILE", "thresholds file (JSON: review, block, max_matches, country_match, ...)"},                      \
        {"review", "X", "score from which a name goes to review (default 0.82)"},                                      \
        {"block", "X", "score from which a name is blocked (default 0.95)"},                                           \
    {                                                                                                                  \
        "max", "N", "matches reported per name (default 10)"                                                           \
    }

static const struct cli_opt import_opts[] = {
    {"skip-bad", NULL, "skip malformed rows (each reported) instead of refusing the import"},
    THRESHOLD_OPTS,
    {NULL, NULL, NULL},
};
static const struct cli_opt status_opts[] = {{NULL, NULL, NULL}};
static const struct cli_opt party_screen_opts[] = {
    {"config", "FILE", "thresholds file (JSON: review, block, max_matches, country_match, ...)"},
    {"review", "X", "score from which a name goes to review (default 0.82)"},
    {"block", "X", "score from which a name is blocked (default 0.95)"},
    {"max", "N", "matches reported per party (default 10)"},
    {"as", "WHO", "who screens, for the record (default $CLEARANCE_ACTOR or the OS user)"},
    {"reason", "TEXT", "why, for the record"},
    {NULL, NULL, NULL},
};
static const struct cli_opt screen_opts[] = {
    {"batch", "FILE", "screen every name of FILE (one a line, or a CSV with a name column)"},
    {"aliases", NULL, "the names are one party's names and aliases: one result"},
    {"country", "C", "the party's country (name or ISO code): a qualifier"},
    {"dob", "YEAR", "the party's year of birth: a qualifier"},
    {"type", "T", "individual, entity, vessel or aircraft: a qualifier"},
    {"full-scan", NULL, "score every listed name instead of the index's candidates (slow; for checking)"},
    THRESHOLD_OPTS,
    {NULL, NULL, NULL},
};
static const struct cli_opt subject_opts[] = {
    {"country", "C", "the party's country (name or ISO code): a qualifier"},
    {"dob", "YEAR", "the party's year of birth: a qualifier"},
    {"type", "T", "individual, entity, vessel or aircraft: a qualifier"},
    THRESHOLD_OPTS,
    {NULL, NULL, NULL},
};
static const struct cli_opt match_opts[] = {
    {"type", "T", "the second name's type (individual enables the missing-middle-name rule)"},
    {NULL, NULL, NULL},
};

const struct cli_cmd cli_cmds_screen[] = {
    {"lists import", "FILE... [--skip-bad]",
     "Import restricted-party list files as the new version of their lists, and re-screen stored subjects.",
     import_opts, 1, -1, run_import,
     "Formats are detected: the OFAC legacy CSV set (sdn.csv with alt.csv, add.csv, sdn_comments.csv; cons_*.csv\n"
     "for the non-SDN list), the UN consolidated XML, the BIS Denied Persons tab file, the trade.gov Consolidated\n"
     "Screening List CSV. An import is all or nothing unless --skip-bad. Each list's new version records what was\n"
     "added, removed and changed; stored screening subjects are re-screened against those changes only."},
    {"lists status", "", "Show the stored lists: versions, counts, the last change.", status_opts, 0, 0, run_status,
     NULL},
    {"screen", "NAME... | --batch FILE [--country C] [--dob YEAR] [--type T] [--json]",
     "Screen names against the stored lists: a decision (clear, review, block) and explained matches.", screen_opts, 0,
     -1, run_screen,
     "Scores are in [0, 1]: at or above the review threshold a name goes to review, at or above the block\n"
     "threshold it is blocked. With --json, one document (several names: an array); with --batch and --json,\n"
     "JSON Lines. Exit status 1 when a name given on the command line is blocked."},
    {"match", "NAME1 NAME2 [--type T] [--json]", "Score one pair of names and explain the score.", match_opts, 2, 2,
     run_match, NULL},
    {"subject put", "KEY NAME... [--country C] [--dob YEAR] [--type T]",
     "Register or update a screening subject (a party kept screened), screen it and store the result.", subject_opts, 2,
     -1, run_subject_put,
     "KEY is the caller's (\"party:17\"); the names are the party's name and aliases. Every later 'lists import'\n"
     "re-screens the subject against what changed and reports decisions that changed."},
    {"party screen", "NAME... [--as WHO] [--review X] [--block X]",
     "Screen ledger parties now under every name they hold, and record each decision in the ledger.",
     party_screen_opts, 1, -1, run_party_screen,
     "The party's name, aliases and original-script names and its country are screened against the stored lists;\n"
     "the party is kept as a screening subject, so every later 'lists import' re-screens it and carries a changed\n"
     "decision into the ledger, where the ship gate reads it. Exit status 1 when a party is blocked."},
    {"subject show", "KEY", "Show a screening subject's latest stored result.", status_opts, 1, 1, run_subject_show,
     NULL},
    {NULL, NULL, NULL, NULL, 0, 0, NULL, NULL},
};
