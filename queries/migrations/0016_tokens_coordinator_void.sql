-- 0016: tokens an operator can manage (a number, a label, an expiry, a
-- revocation and the day of last use), the city coordinator role, and void
-- responses (issue 16). Numbered after the issue so that migrations written
-- in parallel on other branches do not take the same number.

-- A coordinator works for one city (scope = a city slug), like a collector.
ALTER TABLE api_token
    DROP CONSTRAINT api_token_role_check,
    DROP CONSTRAINT api_token_check,
    ADD COLUMN id           bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    ADD COLUMN label        text NOT NULL DEFAULT '',
    -- refused from this instant on (the start of the day given to --expires)
    ADD COLUMN expires_at   timestamptz,
    -- refused from this instant on; the row stays for `token list --all`
    ADD COLUMN revoked_at   timestamptz,
    -- the day the token was last admitted by a lookup (not the exact time:
    -- it tells an unused token from a used one, nothing more)
    ADD COLUMN last_used_on date,
    ADD CONSTRAINT api_token_role_check
        CHECK (role IN ('collector', 'coordinator', 'analyst', 'ministry', 'admin')),
    ADD CONSTRAINT api_token_scope_check
        CHECK ((role IN ('collector', 'coordinator', 'analyst')) = (scope IS NOT NULL));

-- Void responses: a response stays stored and unchanged (the immutability
-- trigger on `response` still refuses every UPDATE and DELETE); it is void
-- while its (city, id) has a row here, and then no figure counts it. Each
-- void and each undo is one audit record: who, when, why, how many.
CREATE TABLE response_void_audit (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    action      text NOT NULL CHECK (action IN ('void', 'undo')),
    -- the void record an undo restores
    undoes      bigint UNIQUE REFERENCES response_void_audit (id),
    survey      text NOT NULL,
    wave        text NOT NULL,
    city        text NOT NULL REFERENCES city (slug),
    reason      text NOT NULL CHECK (reason <> ''),
    -- the operating-system user who ran the command, and the database role
    os_user     text NOT NULL,
    db_user     text NOT NULL DEFAULT current_user,
    at          timestamptz NOT NULL DEFAULT now(),
    responses   integer NOT NULL CHECK (responses >= 0),
    CHECK ((action = 'undo') = (undoes IS NOT NULL))
);

CREATE TABLE response_void (
    city        text NOT NULL,
    id          uuid NOT NULL,
    audit       bigint NOT NULL REFERENCES response_void_audit (id),
    PRIMARY KEY (city, id),
    FOREIGN KEY (city, id) REFERENCES response (city, id)
);
CREATE INDEX response_void_by_audit ON response_void (audit);
