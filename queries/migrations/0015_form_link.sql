-- 0015: links to the respondent's form (docs/form.md) and single-use access
-- codes (docs/privacy.md, "Form codes"). Numbered after the issue that
-- added it, so that migrations written in parallel do not take its number.

-- A link /s/<key> to the form of one survey, wave and city. Only the SHA-256
-- of the key is stored: a dump holds no usable link. No time finer than the
-- day is kept.
CREATE TABLE form_link (
    id          integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key_hash    bytea NOT NULL UNIQUE CHECK (octet_length(key_hash) = 32),
    survey      text NOT NULL,
    wave        text NOT NULL,
    city        text NOT NULL REFERENCES city (slug),
    label       text,
    created_on  date NOT NULL DEFAULT current_date,
    -- NULL: the wave's opens_on / closes_on
    opens_on    date,
    closes_on   date,
    closed      boolean NOT NULL DEFAULT false,
    -- the link admits a response only with one of its single-use codes
    with_codes  boolean NOT NULL DEFAULT false,
    -- responses stored through the link (a count, nothing per response)
    received    integer NOT NULL DEFAULT 0 CHECK (received >= 0),
    FOREIGN KEY (survey, wave) REFERENCES wave (survey, label),
    CHECK (opens_on IS NULL OR closes_on IS NULL OR closes_on >= opens_on)
);

-- The codes of a link: ONE row per link, holding the hashes of the codes not
-- yet used and of those used, each array sorted by hash value. Nothing here
-- is per code or per use: no row per code (so no ctid, xmin or insertion
-- order per code), no time, no sequence, no reference to a response. Using a
-- code rewrites the row (moves one hash from unused to used, both re-sorted),
-- so the row tells how many codes were used and which, never in what order
-- or with which response.
CREATE TABLE form_code_set (
    link        integer PRIMARY KEY REFERENCES form_link (id),
    unused      text[] NOT NULL,
    used        text[] NOT NULL DEFAULT '{}'
);
