-- 0001: the data model (ARCHITECTURE.md, "Data model").
-- Every fact table carries `city` and is keyed by it, so the schema can be
-- distributed by city with Citus without a rewrite (docs/scaling.md).

CREATE TABLE IF NOT EXISTS schema_migration (
    version     integer PRIMARY KEY,
    name        text NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE city (
    slug        text PRIMARY KEY CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    name        text NOT NULL CHECK (name <> ''),
    voivodeship text,
    -- true for the cities of the "Rozwój Lokalny" programme; false for other
    -- cities (observers, hosts of meetings).
    programme   boolean NOT NULL DEFAULT true,
    -- the rest of the registry entry (how the seeds name it, population
    -- figures for weighting, staff headcount), kept as given.
    extra       jsonb NOT NULL DEFAULT '{}'
);

CREATE TABLE network (
    slug        text PRIMARY KEY CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    name        text NOT NULL CHECK (name <> ''),
    name_en     text,
    description text
);

CREATE TABLE network_member (
    network     text NOT NULL REFERENCES network (slug),
    city        text NOT NULL REFERENCES city (slug),
    role        text NOT NULL CHECK (role IN ('member', 'observer')),
    since       date,
    until       date,
    -- true where the membership is example data, not taken from the seeds
    example     boolean NOT NULL DEFAULT false,
    PRIMARY KEY (network, city),
    CHECK (since IS NULL OR until IS NULL OR until >= since)
);

CREATE TABLE survey (
    slug        text NOT NULL CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    version     integer NOT NULL CHECK (version > 0),
    definition  jsonb NOT NULL,
    loaded_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (slug, version)
);

CREATE TABLE wave (
    survey          text NOT NULL,
    label           text NOT NULL CHECK (label <> ''),
    survey_version  integer NOT NULL,
    opens_on        date NOT NULL,
    closes_on       date NOT NULL,
    PRIMARY KEY (survey, label),
    FOREIGN KEY (survey, survey_version) REFERENCES survey (slug, version),
    CHECK (closes_on >= opens_on)
);

-- One row per respondent. Answers are compact: one smallint per item of the
-- instrument version, in the instrument's item order, NULL for no answer (a
-- multiple-choice item holds a bit set of its options). Attributes likewise,
-- in the instrument's attribute order. No name, e-mail, IP address or time of
-- day is stored.
CREATE TABLE response (
    city            text NOT NULL REFERENCES city (slug),
    id              uuid NOT NULL,
    survey          text NOT NULL,
    wave            text NOT NULL,
    survey_version  integer NOT NULL,
    received_on     date NOT NULL DEFAULT current_date,
    attrs           smallint[] NOT NULL DEFAULT '{}',
    answers         smallint[] NOT NULL,
    texts           text[],
    weight          double precision CHECK (weight IS NULL OR (weight > 0 AND weight < 'Infinity')),
    PRIMARY KEY (city, id),
    FOREIGN KEY (survey, wave) REFERENCES wave (survey, label),
    FOREIGN KEY (survey, survey_version) REFERENCES survey (slug, version)
);
CREATE INDEX response_by_wave ON response (survey, wave, city);

-- Responses are facts: once stored they are never changed or removed by the
-- engine. (TRUNCATE, an administrator's act, is not caught.)
CREATE FUNCTION response_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'responses cannot be changed or deleted'
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER response_immutable BEFORE UPDATE OR DELETE ON response
    FOR EACH ROW EXECUTE FUNCTION response_immutable();

-- API tokens: only a SHA-256 hash of the token is stored.
CREATE TABLE api_token (
    hash        bytea PRIMARY KEY CHECK (octet_length(hash) = 32),
    role        text NOT NULL CHECK (role IN ('collector', 'analyst', 'ministry', 'admin')),
    -- a city slug for a collector, a network slug for an analyst, NULL otherwise
    scope       text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK ((role IN ('collector', 'analyst')) = (scope IS NOT NULL))
);
