/*
 * names: finding a city, network, survey or wave from what a person types.
 *
 * A slug is found from itself, from the name written with or without its
 * diacritics and in any case ("Konin", "Kędzierzyn-Koźle", "kedzierzyn
 * kozle", "KAPITAŁ LUDZKI"), or from the unique beginning of a slug or
 * name ("kedzierzyn"). What is not found is an error that names what was
 * looked for and lists the nearest names ("did you mean ...?"), in the
 * command line's language (msg.h: Polish by default).
 */
#ifndef EMPIRIE_NAMES_H
#define EMPIRIE_NAMES_H

#include <libpq-fe.h>
#include <stddef.h>

enum names_kind { NAMES_CITY, NAMES_NETWORK, NAMES_SURVEY };

/* The most characters of a name that are compared. */
#define NAMES_MAX 128

/* in folded into out: lower case ASCII letters and digits, the letters of
 * Polish (and of Latin-1 and Latin Extended-A) without their diacritics,
 * every run of other characters one '-', none at the ends. "Kędzierzyn-
 * Koźle" -> "kedzierzyn-kozle", "Kapitał Ludzki" -> "kapital-ludzki". */
void names_fold(const char *in, char *out, size_t n);

/* The edit distance (Levenshtein) of two strings of at most NAMES_MAX
 * bytes (longer ones are cut). */
size_t names_distance(const char *a, const char *b);

/* A list of candidates: slug and name (the name may be NULL). */
struct names_entry {
    const char *slug;
    const char *name;
};

/*
 * Finds given among n candidates. Returns the index of the one it names,
 * or -1 with err saying "no WHAT 'given'" and, when some are near, "(did you
 * mean: a, b, c?)", or that it is ambiguous and between which.
 */
long names_find(const struct names_entry *c, size_t n, const char *what, const char *given,
                char *err, size_t errlen);

/*
 * The same against the database (the registry snapshot, regsnap.h, or the surveys'
 * slugs and Polish titles): the slug into slug (size n). 0; 1 when not
 * found (err as names_find); -1 on a database error.
 */
int names_resolve(PGconn *conn, enum names_kind kind, const char *given, char *slug, size_t n,
                  char *err, size_t errlen);

/* A city or network (kind NAMES_CITY or NAMES_NETWORK) against a registry
 * snapshot the caller has read: as names_resolve, -1 only when out of
 * memory. */
struct regsnap;
int names_resolve_in(const struct regsnap *reg, enum names_kind kind, const char *given,
                     char *slug, size_t n, char *err, size_t errlen);

/*
 * Whether survey has wave (its label, exactly; or folded the same). 0 with
 * the label into label (size n); 1 with err "survey S has no wave W (its
 * waves: ...)"; -1 on a database error.
 */
int names_wave(PGconn *conn, const char *survey, const char *given, char *label, size_t n,
               char *err, size_t errlen);

/* A command's names: each NULL when not given; after names_args_resolve
 * each points to the slug or label it names (in the buffers). registry:
 * the registry snapshot the city and network were found in, read once by
 * names_args_resolve: the command's one snapshot, for it to pass to every
 * other reader (results_src_load, the workbooks' facts). Owned by the
 * struct (names_args_free); NULL before names_args_resolve. */
struct names_args {
    const char *survey, *wave, *city, *network;
    char buf[4][NAMES_MAX];
    struct regsnap *registry;
};

/* Resolves the given names (the survey first, then the wave of it). 0; 1
 * with err for a name that names nothing or more than one thing; -1 on a
 * database error. a->registry is read in every case but a database error
 * before it (names_args_free it in every case). */
int names_args_resolve(PGconn *conn, struct names_args *a, char *err, size_t errlen);

/* Frees a->registry (and sets it NULL); a may have been resolved or not. */
void names_args_free(struct names_args *a);

#endif
