/* One path for commands that are requests: build a JSON request from the options, answer it locally (on the
 * reference data or the database) or send it to a server (--server URL --key KEY), then print the JSON or
 * render it for people. Errors that name a request field ("$.to") are shown as the option ("--to"). */
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "clearance/json.h"

const struct cl_reference *cli_reference(struct cli *cli, struct cl_error *err)
{
    static struct cl_reference ref;
    static bool loaded;
    if (loaded) return &ref;
    if (cl_reference_load(cli->data_dir, cli->rules_dir, &ref, err)) return NULL;
    loaded = true;
    return &ref;
}

/* "$.value_usd: bad" becomes "--value: bad" when the request came from options: request fields are named as
 * options, '_' as '-', except where the option has another name. */
static void field_to_option(struct cl_error *err)
{
    static const char *const renamed[][2] = {{"value_usd", "value"}, {"listed_on", "listed"}};
    if (strncmp(err->msg, "$.", 2) != 0) return;
    size_t i = 2;
    char field[64];
    size_t f = 0;
    for (; err->msg[i] && err->msg[i] != ':' && err->msg[i] != '.' && err->msg[i] != '[' && f < sizeof(field) - 1; i++)
        field[f++] = err->msg[i];
    field[f] = '\0';
    for (size_t k = 0; k < sizeof(renamed) / sizeof(renamed[0]); k++)
        if (strcmp(field, renamed[k][0]) == 0) snprintf(field, sizeof(field), "%s", renamed[k][1]);
    for (char *p = field; *p; p++)
        if (*p == '_') *p = '-';
    char out[sizeof(err->msg)];
    snprintf(out, sizeof(out), "--%s%s", field, err->msg + i);
    memcpy(err->msg, out, sizeof(out));
}

struct buf {
    char *data;
    size_t len;
};

static size_t on_body(char *ptr, size_t size, size_t n, void *ctx)
{
    struct buf *b = ctx;
    size_t add = size * n;
    if (b->len + add > CL_LIMIT_BODY_BYTES * 16) return 0;
    char *nd = realloc(b->data, b->len + add + 1);
    if (!nd) return 0;
    memcpy(nd + b->len, ptr, add);
    b->data = nd;
    b->len += add;
    b->data[b->len] = '\0';
    return add;
}

enum cl_err cli_http(const struct cli *cli, const char *method, const char *path, const json_t *body, json_t **out,
                     struct cl_error *err)
{
    static bool curl_ready;
    if (!curl_ready) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        curl_ready = true;
    }
    CURL *c = curl_easy_init();
    if (!c) return cl_error_set(err, CL_ERR_NOMEM, "cannot start an HTTP client");
    char url[2048], auth[256];
    snprintf(url, sizeof(url), "%s%s", cli->server, path);
    size_t ul = strlen(cli->server);
    if (ul && cli->server[ul - 1] == '/') snprintf(url, sizeof(url), "%.*s%s", (int)ul - 1, cli->server, path);
    struct curl_slist *hdrs = curl_slist_append(NULL, "Content-Type: application/json");
    hdrs = curl_slist_append(hdrs, "Accept: application/json");
    if (cli->key) {
        snprintf(auth, sizeof(auth), "Authorization: Bearer %s", cli->key);
        hdrs = curl_slist_append(hdrs, auth);
    }
    if (cli->idempotency_key) {
        char h[256];
        snprintf(h, sizeof(h), "Idempotency-Key: %s", cli->idempotency_key);
        hdrs = curl_slist_append(hdrs, h);
    }
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    struct buf b = {NULL, 0};
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (text) curl_easy_setopt(c, CURLOPT_POSTFIELDS, text);
    CURLcode cc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    enum cl_err rc = CL_OK;
    if (cc != CURLE_OK) {
        rc = cl_error_set(err, CL_ERR_IO, "%s: %s", url, curl_easy_strerror(cc));
        goto out;
    }
    json_t *doc = NULL;
    struct cl_error perr = {0};
    if (cl_json_parse(b.data ? b.data : "", b.len, url, CL_LIMIT_JSON_DEPTH * 2, &doc, &perr)) {
        rc = cl_error_set(err, CL_ERR_IO, "%s: HTTP %ld with a body that is not JSON", url, status);
        goto out;
    }
    if (status >= 400) {
        json_t *e = json_object_get(doc, "error");
        const char *code = json_string_value(json_object_get(e, "code"));
        const char *msg = json_string_value(json_object_get(e, "message"));
        rc = cl_error_set(err, cl_err_from_name(code), "%s (HTTP %ld)", msg ? msg : "error", status);
        /* a refusal still carries its reasons: hand them to the caller */
        if (rc == CL_ERR_REFUSED) *out = doc;
        else json_decref(doc);
        goto out;
    }
    *out = doc;
out:
    free(text);
    free(b.data);
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(c);
    return rc;
}

int cli_request_spec(struct cli *cli, json_t *req, const char *path)
{
    struct cl_error err = {0};
    json_t *spec = NULL;
    if (cl_json_load_file(path, CL_LIMIT_DATA_FILE_BYTES, &spec, &err)) return cli_fail(cli, &err);
    json_object_set_new(req, "spec", spec);
    return CLI_EXIT_OK;
}

int cli_request(struct cli *cli, const char *method, const char *path, json_t *req, cli_local_fn local,
                cli_render_fn render)
{
    struct cl_error err = {0};
    json_t *out = NULL;
    enum cl_err rc;
    if (cli->server) rc = cli_http(cli, method, path, req, &out, &err);
    else rc = local(cli, req, &out, &err);
    field_to_option(&err);
    json_decref(req);
    int status = CLI_EXIT_OK;
    if (out) {
        if (cli->json) status = cli_print_json(json_incref(out));
        else if (render) render(out);
        else status = cli_print_json(json_incref(out));
        json_decref(out);
    }
    if (rc) {
        int s = cli_fail(cli, &err);
        return s;
    }
    return status;
}
