/* Private to src/app/: the journal's place in the service layer. */
#ifndef CL_APP_INT_H
#define CL_APP_INT_H

#include "clearance/app.h"

/* Migrates the journal, journals the rule set if its digest is new, and points app's event hook at the journal. */
enum cl_err app_journal_open(struct cl_app *app, struct cl_error *err);
/* The event hook: appends one ledger event record to the journal in the caller's transaction. */
enum cl_err app_journal_event(void *ctx, struct cl_store *st, const json_t *record, struct cl_error *err);

#endif
