-- 0018: generations of what the figures are computed from (issue 19). The
-- daemon keeps a survey's computed results while neither the survey's
-- responses (or their voids) nor the registry changed, whoever wrote them:
-- the daemon itself, `empirie import`, `empirie responses void`, `empirie
-- registry load` or plain SQL. Statement-level triggers give a new number to
-- what a statement touched, once per statement (a group commit or an import
-- of many rows costs one bump per survey, not one per row). The numbers come
-- from one sequence, so a number is never given twice, even to a row that
-- was deleted and made again.

CREATE SEQUENCE results_generation_seq;

-- A survey's generation is the sum of its rows' numbers (no row: 0). Each
-- writing session bumps the row of its own slot (its backend's process id
-- modulo 64), so concurrent writers (a pool's connections, the daemon's
-- group commit writers, pgbench clients) seldom wait for each other: with
-- one row per survey every writing transaction held that row's lock until
-- its COMMIT, one WAL flush after the other (measured: a sixth of the
-- single-row inserts per second of 16 clients). A bump gives its row a
-- number taken after the row's lock, larger than any before it, so the
-- sum only grows.
CREATE TABLE survey_generation (
    survey  text NOT NULL,
    slot    smallint NOT NULL,
    gen     bigint NOT NULL,
    PRIMARY KEY (survey, slot)
);

-- One row: the registry (city, network, network_member, survey, wave).
CREATE TABLE registry_generation (
    only_row  boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    gen       bigint NOT NULL
);
INSERT INTO registry_generation (gen) VALUES (nextval('results_generation_seq'));

-- The bump of the surveys of the rows a statement inserted (transition
-- table new_rows) or deleted (old_rows): the writing session's slot of each,
-- in slug order so that two sessions sharing a slot lock rows in the same
-- order. Written out in each function (not a shared SQL function) so that
-- PL/pgSQL keeps the plan: a bump is one statement per writing statement.
CREATE FUNCTION response_generation_new() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO survey_generation AS g (survey, slot, gen)
        SELECT s.survey, (pg_backend_pid() % 64)::smallint, nextval('results_generation_seq')
        FROM (SELECT DISTINCT survey FROM new_rows) AS s ORDER BY s.survey
        ON CONFLICT (survey, slot) DO UPDATE SET gen = nextval('results_generation_seq');
    RETURN NULL;
END
$$;
CREATE FUNCTION response_generation_old() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO survey_generation AS g (survey, slot, gen)
        SELECT s.survey, (pg_backend_pid() % 64)::smallint, nextval('results_generation_seq')
        FROM (SELECT DISTINCT survey FROM old_rows) AS s ORDER BY s.survey
        ON CONFLICT (survey, slot) DO UPDATE SET gen = nextval('results_generation_seq');
    RETURN NULL;
END
$$;
-- TRUNCATE: every survey.
CREATE FUNCTION response_generation_all() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO survey_generation AS g (survey, slot, gen)
        SELECT s.survey, (pg_backend_pid() % 64)::smallint, nextval('results_generation_seq')
        FROM (SELECT DISTINCT survey FROM survey_generation) AS s ORDER BY s.survey
        ON CONFLICT (survey, slot) DO UPDATE SET gen = nextval('results_generation_seq');
    RETURN NULL;
END
$$;

CREATE TRIGGER response_generation_insert AFTER INSERT ON response
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION response_generation_new();
-- (UPDATE and DELETE are refused by response_immutable; counted all the same
-- should an administrator lift that.)
CREATE TRIGGER response_generation_update AFTER UPDATE ON response
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION response_generation_new();
CREATE TRIGGER response_generation_delete AFTER DELETE ON response
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION response_generation_old();
CREATE TRIGGER response_generation_truncate AFTER TRUNCATE ON response
    FOR EACH STATEMENT EXECUTE FUNCTION response_generation_all();

-- A void (or its undo) names a response by (city, id): its survey is the
-- response's.
CREATE FUNCTION void_generation_new() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO survey_generation AS g (survey, slot, gen)
        SELECT s.survey, (pg_backend_pid() % 64)::smallint, nextval('results_generation_seq')
        FROM (SELECT DISTINCT r.survey FROM new_rows v
              JOIN response r ON r.city = v.city AND r.id = v.id) AS s ORDER BY s.survey
        ON CONFLICT (survey, slot) DO UPDATE SET gen = nextval('results_generation_seq');
    RETURN NULL;
END
$$;
CREATE FUNCTION void_generation_old() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO survey_generation AS g (survey, slot, gen)
        SELECT s.survey, (pg_backend_pid() % 64)::smallint, nextval('results_generation_seq')
        FROM (SELECT DISTINCT r.survey FROM old_rows v
              JOIN response r ON r.city = v.city AND r.id = v.id) AS s ORDER BY s.survey
        ON CONFLICT (survey, slot) DO UPDATE SET gen = nextval('results_generation_seq');
    RETURN NULL;
END
$$;
CREATE TRIGGER void_generation_insert AFTER INSERT ON response_void
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION void_generation_new();
CREATE TRIGGER void_generation_update_new AFTER UPDATE ON response_void
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION void_generation_new();
CREATE TRIGGER void_generation_update_old AFTER UPDATE ON response_void
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION void_generation_old();
CREATE TRIGGER void_generation_delete AFTER DELETE ON response_void
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION void_generation_old();
CREATE TRIGGER void_generation_truncate AFTER TRUNCATE ON response_void
    FOR EACH STATEMENT EXECUTE FUNCTION response_generation_all();

-- The registry: any change to what the figures are labelled, grouped or
-- weighted with.
CREATE FUNCTION registry_generation_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE registry_generation SET gen = nextval('results_generation_seq');
    RETURN NULL;
END
$$;
CREATE TRIGGER city_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON city
    FOR EACH STATEMENT EXECUTE FUNCTION registry_generation_bump();
CREATE TRIGGER network_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON network
    FOR EACH STATEMENT EXECUTE FUNCTION registry_generation_bump();
CREATE TRIGGER network_member_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON network_member FOR EACH STATEMENT EXECUTE FUNCTION registry_generation_bump();
CREATE TRIGGER survey_generation_registry AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON survey
    FOR EACH STATEMENT EXECUTE FUNCTION registry_generation_bump();
CREATE TRIGGER wave_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON wave
    FOR EACH STATEMENT EXECUTE FUNCTION registry_generation_bump();
