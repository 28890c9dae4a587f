-- 0021: how many responses are stored per survey x wave x city, kept by
-- statement-level triggers, so that the cache of closed waves
-- (engine/analysis/agg_cache.h) reads the row counts of its fingerprints
-- from a few hundred rows instead of counting every response of the closed
-- waves (an index-only scan of response_by_wave, which grows with the
-- rows: 169 ms at 1M responses, EXPLAIN ANALYZE, on every cached report and
-- stats request).
-- Whoever writes: the daemon, `empirie import`, plain SQL. Like
-- survey_generation (0018), each writing session adds to the row of its own
-- slot (its backend's process id modulo 64), so concurrent writers seldom
-- wait for each other; a count is the sum over the slots.
CREATE TABLE response_count (
    survey  text NOT NULL,
    wave    text NOT NULL,
    city    text NOT NULL,
    slot    smallint NOT NULL,
    n       bigint NOT NULL,
    PRIMARY KEY (survey, wave, city, slot)
);
INSERT INTO response_count (survey, wave, city, slot, n)
    SELECT survey, wave, city, 0, count(*) FROM response GROUP BY survey, wave, city;

-- The rows a statement added (moved_rows, its new rows) or took away (its
-- old rows: the trigger's argument is -1), in key order so that two sessions
-- sharing a slot lock rows in the same order.
CREATE FUNCTION response_count_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO response_count AS c (survey, wave, city, slot, n)
        SELECT survey, wave, city, (pg_backend_pid() % 64)::smallint,
               TG_ARGV[0]::bigint * count(*)
        FROM moved_rows GROUP BY survey, wave, city ORDER BY survey, wave, city
        ON CONFLICT (survey, wave, city, slot) DO UPDATE SET n = c.n + EXCLUDED.n;
    RETURN NULL;
END
$$;
CREATE FUNCTION response_count_all() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM response_count;
    RETURN NULL;
END
$$;

CREATE TRIGGER response_count_insert AFTER INSERT ON response
    REFERENCING NEW TABLE AS moved_rows FOR EACH STATEMENT EXECUTE FUNCTION response_count_add('1');
-- (UPDATE and DELETE are refused by response_immutable; counted all the same
-- should an administrator lift that: an update takes its old rows away and
-- adds its new ones.)
CREATE TRIGGER response_count_update_old AFTER UPDATE ON response
    REFERENCING OLD TABLE AS moved_rows FOR EACH STATEMENT EXECUTE FUNCTION response_count_add('-1');
CREATE TRIGGER response_count_update_new AFTER UPDATE ON response
    REFERENCING NEW TABLE AS moved_rows FOR EACH STATEMENT EXECUTE FUNCTION response_count_add('1');
CREATE TRIGGER response_count_delete AFTER DELETE ON response
    REFERENCING OLD TABLE AS moved_rows FOR EACH STATEMENT EXECUTE FUNCTION response_count_add('-1');
CREATE TRIGGER response_count_truncate AFTER TRUNCATE ON response
    FOR EACH STATEMENT EXECUTE FUNCTION response_count_all();
