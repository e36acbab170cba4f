/* Crash: a child process books orders and shipments in group-committed batches, reporting each batch's order
 * references only after its commit returned; the parent kills it with SIGKILL in the middle of booking, reopens
 * the store, and checks that every acknowledged decision is there and every invariant holds. On SQLite and, when
 * CLEARANCE_TEST_PG is set, PostgreSQL. */
#include <signal.h>
#include <sys/wait.h>

#include "ledger_fixture.h"

#define BATCH 8

static void setup(const char *target)
{
    struct cl_app *app = fx_open(target);
    EXPECT_OK(fx_act(app, "2026-01-15", "party.add", "{'name': 'NVIDIA', 'roles': 'exporter', 'country': 'US'}"));
    EXPECT_OK(fx_act(app, "2026-01-15", "party.add", "{'name': 'ByteDance', 'roles': 'importer', 'country': 'CN'}"));
    EXPECT_OK(fx_act(app, "2026-01-15", "party.vet", "{'party': 'ByteDance', 'jurisdiction': 'US', 'state': 'vetted'}"));
    EXPECT_OK(fx_act(app, "2026-01-15", "party.screen_result", "{'party': 'ByteDance', 'decision': 'clear', 'list_version': 'v'}"));
    EXPECT_OK(fx_act(app, "2026-01-15", "party.screen_result", "{'party': 'NVIDIA', 'decision': 'clear', 'list_version': 'v'}"));
    EXPECT_OK(fx_act(app, "2026-01-20", "auth.apply",
                     "{'ref': 'US-1', 'jurisdiction': 'US', 'holder': 'NVIDIA', 'parties': ['ByteDance'], 'products': ['H200'], 'quantity_cap': 100000000}"));
    EXPECT_OK(fx_act(app, "2026-01-20", "auth.decide", "{'ref': 'US-1', 'outcome': 'approved'}"));
    EXPECT_OK(fx_act(app, "2026-01-28", "auth.apply", "{'ref': 'CN-1', 'jurisdiction': 'CN', 'holder': 'ByteDance', 'products': ['H200']}"));
    EXPECT_OK(fx_act(app, "2026-01-28", "auth.decide", "{'ref': 'CN-1', 'outcome': 'approved'}"));
    EXPECT_OK(fx_act(app, "2026-01-28", "pool.create", "{'name': 'quota', 'product': 'H200', 'cap': 100000000}"));
    EXPECT_OK(fx_act(app, "2026-01-28", "pool.add", "{'pool': 'quota', 'authorizations': ['CN-1']}"));
    const char *conds[] = {"bis-2026-us-supply", "bis-2026-us-testing", "bis-2026-volume-cap", "bis-2026-kyc",
                           "bis-2026-end-use", "bis-2026-remote-users", "bis-2026-security"};
    char args[256];
    for (int i = 0; i < 7; i++) {
        snprintf(args, sizeof(args), "{'ref': 'US-1', 'condition': '%s', 'state': 'satisfied', 'evidence': 'e'}", conds[i]);
        EXPECT_OK(fx_act(app, "2026-01-29", "auth.condition", args));
    }
    EXPECT_OK(fx_act(app, "2026-01-29", "auth.condition", "{'ref': 'CN-1', 'condition': 'ndrc-2026-conditions', 'state': 'satisfied', 'evidence': 'e'}"));
    EXPECT_OK(fx_act(app, "2026-01-29", "auth.condition", "{'ref': 'CN-1', 'condition': 'ndrc-2026-domestic-quota', 'state': 'waived', 'evidence': 'e'}"));
    cl_app_close(app);
}

