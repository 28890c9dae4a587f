/* Integration: `make install` as a Debian administrator uses it: PREFIX into
 * a fresh folder, the installed binary finding its data without
 * EMPIRIE_ROOT from any folder, DESTDIR staging the same tree, the man page
 * rendering without warnings, and the systemd unit passing
 * `systemd-analyze verify` (when those tools are there). The sanitized
 * binary is installed (INSTALL_BIN), so nothing is rebuilt. */
#include "testdb.h"

#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char out[1 << 16];

/* Runs a shell command, output (stdout and stderr) into out; its status. */
static int sh(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    FILE *p;
    size_t n;
    int st;

    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    p = popen(cmd, "r");
    cr_assert(p != NULL);
    n = fread(out, 1, sizeof out - 1, p);
    out[n] = '\0';
    st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int have(const char *tool)
{
    char cmd[256];

    snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", tool);
    return system(cmd) == 0;
}

Test(install, prefix_destdir_man_page_and_unit, .timeout = 300)
{
    char p[] = "/tmp/empirie-prefix-XXXXXX", d[] = "/tmp/empirie-destdir-XXXXXX";
    char elsewhere[] = "/tmp/empirie-cwd-XXXXXX";
    const char *bin = getenv("EMPIRIE_BIN");
    struct testdb db;

    cr_assert(bin != NULL);
    cr_assert(mkdtemp(p) != NULL && mkdtemp(d) != NULL && mkdtemp(elsewhere) != NULL);
    cr_assert_eq(sh("cd '%s' && make -s install PREFIX='%s' INSTALL_BIN='%s' 2>&1",
                    testdb_root(), p, bin),
                 0, "%s", out);
    cr_assert_eq(sh("cd '%s' && make -s install PREFIX=/usr DESTDIR='%s' INSTALL_BIN='%s' 2>&1",
                    testdb_root(), d, bin),
                 0, "%s", out);
    /* the same tree, staged */
    cr_expect_eq(sh("cd '%s' && find . | sort > ../a-$$ && cd '%s/usr' && find . | sort > "
                    "../../b-$$; cmp '%s/../a-'$$ '%s/../b-'$$; rc=$?; rm -f '%s/../a-'$$ "
                    "'%s/../b-'$$; exit $rc",
                    p, d, p, d, p, d),
                 0, "%s", out);
    cr_expect_eq(sh("test -x '%s/bin/empirie' && test -f '%s/share/empirie/surveys/registry/"
                    "cities.json' && test -f '%s/share/man/man1/empirie.1' && test -f "
                    "'%s/lib/systemd/system/empirie.service'",
                    p, p, p, p),
                 0, "the installed files");

    /* from another folder, without EMPIRIE_ROOT */
    testdb_create(&db, 1);
    cr_expect_eq(sh("cd '%s' && env -u EMPIRIE_ROOT '%s/bin/empirie' registry load --db \"%s\" "
                    "2>&1",
                    elsewhere, p, db.conninfo),
                 0, "%s", out);
    cr_expect(strstr(out, "share/empirie/surveys/registry") != NULL, "read from share: %s", out);
    cr_expect_eq(sh("cd '%s' && env -u EMPIRIE_ROOT '%s/bin/empirie' registry list --db \"%s\" "
                    "2>&1",
                    elsewhere, p, db.conninfo),
                 0, "%s", out);
    cr_expect(strstr(out, "Kędzierzyn-Koźle") != NULL && strstr(out, "Miasta (") != NULL, "%s",
              out);
    /* the staged binary finds its own staged data too */
    cr_expect_eq(sh("cd '%s' && env -u EMPIRIE_ROOT '%s/usr/bin/empirie' registry load --db "
                    "\"%s\" 2>&1",
                    elsewhere, d, db.conninfo),
                 0, "%s", out);
    cr_expect(strstr(out, d) != NULL, "read from the staged share: %s", out);
    testdb_drop(&db);

    if (have("man")) {
        cr_expect_eq(sh("LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l '%s/share/man/man1/"
                        "empirie.1' 2>&1 >/dev/null",
                        p),
                     0, "%s", out);
        cr_expect_str_eq(out, "", "man -l: no warnings");
        cr_expect_eq(sh("LC_ALL=C MANWIDTH=80 man --warnings -l '%s/share/man/man1/empirie.1' "
                        "2>&1 >/dev/null",
                        p),
                     0, "%s", out);
        cr_expect_str_eq(out, "", "man -l in an ASCII locale: no warnings");
        cr_expect_eq(sh("MANWIDTH=80 man -l '%s/share/man/man1/empirie.1' 2>/dev/null", p), 0);
        cr_expect(strstr(out, "empirie token create") != NULL || strstr(out, "token create") != NULL,
                  "%s", out);
    } else {
        cr_log_warn("man is not installed: the man page is not checked");
    }
    if (have("systemd-analyze")) {
        cr_expect_eq(sh("grep -q '^ExecStart=%s/bin/empirie serve$' '%s/lib/systemd/system/"
                        "empirie.service'",
                        p, p),
                     0, "ExecStart is the installed binary");
        cr_expect_eq(sh("MANPATH='%s/share/man' systemd-analyze verify '%s/lib/systemd/system/"
                        "empirie.service' 2>&1",
                        p, p),
                     0, "systemd-analyze verify: %s", out);
    } else {
        cr_log_warn("systemd-analyze is not installed: the unit is not checked");
    }
    sh("rm -rf '%s' '%s' '%s'", p, d, elsewhere);
}
