/* Parties: who they are (roles, country, headquarters, aliases in any script), their vetting per jurisdiction,
 * and their latest screening result as the screening module gave it. */
#include <ctype.h>

#include "ledger_int.h"

static const char *const known_roles[] = {"exporter", "importer", "end_user", "consignee", "intermediary",
                                          "supplier", "regulator", "auditor", NULL};

static bool is_country(const char *c)
{
    return c && strlen(c) == 2 && isupper((unsigned char)c[0]) && isupper((unsigned char)c[1]);
}

/* Checks a comma-separated role list against known_roles. */
static enum cl_err check_roles(const char *roles, struct cl_error *err)
{
    if (!roles || !*roles) return cl_error_set(err, CL_ERR_INPUT, "roles: at least one role is needed");
    const char *p = roles;
    while (*p) {
        size_t n = strcspn(p, ",");
        bool ok = false;
        for (size_t i = 0; known_roles[i]; i++)
            if (strlen(known_roles[i]) == n && strncmp(known_roles[i], p, n) == 0) ok = true;
        if (!ok)
            return cl_error_set(err, CL_ERR_INPUT,
                                "roles: \"%.*s\" is not a role (exporter, importer, end_user, consignee, "
                                "intermediary, supplier, regulator, auditor)",
                                (int)n, p);
        p += n;
        if (*p == ',') p++;
    }
    return CL_OK;
}

