/*
 * testgen: made-up responses for tests (testgen.h).
 */
#include "testgen.h"

#include <criterion/criterion.h>

void testgen_exec(struct testdb *db, const char *sql)
{
    PGresult *res = PQexec(db->conn, sql);

    cr_assert(PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK,
              "%s: %s", sql, PQresultErrorMessage(res));
    PQclear(res);
}

void testgen_responses(struct testdb *db)
{
    testgen_exec(db, "SELECT setseed(0.19)");
    /* (the "0 * i" makes the answers' subquery depend on the row, so it is
     * drawn anew for every respondent) */
    testgen_exec(db,
                 "INSERT INTO response (city, id, survey, wave, survey_version, attrs, answers, "
                 "weight) "
                 "SELECT city, gen_random_uuid(), survey, wave, v, attrs, answers, weight FROM ("
                 " SELECT c AS city, w.survey, w.label AS wave, w.survey_version AS v, "
                 "  ARRAY[1 + floor(random() * 4), 1 + floor(random() * 3), "
                 "        1 + floor(random() * 7)]::smallint[] AS attrs, "
                 "  ARRAY(SELECT (1 + floor(random() * 4 + 0 * i))::smallint "
                 "        FROM generate_series(1, (SELECT jsonb_array_length(s.definition->'items') "
                 "        FROM survey s WHERE s.slug = w.survey "
                 "        AND s.version = w.survey_version))) AS answers, "
                 "  CASE WHEN w.survey = 'mlodziez-partycypacja' THEN 0.5 + random() END "
                 "   AS weight, random() AS r "
                 " FROM wave w, unnest(ARRAY['konin', 'jaslo', 'krosno', 'nisko', 'zabrze', "
                 "   'tarnow', 'cieszyn', 'przemysl', 'zary']) WITH ORDINALITY AS t(c, n), "
                 "   generate_series(1, 64) AS i "
                 " WHERE i <= 25 + (n * 7 + length(w.label) * 3 + ascii(w.survey)) % 40"
                 ") x ORDER BY r");
    testgen_exec(db, "INSERT INTO response_void_audit (action, survey, wave, city, reason, "
                     "os_user, responses) VALUES ('void', 'satysfakcja-pracownikow', '2025', "
                     "'konin', 'test', 'test', 7)");
    testgen_exec(db, "INSERT INTO response_void (city, id, audit) "
                     "SELECT city, id, 1 FROM response WHERE city IN ('konin', 'tarnow') "
                     "AND survey = 'satysfakcja-pracownikow' AND wave = '2025' ORDER BY id "
                     "LIMIT 7");
    testgen_exec(db, "ANALYZE response");
}

void testgen_responses_open(struct testdb *db)
{
    testgen_responses(db);
    testgen_exec(db, "UPDATE wave SET closes_on = current_date + 30 "
                     "WHERE survey = 'satysfakcja-pracownikow' AND label = '2025'");
}
