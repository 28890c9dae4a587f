/* Integration: the short form of the crash test (tests/faults/crash.py;
 * `make test-faults` runs the full one): a few thousand responses submitted
 * with retry on 503 while the (sanitized) daemon is SIGKILLed once and
 * PostgreSQL restarted once fast and once immediate. Nothing acknowledged
 * may be lost, nothing stored twice or with other content, no answer 500. */
#include "testdb.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

/* No .timeout (see test_http_strict.c): coreutils timeout bounds the run. */
TestSuite(faults);

Test(faults, crash_short)
{
    char cmd[2048], line[512], all[8192] = "";
    FILE *p;
    int status;

    snprintf(cmd, sizeof cmd,
             "cd '%s' && FAULTS_RESPONSES=3000 FAULTS_KILLS=1 FAULTS_PG_FAST=1 "
             "FAULTS_PG_IMMEDIATE=1 FAULTS_GAP=1.5 FAULTS_CLIENTS=12 "
             "timeout 240 /usr/bin/python3 tests/faults/crash.py 2>&1",
             testdb_root());
    p = popen(cmd, "r");
    cr_assert(p != NULL);
    while (fgets(line, sizeof line, p) != NULL)
        if (strlen(all) + strlen(line) < sizeof all)
            strcat(all, line);
    status = pclose(p);
    fprintf(stderr, "%s", all);
    cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "crash.py failed:\n%s", all);
    cr_expect(strstr(all, " lost=0 duplicates=0 mismatched=0 status_500=0") != NULL, "%s", all);
}
