/* The UN Security Council consolidated list (XML): a small non-recursive XML reader (elements, text, entities,
 * comments, CDATA) and the mapping of INDIVIDUAL and ENTITY records to entries. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "screen_int.h"

/* The record being read. */
struct un_rec {
    bool open;
    bool individual;
    char *parts[4]; /* FIRST_NAME .. FOURTH_NAME */
    char *dataid, *ref, *list_type;
    char *alias_quality;
    struct cl_screen_entry *e;
};

struct xml {
    const char *p, *end;
    size_t line;
    const char *file;
    char *text; /* text of the innermost element, malloc'd */
    size_t text_len, text_cap;
    char stack[CL_LIMIT_XML_DEPTH][40];
    int depth;
};

static bool text_put(struct xml *x, const char *s, size_t n)
{
    if (x->text_len + n + 1 > x->text_cap) {
        size_t cap = x->text_cap ? x->text_cap : 1024;
        while (cap < x->text_len + n + 1)
            cap *= 2;
        if (cap > CL_LIMIT_LIST_RECORD_BYTES) return false;
        char *t = realloc(x->text, cap);
        if (!t) return false;
        x->text = t;
        x->text_cap = cap;
    }
    memcpy(x->text + x->text_len, s, n);
    x->text_len += n;
    x->text[x->text_len] = '\0';
    return true;
}

