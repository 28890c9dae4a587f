/*
 * libFuzzer target for response_parse: any bytes in, a validated batch or an
 * error out, never a crash, a leak or undefined behaviour. The catalog is
 * built once from the instrument files (no database): $EMPIRIE_ROOT or the
 * current directory. Error messages must be valid UTF-8 (they go back to the
 * client inside JSON): checked with jansson. A body the text scan takes
 * (rscan.h) must be taken the same by jansson and the validator; so must
 * every line of the input that import's line scan (response_scan_line)
 * takes, with one scanner for all the lines, as import reads a file.
 *
 *   make fuzz FUZZ_SECONDS=300
 */
#include "err.h"
#include "registry.h"
#include "response.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct catalog *cat;

static void load_catalog(void)
{
    const char *root = getenv("EMPIRIE_ROOT");
    char dir[4096], surveys[4096], err[ERR_MAX];
    struct registry *reg;

    if (root == NULL || root[0] == '\0')
        root = ".";
    snprintf(dir, sizeof dir, "%s/surveys/registry", root);
    snprintf(surveys, sizeof surveys, "%s/surveys", root);
    if (registry_read(dir, surveys, &reg, err, sizeof err) != 0 ||
        registry_catalog(reg, &cat, err, sizeof err) != 0) {
        fprintf(stderr, "fuzz_response: %s\n", err);
        abort();
    }
    registry_free(reg);
}

/* A body read by the text scan (rscan.h) must be one jansson and the
 * validator accept, with the same responses in the same order. */
static void same_as_jansson(const char *data, size_t size, const struct response_batch *fast)
{
    struct response_batch *slow = NULL;
    struct response_error e;

    if (response_parse_json(data, size, cat, 8, &slow, &e) != 0 || slow->n != fast->n ||
        slow->was_array != fast->was_array)
        abort();
    for (size_t i = 0; i < fast->n; i++)
        if (strcmp(slow->items[i].id, fast->items[i].id) != 0 ||
            strcmp(slow->items[i].city, fast->items[i].city) != 0 ||
            (slow->items[i].texts == NULL) != (fast->items[i].texts == NULL) ||
            !response_same_content(&slow->items[i], &fast->items[i]))
            abort();
    response_batch_free(slow);
}

/* The line scan's response must be the one jansson and the validator make
 * of the same text (one object). */
static void line_same_as_jansson(const char *line, size_t len, const struct response *fast)
{
    struct response_batch *slow = NULL;
    struct response_error e;

    if (response_parse_json(line, len, cat, 1, &slow, &e) != 0 || slow->n != 1 ||
        slow->was_array || strcmp(slow->items[0].id, fast->id) != 0 ||
        strcmp(slow->items[0].city, fast->city) != 0 ||
        (slow->items[0].texts == NULL) != (fast->texts == NULL) ||
        !response_same_content(&slow->items[0], fast))
        abort();
    response_batch_free(slow);
}

/* The input as an NDJSON file: each line through import's line scan. */
static void scan_lines(const char *data, size_t size)
{
    struct response_scanner *sc = response_scanner_new(cat);
    size_t at = 0;

    if (sc == NULL)
        abort();
    while (at < size) {
        const char *nl = memchr(data + at, '\n', size - at);
        size_t len = nl != NULL ? (size_t)(nl - (data + at)) + 1 : size - at;
        struct response r;

        if (response_scan_line(sc, data + at, len, &r) == 0) {
            if (strlen(r.id) != 36 || r.instrument == NULL)
                abort();
            line_same_as_jansson(data + at, len, &r);
        }
        at += len;
    }
    response_scanner_free(sc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct response_batch *b = NULL;
    struct response_error e;

    if (cat == NULL)
        load_catalog();
    scan_lines((const char *)data, size);
    if (response_parse((const char *)data, size, cat, 8, &b, &e) == 0) {
        if (b == NULL || b->n == 0 || b->n > 8)
            abort();
        for (size_t i = 0; i < b->n; i++)
            if (strlen(b->items[i].id) != 36 || b->items[i].instrument == NULL)
                abort();
        if (b->text != NULL)
            same_as_jansson((const char *)data, size, b);
        response_batch_free(b);
        return 0;
    }
    if (b != NULL) {
        abort();
    } else {
        json_t *msg = json_string(e.message);
        json_t *path = json_string(e.path);

        if (msg == NULL || path == NULL || e.message[0] == '\0')
            abort();
        json_decref(msg);
        json_decref(path);
    }
    return 0;
}
