/*
 * Reading the mailer's delivery counters.
 */
#include "db/mailstat.h"

#include "db/db.h"
#include "util/buf.h"

enum err
db_mail_counters(struct db *db, struct arena *a, struct buf *out)
{
	struct db_rows *r;
	enum err e;

	if ((e = db_ensure(db)) != ERR_OK)
		return e;
	e = db_q(db, a, &r,
	    "SELECT name, value FROM mail_counters ORDER BY name", DB_END);
	if (e != ERR_OK)
		return e;
	for (int i = 0; i < r->nrows; i++)
		buf_printf(out, "# TYPE roster_%s counter\nroster_%s %s\n",
		    db_val(r, i, 0), db_val(r, i, 0), db_val(r, i, 1));
	return ERR_OK;
}
