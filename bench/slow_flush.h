/* What a durable commit costs depends on the disk's flush. Two tools for the ledger benchmark:
 * - bench_flush_latency: how long this disk takes to write 4 KiB and fdatasync it (the floor of every naive commit);
 * - bench_slow_flush_install: SQLite's default file system made to wait a fixed time after every file sync it
 *   makes, as a disk whose flush is that much slower would. Everything else (the writes, the sync itself) is real.
 *   It stands in for a disk this machine does not have, and the benchmark says so wherever it uses it. */
#ifndef CL_BENCH_SLOW_FLUSH_H
#define CL_BENCH_SLOW_FLUSH_H

#include <fcntl.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

static int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median and 90th percentile, in milliseconds, of `samples` 4 KiB writes each followed by fdatasync, in dir.
 * False if the file cannot be written. */
static inline bool bench_flush_latency(const char *dir, int samples, double *out_p50_ms, double *out_p90_ms)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/bench_flush_%d", dir, (int)getpid());
    int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600);
    if (fd < 0) return false;
    char block[4096];
    memset(block, 'x', sizeof(block));
    double *t = calloc((size_t)samples, sizeof(double));
    bool ok = t != NULL;
    for (int i = 0; ok && i < samples; i++) {
        double t0 = bench_clock(CLOCK_MONOTONIC);
        block[0] = (char)i;
        /* appending, as a write-ahead log does */
        ok = pwrite(fd, block, sizeof(block), (off_t)i * (off_t)sizeof(block)) == (ssize_t)sizeof(block) &&
             fdatasync(fd) == 0;
        t[i] = 1000.0 * (bench_clock(CLOCK_MONOTONIC) - t0);
    }
    close(fd);
    unlink(path);
    if (ok) {
        qsort(t, (size_t)samples, sizeof(double), bench_cmp_double);
        *out_p50_ms = t[samples / 2];
        *out_p90_ms = t[samples * 9 / 10];
    }
    free(t);
    return ok;
}

/* ---- SQLite's default file system, each sync followed by a wait ------------------------------------------ */

static sqlite3_vfs bench_slow_vfs, *bench_real_vfs;
static long bench_flush_wait_us;

struct bench_slow_file {
    sqlite3_file base;
    sqlite3_file *real; /* the real file, allocated right after this struct */
};

#define REAL(f) (((struct bench_slow_file *)(f))->real)

static int slow_close(sqlite3_file *f)
{
    return REAL(f)->pMethods->xClose(REAL(f));
}
static int slow_read(sqlite3_file *f, void *b, int n, sqlite3_int64 o)
{
    return REAL(f)->pMethods->xRead(REAL(f), b, n, o);
}
static int slow_write(sqlite3_file *f, const void *b, int n, sqlite3_int64 o)
{
    return REAL(f)->pMethods->xWrite(REAL(f), b, n, o);
}
static int slow_truncate(sqlite3_file *f, sqlite3_int64 n)
{
    return REAL(f)->pMethods->xTruncate(REAL(f), n);
}
static int slow_sync(sqlite3_file *f, int flags)
{
    int rc = REAL(f)->pMethods->xSync(REAL(f), flags);
    struct timespec ts = {bench_flush_wait_us / 1000000, (bench_flush_wait_us % 1000000) * 1000};
    nanosleep(&ts, NULL);
    return rc;
}
static int slow_file_size(sqlite3_file *f, sqlite3_int64 *n)
{
    return REAL(f)->pMethods->xFileSize(REAL(f), n);
}
static int slow_lock(sqlite3_file *f, int l)
{
    return REAL(f)->pMethods->xLock(REAL(f), l);
}
static int slow_unlock(sqlite3_file *f, int l)
{
    return REAL(f)->pMethods->xUnlock(REAL(f), l);
}
static int slow_check_reserved(sqlite3_file *f, int *out)
{
    return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}
static int slow_file_control(sqlite3_file *f, int op, void *arg)
{
    return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}
static int slow_sector_size(sqlite3_file *f)
{
    return REAL(f)->pMethods->xSectorSize(REAL(f));
}
static int slow_device(sqlite3_file *f)
{
    return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}
static int slow_shm_map(sqlite3_file *f, int pg, int sz, int extend, void volatile **out)
{
    return REAL(f)->pMethods->xShmMap(REAL(f), pg, sz, extend, out);
}
static int slow_shm_lock(sqlite3_file *f, int offset, int n, int flags)
{
    return REAL(f)->pMethods->xShmLock(REAL(f), offset, n, flags);
}
static void slow_shm_barrier(sqlite3_file *f)
{
    REAL(f)->pMethods->xShmBarrier(REAL(f));
}
static int slow_shm_unmap(sqlite3_file *f, int del)
{
    return REAL(f)->pMethods->xShmUnmap(REAL(f), del);
}
static int slow_fetch(sqlite3_file *f, sqlite3_int64 o, int n, void **out)
{
    return REAL(f)->pMethods->xFetch(REAL(f), o, n, out);
}
static int slow_unfetch(sqlite3_file *f, sqlite3_int64 o, void *p)
{
    return REAL(f)->pMethods->xUnfetch(REAL(f), o, p);
}
#undef REAL

static const sqlite3_io_methods bench_slow_io = {
    3,          slow_close,  slow_read,          slow_write,        slow_truncate,   slow_sync,
    slow_file_size, slow_lock, slow_unlock,      slow_check_reserved, slow_file_control, slow_sector_size,
    slow_device, slow_shm_map, slow_shm_lock,    slow_shm_barrier,  slow_shm_unmap,  slow_fetch,
    slow_unfetch,
};

static int slow_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out_flags)
{
    (void)vfs;
    struct bench_slow_file *p = (struct bench_slow_file *)f;
    p->real = (sqlite3_file *)(p + 1);
    int rc = bench_real_vfs->xOpen(bench_real_vfs, name, p->real, flags, out_flags);
    /* the unix file system's files are of version 3; a file it could not open has no methods */
    p->base.pMethods = rc == SQLITE_OK && p->real->pMethods && p->real->pMethods->iVersion >= 3 ? &bench_slow_io : NULL;
    if (rc == SQLITE_OK && !p->base.pMethods) {
        if (p->real->pMethods) p->real->pMethods->xClose(p->real);
        rc = SQLITE_CANTOPEN;
    }
    return rc;
}

/* Makes every database opened from now on wait wait_us after each sync (0: no wait). */
static inline bool bench_slow_flush_install(long wait_us)
{
    bench_flush_wait_us = wait_us;
    if (bench_real_vfs) return true;
    bench_real_vfs = sqlite3_vfs_find(NULL);
    if (!bench_real_vfs) return false;
    bench_slow_vfs = *bench_real_vfs;
    bench_slow_vfs.zName = "bench-slow-flush";
    bench_slow_vfs.szOsFile = (int)sizeof(struct bench_slow_file) + bench_real_vfs->szOsFile;
    bench_slow_vfs.xOpen = slow_open;
    bench_slow_vfs.pNext = NULL;
    return sqlite3_vfs_register(&bench_slow_vfs, 1) == SQLITE_OK;
}

#endif
