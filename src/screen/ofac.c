/* The OFAC legacy CSV set (sdn.csv, alt.csv, add.csv, sdn_comments.csv, and the non-SDN cons_*.csv files):
 * quoted fields, "-0-" for null, CRLF or LF, a trailing 0x1A; the files joined by entity number. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "screen_int.h"

static bool is_null(const char *s, size_t n)
{
    while (n && isspace((unsigned char)*s)) {
        s++;
        n--;
    }
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    return n == 0 || (n == 3 && memcmp(s, "-0-", 3) == 0);
}

static bool parse_num(const char *s, size_t n, long *out)
{
    while (n && isspace((unsigned char)*s)) {
        s++;
        n--;
    }
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    if (n == 0 || n > 9) return false;
    long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i])) return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

/* Entity number to entry index: open addressing, sized for the primary file. */
struct num_map {
    long *keys;
    size_t *vals;
    size_t cap;
};

static bool map_init(struct num_map *m, size_t n)
{
    m->cap = 1024;
    while (m->cap < n * 2)
        m->cap *= 2;
    m->keys = malloc(m->cap * sizeof(long));
    m->vals = malloc(m->cap * sizeof(size_t));
    if (!m->keys || !m->vals) return false;
    for (size_t i = 0; i < m->cap; i++)
        m->keys[i] = -1;
    return true;
}

static void map_free(struct num_map *m)
{
    free(m->keys);
    free(m->vals);
}

static bool map_put(struct num_map *m, long k, size_t v)
{
    size_t i = (size_t)k * 2654435761u & (m->cap - 1);
    while (m->keys[i] >= 0) {
        if (m->keys[i] == k) return false;
        i = (i + 1) & (m->cap - 1);
    }
    m->keys[i] = k;
    m->vals[i] = v;
    return true;
}

static bool map_get(const struct num_map *m, long k, size_t *out)
{
    size_t i = (size_t)k * 2654435761u & (m->cap - 1);
    while (m->keys[i] >= 0) {
        if (m->keys[i] == k) {
            *out = m->vals[i];
            return true;
        }
        i = (i + 1) & (m->cap - 1);
    }
    return false;
}

/* Facts in the remarks: "DOB 01 Jan 1962", "DOB 1974 to 1975", "nationality Iran", "citizen Iran",
 * "a.k.a. 'BNC'" (a weak alias). */
static enum cl_err parse_remarks(struct cl_screen_lists *l, struct cl_screen_entry *e, const char *r)
{
    enum cl_err rc = CL_OK;
    const char *p = r;
    while (*p && !rc) {
        const char *semi = strchr(p, ';');
        size_t n = semi ? (size_t)(semi - p) : strlen(p);
        while (n && isspace((unsigned char)*p)) {
            p++;
            n--;
        }
        const char *item = p;
        if (n > 4 && strncmp(item, "alt. ", 5) == 0) {
            item += 5;
            n -= 5;
        }
        if (n > 4 && strncmp(item, "DOB ", 4) == 0) {
            char buf[64];
            size_t k = n - 4 < sizeof(buf) - 1 ? n - 4 : sizeof(buf) - 1;
            memcpy(buf, item + 4, k);
            buf[k] = '\0';
            int years[2], ny = 0;
            for (const char *q = buf; *q && ny < 2;) {
                if (isdigit((unsigned char)*q)) {
                    int v = 0, d = 0;
                    while (isdigit((unsigned char)*q)) {
                        if (d < 6) v = v * 10 + (*q - '0');
                        d++;
                        q++;
                    }
                    if (d == 4) years[ny++] = v;
                } else {
                    q++;
                }
            }
            char out[32];
            if (ny == 2 && strstr(buf, " to "))
                snprintf(out, sizeof(out), "%d..%d", years[0], years[1]);
            else if (ny >= 1)
                snprintf(out, sizeof(out), "%d", years[0]);
            else
                out[0] = '\0';
            if (out[0]) rc = sn_entry_add_birth(l, e, out, strlen(out));
        } else if (n > 12 && strncmp(item, "nationality ", 12) == 0) {
            rc = sn_entry_add_country(l, e, item + 12, n - 12);
        } else if (n > 8 && strncmp(item, "citizen ", 8) == 0) {
            rc = sn_entry_add_country(l, e, item + 8, n - 8);
        }
        /* weak aliases: a.k.a. 'NAME' (possibly several in one item) */
        for (const char *a = item; a < item + n && !rc;) {
            const char *hit = strstr(a, "a.k.a. '");
            if (!hit || hit >= item + n) break;
            const char *s = hit + 8;
            const char *end = s;
            while (end < item + n && !(*end == '\'' && (end + 1 >= item + n || end[1] == '.' || end[1] == ';' ||
                                                        end[1] == ',' || end[1] == ' ' || end[1] == '\0')))
                end++;
            if (end > s && end <= item + n) rc = sn_entry_add_name(l, e, s, (size_t)(end - s), CL_SCREEN_NAME_WEAK);
            a = end + 1;
        }
        if (!semi) break;
        p = semi + 1;
    }
    return rc;
}

