/* Key files: the signing key (mode 0600, never overwritten) and its public verifier key beside it. */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal_int.h"

#define KEY_FILE_BYTES_MAX 4096

static enum cl_err write_all(int fd, const char *path, const char *text, struct cl_error *err)
{
    size_t n = strlen(text), off = 0;
    while (off < n) {
        ssize_t w = write(fd, text + off, n - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return cl_error_set(err, CL_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
        off += (size_t)w;
    }
    return CL_OK;
}

/* Creates path with the given mode and text; exclusive refuses an existing file. */
static enum cl_err write_file(const char *path, const char *text, mode_t mode, bool exclusive, struct cl_error *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (exclusive ? O_EXCL : O_TRUNC), mode);
    if (fd < 0) {
        if (errno == EEXIST)
            return cl_error_set(err, CL_ERR_CONFLICT, "%s: already exists; a journal key is never overwritten", path);
        return cl_error_set(err, CL_ERR_IO, "%s: cannot create: %s", path, strerror(errno));
    }
    enum cl_err rc = write_all(fd, path, text, err);
    if (!rc && fsync(fd) != 0) rc = cl_error_set(err, CL_ERR_IO, "%s: cannot sync: %s", path, strerror(errno));
    if (close(fd) != 0 && !rc) rc = cl_error_set(err, CL_ERR_IO, "%s: cannot close: %s", path, strerror(errno));
    return rc;
}

void cl_journal_public_key_path(const char *key_path, char *out, size_t cap)
{
    snprintf(out, cap, "%s.pub", key_path);
}

enum cl_err cl_journal_key_create(const char *path, const char *name, struct cl_journal_verifier *out,
                                  struct cl_error *err)
{
    struct cl_journal_signer s;
    enum cl_err rc = cl_journal_signer_generate(name, &s, err);
    if (rc) return rc;
    char text[CL_JOURNAL_KEY_TEXT_BYTES + 1];
    cl_journal_signer_format(&s, text);
    strcat(text, "\n");
    rc = write_file(path, text, 0600, true, err);
    sodium_memzero(text, sizeof(text));
    struct cl_journal_verifier v;
    cl_journal_signer_verifier(&s, &v);
    cl_journal_signer_release(&s);
    if (rc) return rc;
    char pub_path[4096], pub[CL_JOURNAL_KEY_TEXT_BYTES + 1];
    cl_journal_public_key_path(path, pub_path, sizeof(pub_path));
    cl_journal_verifier_format(&v, pub);
    strcat(pub, "\n");
    rc = write_file(pub_path, pub, 0644, false, err);
    if (rc) {
        unlink(path); /* no signing key without its public half */
        return rc;
    }
    if (out) *out = v;
    return CL_OK;
}

/* Reads a one-line key file, without its line end. */
static enum cl_err read_key_file(const char *path, char **out, size_t *out_len, struct cl_error *err)
{
    char *buf = NULL;
    size_t len = 0;
    enum cl_err rc = cl_file_read(path, KEY_FILE_BYTES_MAX, &buf, &len, err);
    if (rc) return rc;
    while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r' || buf[len - 1] == ' '))
        buf[--len] = '\0';
    *out = buf;
    *out_len = len;
    return CL_OK;
}

enum cl_err cl_journal_signer_load(const char *path, struct cl_journal_signer *out, struct cl_error *err)
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        if (errno == ENOENT)
            return cl_error_set(err, CL_ERR_NOT_FOUND,
                                "%s: no signing key (create one with 'clearance journal keygen')", path);
        return cl_error_set(err, CL_ERR_IO, "%s: %s", path, strerror(errno));
    }
    if (sb.st_mode & 077)
        return cl_error_set(err, CL_ERR_FORBIDDEN, "%s: permissions %04o let others read the signing key; chmod 600 it",
                            path, (unsigned)(sb.st_mode & 07777));
    char *text = NULL;
    size_t len = 0;
    enum cl_err rc = read_key_file(path, &text, &len, err);
    if (rc) return rc;
    rc = cl_journal_signer_parse(text, len, out, err);
    if (rc) cl_error_prefix(err, "%s", path);
    sodium_memzero(text, len);
    free(text);
    return rc;
}

enum cl_err cl_journal_verifier_load(const char *path, struct cl_journal_verifier *out, struct cl_error *err)
{
    char *text = NULL;
    size_t len = 0;
    enum cl_err rc = read_key_file(path, &text, &len, err);
    if (rc) return rc;
    rc = cl_journal_verifier_parse(text, len, out, err);
    if (rc) cl_error_prefix(err, "%s", path);
    free(text);
    return rc;
}
