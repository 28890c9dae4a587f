/*
 * Unit: the encoders of a response for PostgreSQL (ingest_encode.h), byte
 * for byte. The texts are written by hand from PostgreSQL's documentation:
 * COPY's text format (backslash, tab, newline, CR escaped; \N for NULL),
 * array literals (elements quoted, quote and backslash escaped), JSON
 * (RFC 8259 string escapes). tests/integration/test_intake_paths.c checks
 * that the server stores the same row from each.
 */
#include "ingest_encode.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

static const struct survey_item items[3];
static const struct survey instrument = { .slug = "s", .version = 2, .items = items,
                                          .nitems = 3, .nattrs = 2 };

static struct response sample(int16_t *answers, int16_t *attrs, char **texts, double weight)
{
    struct response r = { .instrument = &instrument, .survey = "s", .wave = "2024",
                          .city = "ko\tnin", .answers = answers, .attrs = attrs,
                          .texts = texts, .weight = weight };

    memcpy(r.id, "4a6c2f0e-8d1b-4c3a-9f2e-0b5d7c8e1a24", 37);
    return r;
}

Test(ingest_encode, copy_row)
{
    int16_t answers[3] = { 4, SURVEY_NA, -12 }, attrs[2] = { SURVEY_NA, 12 };
    char *texts[3] = { NULL, "a\"b\\c\td\ne\rf", "" };
    struct response r = sample(answers, attrs, texts, 0.1);
    struct dynbuf b;

    dynbuf_init(&b, INGEST_ENCODE_MAX);
    ingest_copy_row(&b, &r, 0);
    ingest_copy_row(&b, &r, 12);
    r.texts = NULL;
    r.weight = 0;
    ingest_copy_row(&b, &r, 0);
    cr_assert(dynbuf_error(&b) == DYNBUF_OK);
    cr_expect_str_eq(dynbuf_ptr(&b),
        "ko\\tnin\t4a6c2f0e-8d1b-4c3a-9f2e-0b5d7c8e1a24\ts\t2024\t2\t{NULL,12}\t{4,NULL,-12}\t"
        "{NULL,\"a\\\\\"b\\\\\\\\c\\td\\ne\\rf\",\"\"}\t0.10000000000000001\n"
        "12\tko\\tnin\t4a6c2f0e-8d1b-4c3a-9f2e-0b5d7c8e1a24\ts\t2024\t2\t{NULL,12}\t"
        "{4,NULL,-12}\t{NULL,\"a\\\\\"b\\\\\\\\c\\td\\ne\\rf\",\"\"}\t0.10000000000000001\n"
        "ko\\tnin\t4a6c2f0e-8d1b-4c3a-9f2e-0b5d7c8e1a24\ts\t2024\t2\t{NULL,12}\t{4,NULL,-12}\t"
        "\\N\t\\N\n");
    dynbuf_free(&b);
}

Test(ingest_encode, params)
{
    int16_t answers[3] = { 4, SURVEY_NA, 9 }, attrs[2] = { 1, SURVEY_NA };
    char *texts[3] = { NULL, "a\"b\\c", NULL };
    struct response r = sample(answers, attrs, texts, 1.25);
    struct ingest_params p;

    cr_assert(ingest_params_set(&p, &r) == 0);
    cr_expect_str_eq(p.value[0], "ko\tnin");
    cr_expect_str_eq(p.value[1], "4a6c2f0e-8d1b-4c3a-9f2e-0b5d7c8e1a24");
    cr_expect_str_eq(p.value[2], "s");
    cr_expect_str_eq(p.value[3], "2024");
    cr_expect_str_eq(p.value[4], "2");
    cr_expect_str_eq(p.value[5], "{1,NULL}");
    cr_expect_str_eq(p.value[6], "{4,NULL,9}");
    cr_expect_str_eq(p.value[7], "{NULL,\"a\\\"b\\\\c\",NULL}");
    cr_expect_str_eq(p.value[8], "1.25");
    ingest_params_clear(&p);
    r.texts = NULL;
    r.weight = 0;
    cr_assert(ingest_params_set(&p, &r) == 0);
    cr_expect_null(p.value[7]);
    cr_expect_null(p.value[8]);
    cr_expect_str_eq(p.value[6], "{4,NULL,9}");
    ingest_params_clear(&p);
}

Test(ingest_encode, json)
{
    int16_t answers[3] = { 4, SURVEY_NA, 9 }, attrs[2] = { SURVEY_NA, SURVEY_NA };
    char *texts[3] = { "\"\\\x01", NULL, NULL };
    struct response r[2];
    char *json;

    r[0] = sample(answers, attrs, texts, 0);
    r[1] = sample(answers, attrs, NULL, 3);
    json = ingest_batch_json(r, 2);
    cr_assert(json != NULL);
    cr_expect_str_eq(json,
        "[{\"i\":0,\"city\":\"ko\\u0009nin\",\"id\":\"4a6c2f0e-8d1b-4c3a-9f2e-0b5d7c8e1a24\","
        "\"survey\":\"s\",\"wave\":\"2024\",\"survey_version\":2,\"attrs\":[null,null],"
        "\"answers\":[4,null,9],\"texts\":[\"\\\"\\\\\\u0001\",null,null],\"weight\":null},"
        "{\"i\":1,\"city\":\"ko\\u0009nin\",\"id\":\"4a6c2f0e-8d1b-4c3a-9f2e-0b5d7c8e1a24\","
        "\"survey\":\"s\",\"wave\":\"2024\",\"survey_version\":2,\"attrs\":[null,null],"
        "\"answers\":[4,null,9],\"texts\":null,\"weight\":3}]");
    free(json);
}
