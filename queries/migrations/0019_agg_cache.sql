-- Cached aggregates of closed waves (issue 19; engine/agg_cache.h): the
-- sufficient statistics that agg accumulates for one wave x city (all its
-- attribute parts when split by `breakdown`, '' when not split), packed as
-- doubles, with what they were built from: `storage` names the physical
-- table they came from (system identifier and relfilenode of `response`: a
-- TRUNCATE, VACUUM FULL or restore changes it) and `fingerprint` the
-- instrument versions' definitions, the rows counted and the void records.
-- A report or a stats request streams only the waves x cities whose entry
-- is missing or stale; the open wave is streamed every time. Only a cache:
-- deleting any or all rows is always safe.
CREATE TABLE agg_cache (
    survey      text NOT NULL,
    wave        text NOT NULL,
    city        text NOT NULL,
    breakdown   text NOT NULL,
    storage     text NOT NULL,
    fingerprint text NOT NULL,
    cell        bytea NOT NULL,
    built_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (survey, wave, city, breakdown)
);
