/* Private to src/app/: the journal's place in the service layer. */
#ifndef CL_APP_INT_H
#define CL_APP_INT_H

#include "clearance/app.h"

/* Migrates the journal, journals the rule set if its digest is new, and points app's event hook at the journal. */
enum cl_err app_journal_open(struct cl_app *app, struct cl_error *err);
/* The event hook (ctx is the app): keeps one ledger event record for the journal of the open transaction. */
enum cl_err app_journal_event(void *ctx, struct cl_store *st, const json_t *record, struct cl_error *err);
/* Appends the kept records to the journal as one batch, inside the open transaction, and forgets them: called
 * just before a commit, so the entries commit with the changes they record. */
enum cl_err app_journal_flush(struct cl_app *app, struct cl_error *err);
/* How many records are kept, and forgetting those past a mark (what a rolled-back savepoint had added). */
size_t app_journal_mark(const struct cl_app *app);
void app_journal_forget(struct cl_app *app, size_t mark);

#endif