enum cl_err cl_ledger_party_add(const struct cl_ledger_ctx *cx, const struct cl_ledger_party *p, struct cl_error *err)
{
    if (!p->name || !*p->name || strlen(p->name) >= CL_LIMIT_NAME_BYTES)
        return cl_error_set(err, CL_ERR_INPUT, "name: empty or longer than %d bytes", CL_LIMIT_NAME_BYTES - 1);
    if (!is_country(p->country))
        return cl_error_set(err, CL_ERR_INPUT, "country: \"%s\" is not an ISO 3166 alpha-2 code (e.g. CN)",
                            p->country ? p->country : "");
    const char *hq = p->headquarters ? p->headquarters : p->country;
    if (!is_country(hq))
        return cl_error_set(err, CL_ERR_INPUT, "headquarters: \"%s\" is not an ISO 3166 alpha-2 code", hq);
    enum cl_err rc = check_roles(p->roles, err);
    if (rc) return rc;
    if (p->n_aliases > CL_LEDGER_ALIASES_MAX)
        return cl_error_set(err, CL_ERR_LIMIT, "aliases: more than %d", CL_LEDGER_ALIASES_MAX);
    int64_t existing = 0;
    if (lg_party_id(cx->st, p->name, "name", &existing, NULL) == CL_OK)
        return cl_error_set(err, CL_ERR_CONFLICT, "party \"%s\" exists already", p->name);
    json_t *aliases = json_array();
    for (size_t i = 0; i < p->n_aliases; i++) json_array_append_new(aliases, json_string(p->aliases[i]));
    char *aliases_text = cl_json_canonical(aliases);
    char at[CL_TIME_TEXT_BYTES];
    lg_time_text(cx->at, at);
    int64_t id = 0;
    if (!aliases_text) rc = cl_error_set(err, CL_ERR_NOMEM, "out of memory");
    if (!rc) {
        struct cl_val v[] = {CL_VTEXT(p->name), CL_VTEXT(p->roles), CL_VTEXT(p->country), CL_VTEXT(hq),
                             CL_VTEXT(aliases_text), CL_VTEXT(at), CL_VTEXT(cx->actor)};
        rc = cl_store_query_int(cx->st,
                                "INSERT INTO ledger_parties (name, roles, country, headquarters, aliases, created_at,"
                                " created_by) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                                v, 7, &id, NULL, err);
    }
    for (size_t i = 0; !rc && i < p->n_aliases; i++) {
        if (!p->aliases[i] || !*p->aliases[i]) continue;
        int64_t other = 0;
        if (lg_party_id(cx->st, p->aliases[i], "alias", &other, NULL) == CL_OK) {
            rc = cl_error_set(err, CL_ERR_CONFLICT, "alias \"%s\" already names another party", p->aliases[i]);
            break;
        }
        struct cl_val v[] = {CL_VTEXT(p->aliases[i]), CL_VINT(id)};
        rc = cl_store_exec(cx->st, "INSERT INTO ledger_party_aliases (alias, party_id) VALUES (?, ?)", v, 2, NULL, err);
    }
    free(aliases_text);
    if (rc) {
        json_decref(aliases);
        return rc;
    }
    json_t *data = json_pack("{s:s, s:s, s:s, s:o}", "roles", p->roles, "country", p->country, "headquarters", hq,
                             "aliases", aliases);
    return lg_event(cx, "party.add", "party", p->name, data, NULL, err);
}

static enum cl_err info_row(void *ctx, const struct cl_row *row, struct cl_error *err)
{
    (void)err;
    struct cl_ledger_party_info *o = ctx;
    o->id = cl_row_int(row, 0);
    lg_row_copy(row, 1, o->name, sizeof(o->name));
    lg_row_copy(row, 2, o->roles, sizeof(o->roles));
    lg_row_copy(row, 3, o->country, sizeof(o->country));
    lg_row_copy(row, 4, o->headquarters, sizeof(o->headquarters));
    return CL_OK;
}

enum cl_err cl_ledger_party_get(struct cl_store *st, const char *name, struct cl_ledger_party_info *out,
                                struct cl_error *err)
{
    int64_t id = 0;
    enum cl_err rc = lg_party_id(st, name, "party", &id, err);
    if (rc) return rc;
    memset(out, 0, sizeof(*out));
    struct cl_val p[] = {CL_VINT(id)};
    return cl_store_query(st, "SELECT id, name, roles, country, headquarters FROM ledger_parties WHERE id = ?", p, 1,
                          info_row, out, err);
}

enum cl_err cl_ledger_party_vet(const struct cl_ledger_ctx *cx, const char *party, const char *jurisdiction,
                                const char *state, struct cl_error *err)
{
    static const char *const states[] = {"unvetted", "pending", "vetted", "rejected", NULL};
    bool ok = false;
    for (size_t i = 0; state && states[i]; i++) ok = ok || strcmp(states[i], state) == 0;
    if (!ok)
        return cl_error_set(err, CL_ERR_INPUT, "vetting state \"%s\" is not unvetted, pending, vetted or rejected",
                            state ? state : "");
    if (!jurisdiction || !*jurisdiction || strlen(jurisdiction) > 7)
        return cl_error_set(err, CL_ERR_INPUT, "jurisdiction: expected a code such as US or CN");
    struct cl_ledger_party_info info;
    enum cl_err rc = cl_ledger_party_get(cx->st, party, &info, err);
    if (rc) return rc;
    char at[CL_TIME_TEXT_BYTES];
    lg_time_text(cx->at, at);
    struct cl_val v[] = {CL_VINT(info.id), CL_VTEXT(jurisdiction), CL_VTEXT(state), CL_VTEXT(at), CL_VTEXT(cx->actor),
                         CL_VTEXT(cx->reason)};
    rc = cl_store_exec(cx->st,
                       "INSERT INTO ledger_party_vetting (party_id, jurisdiction, state, updated_at, updated_by, reason)"
                       " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (party_id, jurisdiction) DO UPDATE SET"
                       " state = excluded.state, updated_at = excluded.updated_at, updated_by = excluded.updated_by,"
                       " reason = excluded.reason",
                       v, 6, NULL, err);
    if (rc) return rc;
    return lg_event(cx, "party.vet", "party", info.name,
                    json_pack("{s:s, s:s}", "jurisdiction", jurisdiction, "state", state), NULL, err);
}

enum cl_err cl_ledger_party_screening_set(const struct cl_ledger_ctx *cx, const char *party,
                                          const struct cl_ledger_screening *s, struct cl_error *err)
{
    if (!s->decision || (strcmp(s->decision, "clear") && strcmp(s->decision, "review") && strcmp(s->decision, "block")))
        return cl_error_set(err, CL_ERR_INPUT, "decision \"%s\" is not clear, review or block",
                            s->decision ? s->decision : "");
    if (!s->list_version || !*s->list_version)
        return cl_error_set(err, CL_ERR_INPUT, "list_version: the lists' version is required");
    struct cl_ledger_party_info info;
    enum cl_err rc = cl_ledger_party_get(cx->st, party, &info, err);
    if (rc) return rc;
    char when[CL_TIME_TEXT_BYTES];
    lg_time_text(s->screened_at, when);
    struct cl_val v[] = {CL_VTEXT(s->decision), CL_VTEXT(when), CL_VTEXT(s->list_version), CL_VTEXT(s->summary),
                         CL_VTEXT(cx->actor), CL_VINT(info.id)};
    rc = cl_store_exec(cx->st,
                       "UPDATE ledger_parties SET screening_decision = ?, screening_at = ?, screening_list_version = ?,"
                       " screening_summary = ?, screening_recorded_by = ? WHERE id = ?",
                       v, 6, NULL, err);
    if (rc) return rc;
    json_t *data = json_pack("{s:s, s:s, s:s}", "decision", s->decision, "screened_at", when, "list_version",
                             s->list_version);
    if (s->summary) json_object_set_new(data, "summary", json_string(s->summary));
    return lg_event(cx, "party.screening", "party", info.name, data, NULL, err);
}
