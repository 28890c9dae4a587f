/*
 * sqlfrag: the SQL that spells a rule of the response table, written once:
 * the columns a response is written with (and their order), the tuple that
 * decides "same content" (a repeated (city, id) with the same content is a
 * no-op answered as a success, with other content a 409), and the columns
 * the aggregates read. Spliced into every statement that needs them.
 *
 * They are string-literal macros, not files under queries/: a statement
 * made from them is still one compile-time constant (C joins adjacent
 * literals), so it is prepared as it stands, takes its values only as
 * parameters, and stays a literal for scripts/checksrc. A file embedded
 * from queries/ is a run-time string: every statement using it would have
 * to be assembled at run time, which is what the parameterized-SQL rule
 * keeps out. The content tuple also needs a table alias ("r", "x"), which a
 * macro takes and a file would not.
 *
 * A change of the response table's columns changes RESPONSE_COLUMNS and
 * RESPONSE_COLUMN_TYPES together, and the encoders that write rows in this
 * order (ingest_encode.h): the COPY row, the JSON record, the typed
 * parameters of one response.
 */
#ifndef EMPIRIE_SQLFRAG_H
#define EMPIRIE_SQLFRAG_H

/* The columns a response is written with, in the order every writer uses. */
#define RESPONSE_COLUMNS \
    "city, id, survey, wave, survey_version, attrs, answers, texts, weight"

/* RESPONSE_COLUMNS with their types: the record type of a JSON batch
 * (json_to_recordset) and of import's staging table. */
#define RESPONSE_COLUMN_TYPES \
    "city text, id uuid, survey text, wave text, survey_version integer, attrs smallint[], " \
    "answers smallint[], texts text[], weight double precision"

/* The content of the row called A (an alias, as a string literal): what must
 * be equal for a repeated key to be the same response. Everything but the
 * key (city, id) and what the server sets (received_on). */
#define RESPONSE_CONTENT(A) \
    "(" A ".survey, " A ".wave, " A ".survey_version, " A ".attrs, " A ".answers, " A \
    ".texts, " A ".weight)"

/* True when rows A and B have the same content (NULLs equal). */
#define RESPONSE_SAME_CONTENT(A, B) RESPONSE_CONTENT(A) " IS NOT DISTINCT FROM " RESPONSE_CONTENT(B)

/* True when rows A and B have different content: a conflict. */
#define RESPONSE_OTHER_CONTENT(A, B) RESPONSE_CONTENT(A) " IS DISTINCT FROM " RESPONSE_CONTENT(B)

/* The columns the aggregates read from a response, in the order their
 * COPY parser takes them (engine/analysis/agg_read.c). */
#define RESPONSE_AGG_COLUMNS "city, wave, survey_version, attrs, answers, weight"

#endif