/* The child: books forever; after each committed batch writes "ref\n" per order placed and shipped in it. */
static _Noreturn void child(const char *target, int fd)
{
    struct cl_app *app = fx_open(target);
    struct cl_app_result res;
    cl_app_result_init(&res);
    struct cl_app_actor who = {"crash-test", cl_time_now(), cl_date_from_ymd(2026, 2, 10), NULL};
    for (unsigned n = 0;; n++) {
        struct cl_error e = {0};
        char acks[BATCH][CL_LEDGER_REF_BYTES];
        if (cl_app_batch_begin(app, &e)) _exit(3);
        for (int i = 0; i < BATCH; i++) {
            struct cl_app_request req;
            cl_app_request_init(&req, CL_APP_ORDER_PLACE);
            req.exporter = "NVIDIA";
            req.buyer = "ByteDance";
            req.product = "H200";
            req.quantity = 10;
            req.value_cents = 1000;
            snprintf(acks[i], CL_LEDGER_REF_BYTES, "C-%u-%d", n, i);
            req.ref = acks[i];
            cl_app_result_release(&res);
            if (cl_app_execute(app, &who, &req, &res, &e)) _exit(4);
            cl_app_request_init(&req, CL_APP_SHIP);
            req.order = acks[i];
            req.quantity = 4;
            cl_app_result_release(&res);
            if (cl_app_execute(app, &who, &req, &res, &e)) _exit(5);
        }
        if (cl_app_batch_commit(app, &e)) _exit(6);
        /* acknowledged only now: the batch is durable */
        char line[BATCH * (CL_LEDGER_REF_BYTES + 1) + 1];
        size_t len = 0;
        for (int i = 0; i < BATCH; i++) len += (size_t)snprintf(line + len, sizeof(line) - len, "%s\n", acks[i]);
        if (write(fd, line, len) != (ssize_t)len) _exit(7);
    }
}

static void crash(const char *target)
{
    setup(target);
    int pipefd[2];
    CHECK_INT(pipe(pipefd), 0);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        close(pipefd[0]);
        child(target, pipefd[1]);
    }
    close(pipefd[1]);
    /* read acknowledgements; kill after a random-ish number of batches, in the middle of the next one */
    size_t cap = 1 << 20, len = 0;
    char *buf = malloc(cap);
    size_t want = (size_t)(20 + getpid() % 20) * BATCH, lines = 0;
    while (lines < want) {
        ssize_t r = read(pipefd[0], buf + len, cap - len - 1);
        if (r <= 0) break;
        for (ssize_t i = 0; i < r; i++) lines += buf[len + (size_t)i] == '\n';
        len += (size_t)r;
    }
    usleep((useconds_t)(getpid() % 7) * 1000);
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFSIGNALED(status));
    for (ssize_t r; (r = read(pipefd[0], buf + len, cap - len - 1)) > 0;) len += (size_t)r;
    close(pipefd[0]);
    buf[len] = '\0';
    /* every acknowledged order is there, with its shipment; the ledger is consistent */
    struct cl_app *app = fx_open(target);
    size_t acked = 0, found = 0;
    for (char *line = buf, *nl; *line; line = nl + 1) {
        nl = strchr(line, '\n');
        if (!nl) break;
        *nl = '\0';
        acked++;
        char args[128];
        snprintf(args, sizeof(args), "{'ref': '%s'}", line);
        if (fx_act(app, "2026-02-10", "order.show", args) == CL_OK && fx_int("quantity_shipped") == 4) found++;
    }
    fprintf(stderr, "  %zu acknowledged orders before the kill, %zu found after restart\n", acked, found);
    CHECK(acked >= want);
    CHECK_INT(found, acked);
    EXPECT_OK(fx_act(app, "2026-02-10", "check", NULL));
    EXPECT_OK(fx_act(app, "2026-02-10", "auth.show", "{'ref': 'US-1'}"));
    long long reserved = fx_int("quantity_reserved"), consumed = fx_int("quantity_consumed");
    /* whole batches only: 10 reserved and 4 shipped per order, nothing of the batch the kill interrupted */
    CHECK_INT(reserved % 6, 0);
    CHECK_INT(consumed % 4, 0);
    CHECK_INT(reserved / 6, consumed / 4);
    CHECK((size_t)(consumed / 4) >= acked);
    CHECK_INT((consumed / 4) % BATCH, 0);
    free(buf);
    cl_app_close(app);
}

int main(void)
{
    fx_env_load();
    fprintf(stderr, "-- SQLite\n");
    crash(fx_fresh(NULL, NULL));
    const char *pg = getenv("CLEARANCE_TEST_PG");
    if (pg && *pg) {
        fprintf(stderr, "-- PostgreSQL\n");
        static char url[512];
        snprintf(url, sizeof(url), "%s", fx_fresh(pg, "ledger_crash"));
        crash(url);
    } else {
        fprintf(stderr, "CLEARANCE_TEST_PG not set: PostgreSQL part skipped\n");
    }
    cl_app_result_release(&fx_res);
    fx_cleanup();
    cl_reference_release(&fx_env);
    return TEST_EXIT();
}
