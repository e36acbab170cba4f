/* Benchmark of the journal: appends per second with durable batched commits, where an append's time goes, and
 * proof generation and verification at one million and ten million leaves, compared with the targets.
 * Usage: bench_journal [--leaves N] [--batch N] [--proofs N] [--db PATH]   (CLEARANCE_BENCH_PG=URL adds a
 * PostgreSQL append figure) */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "clearance/journal.h"
#include "clearance/store.h"
#include "journal/journal_int.h"

#define TARGET_APPENDS_PER_S 500000.0
#define TARGET_PROOF_US 50.0

static void die(const char *what, const struct cl_error *e)
{
    fprintf(stderr, "bench_journal: %s: %s\n", what, e->msg);
    exit(1);
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* A shipment record as the ledger would journal it: about 200 bytes as an entry. */
static json_t *shipment(uint64_t i)
{
    char order[32], ship[32], lic[32];
    snprintf(lic, sizeof(lic), "L-2026-%06llu", (unsigned long long)(i % 997));
    snprintf(order, sizeof(order), "O-2026-%07llu", (unsigned long long)(i / 4));
    snprintf(ship, sizeof(ship), "S-2026-%08llu", (unsigned long long)i);
    return json_pack("{s:s,s:s,s:s,s:I,s:s,s:s}", "licence", lic, "order", order, "shipment", ship, "units",
                     (json_int_t)(100 + i % 900), "chip", "H200", "destination", "CN");
}

struct batch {
    struct cl_journal_item *items;
    json_t **records;
    size_t n;
};

static void batch_fill(struct batch *b, uint64_t first, cl_time at)
{
    for (size_t i = 0; i < b->n; i++) {
        json_decref(b->records[i]);
        b->records[i] = shipment(first + i);
        b->items[i] = (struct cl_journal_item){"ledger.shipment", b->records[i], NULL, at + (cl_time)i};
    }
}

/* Appends until the journal holds `target` entries, in durable transactions of b->n entries; returns the time spent
 * inside the append calls and commits (records are built outside the clock). */
static double append_to(struct cl_store *st, struct batch *b, uint64_t target, uint64_t *io_size)
{
    struct cl_error e = {0};
    double spent = 0;
    size_t full = b->n;
    while (*io_size < target) {
        b->n = target - *io_size < full ? (size_t)(target - *io_size) : full;
        batch_fill(b, *io_size, 1769904000000000 + (cl_time)*io_size * 1000);
        double t = bench_clock(CLOCK_MONOTONIC);
        if (cl_store_begin(st, CL_TX_WRITE, &e) || cl_journal_append_batch(st, b->items, b->n, NULL, &e) ||
            cl_store_commit(st, &e))
            die("append", &e);
        spent += bench_clock(CLOCK_MONOTONIC) - t;
        *io_size += b->n;
    }
    b->n = full;
    return spent;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

struct timing {
    double mean_us, p50_us, p99_us;
};

static struct timing summarise(double *us, size_t n)
{
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += us[i];
    qsort(us, n, sizeof(*us), cmp_double);
    return (struct timing){sum / (double)n, us[n / 2], us[n * 99 / 100]};
}

static void report_proofs(struct cl_store *st, struct cl_journal_cache *cache, uint64_t size, size_t k, bool print)
{
    struct cl_error e = {0};
    struct cl_journal_head head;
    if (cl_journal_head_get(st, &head, &e)) die("head", &e);
    double *gen = malloc(k * sizeof(double)), *ver = malloc(k * sizeof(double));
    size_t total_hashes = 0;
    /* inclusion: random leaves in the tree of `size` */
    for (size_t i = 0; i < k; i++) {
        uint64_t index = next_rand() % size;
        struct cl_journal_proof p;
        double t = bench_clock(CLOCK_MONOTONIC);
        if (cl_journal_inclusion_prove(st, cache, index, size, &p, &e)) die("inclusion proof", &e);
        gen[i] = (bench_clock(CLOCK_MONOTONIC) - t) * 1e6;
        total_hashes += p.n_hashes;
        char *text = NULL;
        size_t len = 0;
        if (cl_journal_entry_get(st, index, &text, &len, &e)) die("entry", &e);
        uint8_t leaf[CL_JOURNAL_HASH_BYTES];
        cl_journal_leaf_hash(text, len, leaf);
        free(text);
        t = bench_clock(CLOCK_MONOTONIC);
        if (cl_journal_inclusion_verify(&p, leaf, head.root, &e)) die("inclusion verify", &e);
        ver[i] = (bench_clock(CLOCK_MONOTONIC) - t) * 1e6;
    }
    struct timing g = summarise(gen, k), v = summarise(ver, k);
    if (print)
        printf("  inclusion proof, %llu leaves (%zu hashes on average): generate mean %.1f us (p50 %.1f, p99 %.1f),"
               " verify mean %.1f us (p99 %.1f)\n",
               (unsigned long long)size, total_hashes / k, g.mean_us, g.p50_us, g.p99_us, v.mean_us, v.p99_us);
    if (print)
        printf("    target < %.0f us per proof: generation %s, verification %s\n", TARGET_PROOF_US,
               g.mean_us < TARGET_PROOF_US ? "met" : "NOT MET", v.mean_us < TARGET_PROOF_US ? "met" : "NOT MET");
    /* consistency: from random earlier sizes, whose roots are rebuilt from the stored subtrees */
    total_hashes = 0;
    for (size_t i = 0; i < k; i++) {
        uint64_t old = 1 + next_rand() % (size - 1);
        uint8_t old_root[CL_JOURNAL_HASH_BYTES];
        if (cl_journal_root_at(st, NULL, old, old_root, &e)) die("old root", &e);
        struct cl_journal_proof p;
        double t = bench_clock(CLOCK_MONOTONIC);
        if (cl_journal_consistency_prove(st, cache, old, size, &p, &e)) die("consistency proof", &e);
        gen[i] = (bench_clock(CLOCK_MONOTONIC) - t) * 1e6;
        total_hashes += p.n_hashes;
        t = bench_clock(CLOCK_MONOTONIC);
        if (cl_journal_consistency_verify(&p, old_root, head.root, &e)) die("consistency verify", &e);
        ver[i] = (bench_clock(CLOCK_MONOTONIC) - t) * 1e6;
    }
    g = summarise(gen, k);
    v = summarise(ver, k);
    if (print)
        printf("  consistency proof to %llu leaves (%zu hashes on average): generate mean %.1f us (p50 %.1f, p99 %.1f),"
               " verify mean %.1f us (p99 %.1f)\n",
               (unsigned long long)size, total_hashes / k, g.mean_us, g.p50_us, g.p99_us, v.mean_us, v.p99_us);
    free(gen);
    free(ver);
}

/* Proofs read from the store alone, then through a tile cache warmed by as many proofs as are measured. */
static void report_proofs_both(struct cl_store *st, uint64_t size, size_t k)
{
    printf("  proofs at %llu leaves, reading the store only:\n", (unsigned long long)size);
    report_proofs(st, NULL, size, k, true);
    struct cl_journal_cache *cache = cl_journal_cache_new(64u << 20);
    report_proofs(st, cache, size, k, false);
    uint64_t hits0 = 0, misses0 = 0, hits = 0, misses = 0;
    cl_journal_cache_stats(cache, &hits0, &misses0);
    printf("  proofs at %llu leaves, with a 64 MB tile cache warmed by %zu proofs:\n", (unsigned long long)size, k);
    report_proofs(st, cache, size, k, true);
    cl_journal_cache_stats(cache, &hits, &misses);
    printf("    tile cache: %.0f%% of lookups hit\n",
           100.0 * (double)(hits - hits0) / (double)(hits - hits0 + misses - misses0));
    cl_journal_cache_free(cache);
}

/* Where an append's time goes: the same records, canonical JSON and SHA-256 only, no storage. */
static void report_cpu(struct batch *b, size_t n)
{
    struct jbuf buf;
    cl_journal_jbuf_init(&buf, CL_JOURNAL_ENTRY_BYTES_MAX);
    struct cl_error e = {0};
    struct cl_journal_frontier f;
    cl_journal_frontier_init(&f);
    batch_fill(b, 0, 1769904000000000);
    size_t bytes = 0;
    double t_canon = 0, t_hash = 0;
    for (size_t done = 0; done < n; done += b->n) {
        for (size_t i = 0; i < b->n; i++) {
            double t = bench_clock(CLOCK_MONOTONIC);
            buf.len = 0;
            if (cl_journal_canon_write(&buf, b->items[i].record, &e)) die("canonical", &e);
            double u = bench_clock(CLOCK_MONOTONIC);
            uint8_t leaf[CL_JOURNAL_HASH_BYTES];
            cl_journal_leaf_hash(buf.p, buf.len, leaf);
            cl_journal_frontier_append(&f, leaf, NULL, NULL, &e);
            t_canon += u - t;
            t_hash += bench_clock(CLOCK_MONOTONIC) - u;
            bytes += buf.len;
        }
    }
    /* the entry adds its envelope (time, kind) to the record: about 60 bytes more to hash */
    uint8_t h[32], block[256] = {0};
    double t = bench_clock(CLOCK_MONOTONIC);
    for (size_t i = 0; i < n; i++) {
        block[0] = (uint8_t)i;
        cl_journal_leaf_hash(block, 200, h);
        cl_journal_node_hash(h, h, h);
    }
    double t_sha = bench_clock(CLOCK_MONOTONIC) - t;
    printf("  in memory, per append: canonical JSON of the record %.2f us (%zu bytes), leaf hash and frontier %.2f us;"
           "\n    SHA-256 of a 200-byte entry plus one node (the average per leaf) %.2f us, a ceiling of %.0f appends/s"
           " before any storage\n",
           t_canon / (double)n * 1e6, bytes / n, t_hash / (double)n * 1e6, t_sha / (double)n * 1e6, (double)n / t_sha);
    cl_journal_jbuf_release(&buf);
}

int main(int argc, char **argv)
{
    uint64_t leaves = 10000000;
    size_t batch_n = 10000, proofs = 10000;
    const char *path = "/tmp/clearance_bench_journal.db";
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--leaves") == 0)
            leaves = strtoull(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--batch") == 0)
            batch_n = strtoul(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--proofs") == 0)
            proofs = strtoul(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--db") == 0)
            path = argv[i + 1];
        else {
            fprintf(stderr, "usage: bench_journal [--leaves N] [--batch N] [--proofs N] [--db PATH]\n");
            return 2;
        }
    }
    if (leaves < 1000000 || batch_n == 0 || proofs == 0) {
        fprintf(stderr, "bench_journal: --leaves must be at least 1000000, --batch and --proofs positive\n");
        return 2;
    }
    struct batch b = {calloc(batch_n, sizeof(struct cl_journal_item)), calloc(batch_n, sizeof(json_t *)), batch_n};
    struct cl_error e = {0};

    printf("journal benchmark: SQLite, synchronous=FULL (every commit durable), batches of %zu entries\n", batch_n);
    report_cpu(&b, 200000);

    cl_store_remove(path);
    struct cl_store *st = NULL;
    if (cl_store_open(path, NULL, &st, &e) || cl_journal_migrate(st, &e)) die(path, &e);
    uint64_t size = 0;
    double spent = append_to(st, &b, 1000000, &size);
    double rate = (double)size / spent;
    printf("  appends: %llu in %.2f s = %.0f appends/s (target %.0f: %s)\n", (unsigned long long)size, spent, rate,
           TARGET_APPENDS_PER_S, rate >= TARGET_APPENDS_PER_S ? "met" : "NOT MET");
    /* the same as the server's writer appends: its connection leaves compacting the log to a background thread */
    {
        char path2[1100];
        snprintf(path2, sizeof(path2), "%s.bg", path);
        cl_store_remove(path2);
        struct cl_store *st2 = NULL;
        struct cl_store_options o = {.sync = CL_SYNC_FULL, .busy_timeout_ms = 5000, .defer_log_compaction = true};
        if (cl_store_open(path2, &o, &st2, &e) || cl_journal_migrate(st2, &e)) die(path2, &e);
        struct bench_compactor c = {0};
        bench_compactor_start(&c, path2);
        uint64_t size2 = 0;
        double spent2 = append_to(st2, &b, 1000000, &size2);
        bench_compactor_stop(&c);
        double rate2 = (double)size2 / spent2;
        printf("  appends, log compacted by a background thread as in the server: %.0f appends/s (target %.0f: %s)\n",
               rate2, TARGET_APPENDS_PER_S, rate2 >= TARGET_APPENDS_PER_S ? "met" : "NOT MET");
        cl_store_close(st2);
        cl_store_remove(path2);
    }
    /* single appends, one durable transaction each, as the service layer makes them */
    size_t singles = 2000;
    struct batch one = {b.items, b.records, 1};
    double t1 = append_to(st, &one, size + singles, &size);
    printf("  single appends, one durable transaction each: %.0f per second (%.0f us each, mostly the fsync)\n",
           (double)singles / t1, t1 / (double)singles * 1e6);
    report_proofs_both(st, size, proofs);
    /* verification of the whole log: rebuild, every stored hash, a checkpoint */
    struct cl_journal_signer key;
    struct cl_journal_verifier pub;
    char *note = NULL;
    if (cl_journal_signer_generate(CL_JOURNAL_ORIGIN_DEFAULT, &key, &e) ||
        cl_journal_checkpoint_create(st, &key, 1769904000000000, &note, NULL, NULL, &e))
        die("checkpoint", &e);
    free(note);
    cl_journal_signer_verifier(&key, &pub);
    cl_journal_signer_release(&key);
    struct cl_journal_verify_report vr;
    double tv = bench_clock(CLOCK_MONOTONIC);
    if (cl_journal_verify(st, &pub, &vr, &e)) die("verify", &e);
    tv = bench_clock(CLOCK_MONOTONIC) - tv;
    printf("  verify of the whole log (%llu entries): %.2f s, %.0f entries/s\n", (unsigned long long)vr.entries, tv,
           (double)vr.entries / tv);

    double t_more = append_to(st, &b, leaves, &size);
    printf("  appends from 1M to %llu entries: %.0f appends/s\n", (unsigned long long)size,
           (double)(leaves - 1000000 - singles) / t_more);
    report_proofs_both(st, size, proofs);
    cl_store_close(st);
    cl_store_remove(path);

    const char *pg = getenv("CLEARANCE_BENCH_PG");
    if (pg && *pg) {
        if (cl_store_open(pg, NULL, &st, &e)) die(pg, &e);
        const char *drop[] = {"journal_state", "journal_bundle", "journal_tile", "journal_checkpoint",
                              "journal_opening"};
        for (size_t i = 0; i < 5; i++) {
            char sql[64];
            snprintf(sql, sizeof(sql), "DROP TABLE IF EXISTS %s", drop[i]);
            cl_store_exec(st, sql, NULL, 0, NULL, &e);
        }
        cl_store_exec(st, "DELETE FROM schema_migrations WHERE component = 'journal'", NULL, 0, NULL, &e);
        cl_error_clear(&e);
        if (cl_journal_migrate(st, &e)) die("migrate", &e);
        size = 0;
        spent = append_to(st, &b, 200000, &size);
        printf("PostgreSQL (%s): %.0f appends/s in batches of %zu\n", pg, (double)size / spent, batch_n);
        report_proofs_both(st, size, proofs / 10);
        cl_store_close(st);
    }
    for (size_t i = 0; i < batch_n; i++)
        json_decref(b.records[i]);
    free(b.items);
    free(b.records);
    return 0;
}