static size_t utf8_encode(unsigned long c, char *out)
{
    if (c < 0x80) {
        out[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (char)(0xC0 | (c >> 6));
        out[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (char)(0xE0 | (c >> 12));
        out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        out[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (c >> 18));
    out[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((c >> 6) & 0x3F));
    out[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

/* Appends text with entities decoded. */
static enum cl_err text_decode(struct xml *x, const char *s, size_t n, struct cl_error *err)
{
    size_t i = 0;
    while (i < n) {
        const char *amp = memchr(s + i, '&', n - i);
        size_t run = amp ? (size_t)(amp - (s + i)) : n - i;
        if (run && !text_put(x, s + i, run)) goto limit;
        i += run;
        if (!amp) break;
        const char *semi = memchr(s + i, ';', n - i < 12 ? n - i : 12);
        if (!semi) return cl_error_set(err, CL_ERR_INPUT, "%s:%zu: unterminated entity", x->file, x->line);
        const char *name = s + i + 1;
        size_t nl = (size_t)(semi - name);
        char enc[4];
        size_t el = 0;
        if (nl == 3 && memcmp(name, "amp", 3) == 0)
            enc[el++] = '&';
        else if (nl == 2 && memcmp(name, "lt", 2) == 0)
            enc[el++] = '<';
        else if (nl == 2 && memcmp(name, "gt", 2) == 0)
            enc[el++] = '>';
        else if (nl == 4 && memcmp(name, "quot", 4) == 0)
            enc[el++] = '"';
        else if (nl == 4 && memcmp(name, "apos", 4) == 0)
            enc[el++] = '\'';
        else if (nl >= 2 && name[0] == '#') {
            unsigned long c = 0;
            bool hex = name[1] == 'x' || name[1] == 'X';
            size_t k = hex ? 2 : 1;
            if (k >= nl) return cl_error_set(err, CL_ERR_INPUT, "%s:%zu: bad character reference", x->file, x->line);
            for (; k < nl; k++) {
                int d;
                char ch = name[k];
                if (isdigit((unsigned char)ch))
                    d = ch - '0';
                else if (hex && isxdigit((unsigned char)ch))
                    d = (tolower((unsigned char)ch) - 'a') + 10;
                else
                    return cl_error_set(err, CL_ERR_INPUT, "%s:%zu: bad character reference", x->file, x->line);
                c = c * (hex ? 16u : 10u) + (unsigned long)d;
                if (c > 0x10FFFF) break;
            }
            if (c == 0 || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
                return cl_error_set(err, CL_ERR_INPUT, "%s:%zu: bad character reference", x->file, x->line);
            el = utf8_encode(c, enc);
        } else {
            return cl_error_set(err, CL_ERR_INPUT, "%s:%zu: unknown entity &%.*s;", x->file, x->line, (int)nl, name);
        }
        if (!text_put(x, enc, el)) goto limit;
        i = (size_t)(semi - s) + 1;
    }
    return CL_OK;
limit:
    return cl_error_set(err, CL_ERR_LIMIT, "%s:%zu: element text longer than %u bytes", x->file, x->line,
                        (unsigned)CL_LIMIT_LIST_RECORD_BYTES);
}

static void count_lines(struct xml *x, const char *from, const char *to)
{
    for (const char *c = from; c < to; c++)
        if (*c == '\n') x->line++;
}

static char *dup_text(struct cl_screen_lists *l, const char *s)
{
    const char *t = sn_lists_str(l, s, strlen(s));
    return (char *)t;
}

static bool in(const struct xml *x, int from_top, const char *name)
{
    return x->depth > from_top && strcmp(x->stack[x->depth - 1 - from_top], name) == 0;
}

/* An element closed: its text is x->text. */
static enum cl_err on_close(struct xml *x, struct un_rec *r, struct sn_read_ctx *rc, const char *name,
                            struct cl_error *err)
{
    struct cl_screen_lists *l = rc->l;
    const char *t = x->text ? x->text : "";
    size_t tl = x->text_len;
    enum cl_err e = CL_OK;
    if (!r->open) return CL_OK;
    if (strcmp(name, "INDIVIDUAL") == 0 || strcmp(name, "ENTITY") == 0) {
        /* the record is complete */
        char full[CL_LIMIT_NAME_BYTES * 2];
        size_t k = 0;
        for (int i = 0; i < 4; i++) {
            if (!r->parts[i]) continue;
            int w = snprintf(full + k, sizeof(full) - k, "%s%s", k ? " " : "", r->parts[i]);
            if (w > 0) k += (size_t)w;
            if (k >= sizeof(full)) k = sizeof(full) - 1;
        }
        struct cl_screen_entry *en = r->e;
        char id[64];
        snprintf(id, sizeof(id), "un:%s", r->ref ? r->ref : (r->dataid ? r->dataid : "?"));
        en->id = sn_lists_str(l, id, strlen(id));
        if (r->list_type) en->programs = r->list_type;
        if (k == 0 && en->n_names == 0)
            return cl_error_set(err, CL_ERR_INPUT, "%s:%zu: %s %s has no name", rc->file, x->line, name, id);
        if (k) {
            /* the full name goes first: shift it in front of aliases met earlier */
            e = sn_entry_add_name(l, en, full, k, CL_SCREEN_NAME_PRIMARY);
            if (e) return cl_error_set(err, e, "%s:%zu: %s", rc->file, x->line, cl_strerror(e));
            if (en->n_names > 1 && en->names[en->n_names - 1].kind == CL_SCREEN_NAME_PRIMARY) {
                struct cl_screen_name p = en->names[en->n_names - 1];
                memmove(en->names + 1, en->names, (en->n_names - 1) * sizeof(p));
                en->names[0] = p;
            }
        }
        if (!en->id) return cl_error_set(err, CL_ERR_NOMEM, "out of memory");
        rc->rep->rows++;
        memset(r, 0, sizeof(*r));
        return CL_OK;
    }
    static const char *const parts[] = {"FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME"};
    for (int i = 0; i < 4; i++)
        if (strcmp(name, parts[i]) == 0 && x->depth == 4) {
            r->parts[i] = dup_text(l, t);
            return CL_OK;
        }
    if (strcmp(name, "DATAID") == 0 && x->depth == 4)
        r->dataid = dup_text(l, t);
    else if (strcmp(name, "REFERENCE_NUMBER") == 0 && x->depth == 4)
        r->ref = dup_text(l, t);
    else if (strcmp(name, "UN_LIST_TYPE") == 0 && x->depth == 4)
        r->list_type = dup_text(l, t);
    else if (strcmp(name, "NAME_ORIGINAL_SCRIPT") == 0)
        e = sn_entry_add_name(l, r->e, t, tl, CL_SCREEN_NAME_ORIGINAL);
    else if (strcmp(name, "QUALITY") == 0)
        r->alias_quality = dup_text(l, t);
    else if (strcmp(name, "ALIAS_NAME") == 0) {
        enum cl_screen_name_kind k = CL_SCREEN_NAME_AKA;
        const char *q = r->alias_quality ? r->alias_quality : "";
        if (strcasecmp(q, "Low") == 0)
            k = CL_SCREEN_NAME_WEAK;
        else if (strcasecmp(q, "f.k.a.") == 0)
            k = CL_SCREEN_NAME_FKA;
        e = sn_entry_add_name(l, r->e, t, tl, k);
    } else if (strcmp(name, "VALUE") == 0 && in(x, 1, "NATIONALITY")) {
        e = sn_entry_add_country(l, r->e, t, tl);
    } else if (strcmp(name, "COUNTRY") == 0 && (in(x, 1, "INDIVIDUAL_ADDRESS") || in(x, 1, "ENTITY_ADDRESS"))) {
        e = sn_entry_add_country(l, r->e, t, tl);
    } else if (in(x, 1, "INDIVIDUAL_DATE_OF_BIRTH") &&
               (strcmp(name, "DATE") == 0 || strcmp(name, "YEAR") == 0 || strcmp(name, "FROM_YEAR") == 0)) {
        e = sn_entry_add_birth(l, r->e, t, tl);
    } else if (in(x, 1, "INDIVIDUAL_DATE_OF_BIRTH") && strcmp(name, "TO_YEAR") == 0 && r->e->n_births) {
        /* FROM_YEAR .. TO_YEAR: widen the last one into a range */
        char range[48];
        snprintf(range, sizeof(range), "%.8s..%.8s", r->e->births[r->e->n_births - 1], t);
        r->e->births[r->e->n_births - 1] = sn_lists_str(l, range, strlen(range));
        if (!r->e->births[r->e->n_births - 1]) e = CL_ERR_NOMEM;
    }
    if (e) return cl_error_set(err, e, "%s:%zu: %s", rc->file, x->line, cl_strerror(e));
    return CL_OK;
}

static enum cl_err on_open(struct xml *x, struct un_rec *r, struct sn_read_ctx *rc, const char *name,
                           struct cl_error *err)
{
    if ((strcmp(name, "INDIVIDUAL") == 0 || strcmp(name, "ENTITY") == 0) && x->depth == 3) {
        memset(r, 0, sizeof(*r));
        r->open = true;
        r->individual = name[0] == 'I';
        r->e = sn_lists_add_entry(rc->l);
        if (!r->e) return cl_error_set(err, CL_ERR_LIMIT, "%s:%zu: too many entries", rc->file, x->line);
        r->e->list = "un";
        r->e->source = "UN";
        r->e->type = r->individual ? CL_SCREEN_TYPE_INDIVIDUAL : CL_SCREEN_TYPE_ENTITY;
    }
    if (strcmp(name, "INDIVIDUAL_ALIAS") == 0 || strcmp(name, "ENTITY_ALIAS") == 0) r->alias_quality = NULL;
    return CL_OK;
}

enum cl_err sn_read_un_xml(struct sn_read_ctx *rc, const char *buf, size_t len, struct cl_error *err)
{
    struct xml x = {.p = buf, .end = buf + len, .line = 1, .file = rc->file};
    struct un_rec r;
    memset(&r, 0, sizeof(r));
    enum cl_err e = CL_OK;
    bool root_seen = false;
    while (x.p < x.end) {
        const char *lt = memchr(x.p, '<', (size_t)(x.end - x.p));
        if (!lt) {
            for (const char *c = x.p; c < x.end; c++)
                if (!isspace((unsigned char)*c)) {
                    e = cl_error_set(err, CL_ERR_INPUT, "%s:%zu: text after the document", x.file, x.line);
                    goto out;
                }
            break;
        }
        if (x.depth > 0) {
            e = text_decode(&x, x.p, (size_t)(lt - x.p), err);
            if (e) goto out;
        }
        count_lines(&x, x.p, lt);
        x.p = lt;
        size_t rest = (size_t)(x.end - x.p);
        if (rest >= 4 && memcmp(x.p, "<!--", 4) == 0) {
            const char *end = NULL;
            for (const char *c = x.p + 4; c + 2 < x.end; c++)
                if (c[0] == '-' && c[1] == '-' && c[2] == '>') {
                    end = c;
                    break;
                }
            if (!end) {
                e = cl_error_set(err, CL_ERR_INPUT, "%s:%zu: unterminated comment", x.file, x.line);
                goto out;
            }
            count_lines(&x, x.p, end);
            x.p = end + 3;
            continue;
        }
        if (rest >= 9 && memcmp(x.p, "<![CDATA[", 9) == 0) {
            const char *end = NULL;
            for (const char *c = x.p + 9; c + 2 < x.end; c++)
                if (c[0] == ']' && c[1] == ']' && c[2] == '>') {
                    end = c;
                    break;
                }
            if (!end) {
                e = cl_error_set(err, CL_ERR_INPUT, "%s:%zu: unterminated CDATA section", x.file, x.line);
                goto out;
            }
            if (x.depth > 0 && !text_put(&x, x.p + 9, (size_t)(end - (x.p + 9)))) {
                e = cl_error_set(err, CL_ERR_LIMIT, "%s:%zu: element text too long", x.file, x.line);
                goto out;
            }
            count_lines(&x, x.p, end);
            x.p = end + 3;
            continue;
        }
        const char *gt = memchr(x.p, '>', rest);
        if (!gt) {
            e = cl_error_set(err, CL_ERR_INPUT, "%s:%zu: unterminated tag", x.file, x.line);
            goto out;
        }
        if (x.p[1] == '?' || x.p[1] == '!') { /* declaration, doctype */
            count_lines(&x, x.p, gt);
            x.p = gt + 1;
            continue;
        }
        bool closing = x.p[1] == '/';
        const char *nm = x.p + (closing ? 2 : 1);
        const char *ne = nm;
        while (ne < gt && (isalnum((unsigned char)*ne) || *ne == '_' || *ne == '-' || *ne == ':' || *ne == '.'))
            ne++;
        size_t nl = (size_t)(ne - nm);
        if (nl == 0 || nl >= sizeof(x.stack[0])) {
            e = cl_error_set(err, CL_ERR_INPUT, "%s:%zu: bad element name", x.file, x.line);
            goto out;
        }
        char name[40];
        memcpy(name, nm, nl);
        name[nl] = '\0';
        bool self_closing = !closing && gt > x.p && gt[-1] == '/';
        count_lines(&x, x.p, gt);
        x.p = gt + 1;
        if (closing) {
            if (x.depth == 0 || strcmp(x.stack[x.depth - 1], name) != 0) {
                e = cl_error_set(err, CL_ERR_INPUT, "%s:%zu: </%s> does not close <%s>", x.file, x.line, name,
                                 x.depth ? x.stack[x.depth - 1] : "(nothing)");
                goto out;
            }
            e = on_close(&x, &r, rc, name, err);
            if (e) goto out;
            x.depth--;
            x.text_len = 0;
            if (x.text) x.text[0] = '\0';
            continue;
        }
        if (x.depth == 0) {
            if (root_seen) {
                e = cl_error_set(err, CL_ERR_INPUT, "%s:%zu: a second root element", x.file, x.line);
                goto out;
            }
            root_seen = true;
            if (strcmp(name, "CONSOLIDATED_LIST") != 0) {
                e = cl_error_set(err, CL_ERR_INPUT, "%s:%zu: root element <%s>, expected <CONSOLIDATED_LIST>", x.file,
                                 x.line, name);
                goto out;
            }
        }
        if (x.depth >= CL_LIMIT_XML_DEPTH) {
            e = cl_error_set(err, CL_ERR_LIMIT, "%s:%zu: elements nested deeper than %d", x.file, x.line,
                             CL_LIMIT_XML_DEPTH);
            goto out;
        }
        memcpy(x.stack[x.depth++], name, nl + 1);
        x.text_len = 0;
        if (x.text) x.text[0] = '\0';
        e = on_open(&x, &r, rc, name, err);
        if (e) goto out;
        if (self_closing) {
            e = on_close(&x, &r, rc, name, err);
            if (e) goto out;
            x.depth--;
        }
    }
    if (x.depth != 0) {
        e = cl_error_set(err, CL_ERR_INPUT, "%s:%zu: <%s> is not closed at the end of the file", x.file, x.line,
                         x.stack[x.depth - 1]);
        goto out;
    }
    if (!root_seen) e = cl_error_set(err, CL_ERR_INPUT, "%s: no XML element", x.file);
out:
    if (e && r.open && rc->l->n_entries && rc->l->entries[rc->l->n_entries - 1].id == NULL) {
        /* the half-read record goes */
        struct cl_screen_entry *last = &rc->l->entries[rc->l->n_entries - 1];
        rc->l->n_names -= last->n_names;
        free(last->names);
        free(last->countries);
        free(last->births);
        rc->l->n_entries--;
    }
    free(x.text);
    return e;
}
