/*
 * config: where things are. Resolves the database to use and the project's
 * data folders, from flags and environment, in one documented order.
 */
#ifndef EMPIRIE_CONFIG_H
#define EMPIRIE_CONFIG_H

#include <stddef.h>

/*
 * Chooses the libpq conninfo, first match wins:
 *   1. flag (the --db option), when not NULL;
 *   2. $DATABASE_URL;
 *   3. "" (libpq's own defaults) when any of PGHOST, PGHOSTADDR, PGDATABASE or
 *      PGSERVICE is set, so the PG* variables work as libpq defines them;
 *   4. the private cluster: the conninfo file that scripts/pg-local writes in
 *      $EMPIRIE_PG_DIR, or else in var/ below the project root (config_root).
 * Writes it to out (size n). Fails, with a message saying how to start the
 * private cluster, when none applies.
 */
int config_conninfo(const char *flag, char *out, size_t n, char *err, size_t errlen);

/*
 * The project root: $EMPIRIE_ROOT when set, else the current directory. The
 * registry and instruments are read from surveys/ below it unless a command
 * is given another folder.
 */
const char *config_root(void);

/*
 * Where the instruments and the registry (surveys/) are, first match wins:
 *   1. $EMPIRIE_ROOT, when set;
 *   2. the current directory, when it has surveys/registry (a checkout);
 *   3. ../share/empirie beside the running binary's folder, when it has
 *      surveys/registry: where `make install PREFIX=P` puts them for P/bin/empirie
 *      (also when staged with DESTDIR, since the lookup follows the binary);
 *   4. the current directory (commands then say what is missing there).
 */
const char *config_data_dir(void);

#endif