static enum cl_screen_type parse_type(const char *s, size_t n)
{
    if (is_null(s, n)) return CL_SCREEN_TYPE_ENTITY;
    if (n >= 10 && strncasecmp(s, "individual", 10) == 0) return CL_SCREEN_TYPE_INDIVIDUAL;
    if (n >= 6 && strncasecmp(s, "vessel", 6) == 0) return CL_SCREEN_TYPE_VESSEL;
    if (n >= 8 && strncasecmp(s, "aircraft", 8) == 0) return CL_SCREEN_TYPE_AIRCRAFT;
    return CL_SCREEN_TYPE_ENTITY;
}

static const size_t want_fields[] = {12, 5, 6, 2};

enum cl_err sn_read_ofac_set(struct cl_screen_lists *l, const struct cl_screen_read_options *opt, bool nonsdn,
                             struct sn_ofac_file *files, size_t n_files, struct cl_error *err)
{
    enum cl_err rc = CL_OK;
    struct num_map map = {0};
    size_t first = l->n_entries;
    char **remarks = NULL; /* joined remarks per entry of this set, malloc'd */
    size_t n_rem = 0;
    struct sn_ofac_file *order[4] = {0};
    for (size_t i = 0; i < n_files; i++)
        order[files[i].kind] = &files[i];
    if (!map_init(&map, 65536)) {
        rc = cl_error_set(err, CL_ERR_NOMEM, "out of memory");
        goto out;
    }
    /* primary, then comments (they continue the remarks), then aliases and addresses */
    static const enum sn_ofac_kind seq[] = {SN_OFAC_PRIMARY, SN_OFAC_COMMENTS, SN_OFAC_ALT, SN_OFAC_ADD};
    for (size_t s = 0; s < 4; s++) {
        struct sn_ofac_file *f = order[seq[s]];
        if (!f) continue;
        struct sn_read_ctx ctx = {l, f->rep, opt, f->file};
        struct sn_csv c;
        sn_csv_init(&c, f->file, f->buf, f->len, ',');
        for (;;) {
            struct cl_error re = {0};
            int r = sn_csv_next(&c, &re);
            if (r == 0) break;
            if (r < 0) {
                rc = sn_row_error(&ctx, &re, err);
                if (rc) break;
                continue;
            }
            f->rep->rows++;
            long num = 0;
            size_t n0;
            const char *f0 = sn_csv_field(&c, 0, &n0);
            if (c.n_fields != want_fields[f->kind]) {
                cl_error_set(&re, CL_ERR_INPUT, "%s:%zu: %zu fields, expected %zu", f->file, c.line, c.n_fields,
                             want_fields[f->kind]);
            } else if (!parse_num(f0, n0, &num)) {
                cl_error_set(&re, CL_ERR_INPUT, "%s:%zu: entity number \"%.20s\" is not a number", f->file, c.line, f0);
            }
            if (re.code) {
                f->rep->rows--;
                rc = sn_row_error(&ctx, &re, err);
                if (rc) break;
                continue;
            }
            size_t idx = 0;
            if (f->kind == SN_OFAC_PRIMARY) {
                size_t nl;
                const char *name = sn_csv_field(&c, 1, &nl);
                if (is_null(name, nl)) {
                    cl_error_set(&re, CL_ERR_INPUT, "%s:%zu: entry %ld has no name", f->file, c.line, num);
                } else if (map_get(&map, num, &idx)) {
                    cl_error_set(&re, CL_ERR_INPUT, "%s:%zu: entity number %ld appears twice", f->file, c.line, num);
                }
                if (re.code) {
                    f->rep->rows--;
                    rc = sn_row_error(&ctx, &re, err);
                    if (rc) break;
                    continue;
                }
                struct cl_screen_entry *e = sn_lists_add_entry(l);
                if (!e || !map_put(&map, num, l->n_entries - 1)) {
                    rc = cl_error_set(err, CL_ERR_LIMIT, "%s:%zu: too many entries", f->file, c.line);
                    break;
                }
                char id[32];
                snprintf(id, sizeof(id), "%s:%ld", nonsdn ? "nonsdn" : "sdn", num);
                e->list = nonsdn ? "ofac-nonsdn" : "ofac-sdn";
                e->id = sn_lists_str(l, id, strlen(id));
                e->source = nonsdn ? "NON-SDN" : "SDN";
                size_t tl, pl, rl;
                const char *type = sn_csv_field(&c, 2, &tl);
                e->type = parse_type(type, tl);
                const char *prog = sn_csv_field(&c, 3, &pl);
                if (!is_null(prog, pl)) e->programs = sn_lists_str(l, prog, pl);
                const char *rem = sn_csv_field(&c, 11, &rl);
                if (!is_null(rem, rl)) e->remarks = sn_lists_str(l, rem, rl);
                if (!e->id || sn_entry_add_name(l, e, name, nl, CL_SCREEN_NAME_PRIMARY)) {
                    rc = cl_error_set(err, CL_ERR_NOMEM, "out of memory");
                    break;
                }
                continue;
            }
            if (!map_get(&map, num, &idx)) {
                f->rep->orphans++;
                continue;
            }
            struct cl_screen_entry *e = &l->entries[idx];
            enum cl_err arc = CL_OK;
            if (f->kind == SN_OFAC_COMMENTS) {
                size_t tl;
                const char *t = sn_csv_field(&c, 1, &tl);
                if (is_null(t, tl)) continue;
                size_t old = e->remarks ? strlen(e->remarks) : 0;
                char *joined = cl_arena_alloc(&l->arena, old + tl + 1);
                if (!joined) {
                    arc = CL_ERR_NOMEM;
                } else {
                    if (old) memcpy(joined, e->remarks, old);
                    memcpy(joined + old, t, tl);
                    joined[old + tl] = '\0';
                    e->remarks = joined;
                }
            } else if (f->kind == SN_OFAC_ALT) {
                size_t kl, nl;
                const char *kind = sn_csv_field(&c, 2, &kl);
                const char *name = sn_csv_field(&c, 3, &nl);
                enum cl_screen_name_kind k = CL_SCREEN_NAME_AKA;
                if (kl == 3 && strncasecmp(kind, "fka", 3) == 0)
                    k = CL_SCREEN_NAME_FKA;
                else if (kl == 3 && strncasecmp(kind, "nka", 3) == 0)
                    k = CL_SCREEN_NAME_NKA;
                if (!is_null(name, nl)) arc = sn_entry_add_name(l, e, name, nl, k);
            } else {
                size_t cl;
                const char *country = sn_csv_field(&c, 4, &cl);
                if (!is_null(country, cl)) arc = sn_entry_add_country(l, e, country, cl);
            }
            if (arc) {
                rc = cl_error_set(err, arc, "%s:%zu: %s", f->file, c.line, cl_strerror(arc));
                break;
            }
        }
        sn_csv_release(&c);
        if (rc) goto out;
    }
    /* facts in the joined remarks */
    (void)n_rem;
    for (size_t i = first; i < l->n_entries; i++) {
        struct cl_screen_entry *e = &l->entries[i];
        if (e->remarks && parse_remarks(l, e, e->remarks)) {
            rc = cl_error_set(err, CL_ERR_NOMEM, "out of memory");
            goto out;
        }
    }
out:
    free(remarks);
    map_free(&map);
    return rc;
}
