#include "config.h"

#include "err.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *config_root(void)
{
    const char *root = getenv("EMPIRIE_ROOT");

    return (root != NULL && root[0] != '\0') ? root : ".";
}

static int has_registry(const char *dir)
{
    char path[PATH_MAX + 32];
    struct stat st;

    snprintf(path, sizeof path, "%s/surveys/registry", dir);
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

const char *config_data_dir(void)
{
    static char installed[PATH_MAX + 32];
    const char *root = getenv("EMPIRIE_ROOT");
    char exe[PATH_MAX];
    ssize_t n;
    char *slash;

    if (root != NULL && root[0] != '\0')
        return root;
    if (has_registry("."))
        return ".";
    n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        slash = strrchr(exe, '/');
        if (slash != NULL) {
            *slash = '\0';   /* the binary's folder, e.g. /usr/local/bin */
            snprintf(installed, sizeof installed, "%s/../share/empirie", exe);
            if (has_registry(installed))
                return installed;
        }
    }
    return ".";
}

static int read_first_line(const char *path, char *out, size_t n)
{
    FILE *f = fopen(path, "r");
    size_t len;

    if (f == NULL)
        return -1;
    if (fgets(out, (int)n, f) == NULL) {
        fclose(f);
        return -1;
    }
    fclose(f);
    len = strlen(out);
    while (len > 0 && (out[len - 1] == '\n' || out[len - 1] == '\r'))
        out[--len] = '\0';
    return len > 0 ? 0 : -1;
}

static int env_set(const char *name)
{
    const char *v = getenv(name);

    return v != NULL && v[0] != '\0';
}

int config_conninfo(const char *flag, char *out, size_t n, char *err, size_t errlen)
{
    const char *url = getenv("DATABASE_URL");
    const char *pgdir = getenv("EMPIRIE_PG_DIR");
    char path[4096];

    if (flag != NULL) {
        snprintf(out, n, "%s", flag);
        return 0;
    }
    if (url != NULL && url[0] != '\0') {
        snprintf(out, n, "%s", url);
        return 0;
    }
    if (env_set("PGHOST") || env_set("PGHOSTADDR") || env_set("PGDATABASE") ||
        env_set("PGSERVICE")) {
        snprintf(out, n, "%s", "");
        return 0;
    }
    if (pgdir != NULL && pgdir[0] != '\0')
        snprintf(path, sizeof path, "%s/conninfo", pgdir);
    else
        snprintf(path, sizeof path, "%s/var/conninfo", config_root());
    if (read_first_line(path, out, n) == 0)
        return 0;
    return err_set(err, errlen,
                   "no database given: use --db CONNINFO or DATABASE_URL, or start "
                   "the private cluster with 'scripts/pg-local start' (no %s)", path);
}
