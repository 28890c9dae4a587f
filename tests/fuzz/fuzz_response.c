/*
 * libFuzzer target for response_parse: any bytes in, a validated batch or an
 * error out, never a crash, a leak or undefined behaviour. The catalog is
 * built once from the instrument files (no database): $EMPIRIE_ROOT or the
 * current directory. Error messages must be valid UTF-8 (they go back to the
 * client inside JSON): checked with jansson. A body the text scan takes
 * (rscan.h) must be taken the same by jansson and the validator.
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct response_batch *b = NULL;
    struct response_error e;

    if (cat == NULL)
        load_catalog();
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
