-- The daily digest. One settings row per server; one row per claimed day in digest_posts;
-- the statements each server has been shown in the current rotation round in digest_shown.
--
-- Exactly once: a day is claimed by a compare-and-set on digest_settings.last_posted_date
-- (only ever moved forward) in the same transaction that inserts its digest_posts row, and the
-- partial unique index below makes a second live post for one server and local date impossible.

CREATE TABLE digest_settings (
    guild_id          INTEGER PRIMARY KEY,
    channel_id        INTEGER,
    post_time         TEXT    NOT NULL DEFAULT '09:00',    -- local wall-clock HH:MM
    timezone          TEXT    NOT NULL DEFAULT 'UTC',      -- IANA name
    enabled           INTEGER NOT NULL DEFAULT 0 CHECK (enabled IN (0, 1)),
    armed_at          TEXT    NOT NULL,                    -- UTC; an earlier scheduled time is never due
    last_posted_date  TEXT,                                -- local YYYY-MM-DD of the last claimed day
    rotation_round    INTEGER NOT NULL DEFAULT 1,
    seen_city_id      INTEGER NOT NULL DEFAULT 0,          -- "new since the last digest" starts
    seen_official_id  INTEGER NOT NULL DEFAULT 0,          -- after these ids (this server's rows)
    seen_statement_id INTEGER NOT NULL DEFAULT 0,
    last_error        TEXT,
    last_error_at     TEXT,
    updated_at        TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

CREATE TABLE digest_posts (
    id                INTEGER PRIMARY KEY,
    guild_id          INTEGER NOT NULL REFERENCES digest_settings(guild_id) ON DELETE CASCADE,
    local_date        TEXT    NOT NULL,
    trigger           TEXT    NOT NULL CHECK (trigger IN ('schedule', 'manual')),
    status            TEXT    NOT NULL DEFAULT 'sending'
                      CHECK (status IN ('sending', 'sent', 'failed')),
    claimed_at        TEXT    NOT NULL,                    -- UTC
    statement_id      INTEGER,                             -- the statement of the day
    rotation_round    INTEGER NOT NULL,
    from_city_id      INTEGER NOT NULL,                    -- new entries: from < id <= to
    to_city_id        INTEGER NOT NULL,
    from_official_id  INTEGER NOT NULL,
    to_official_id    INTEGER NOT NULL,
    from_statement_id INTEGER NOT NULL,
    to_statement_id   INTEGER NOT NULL,
    channel_id        INTEGER,
    message_id        INTEGER,
    sent_at           TEXT,
    error             TEXT
);

CREATE UNIQUE INDEX digest_one_post_a_day ON digest_posts(guild_id, local_date)
    WHERE status <> 'failed';
CREATE INDEX digest_posts_guild ON digest_posts(guild_id, id);

CREATE TABLE digest_shown (
    guild_id          INTEGER NOT NULL,
    rotation_round    INTEGER NOT NULL,
    statement_id      INTEGER NOT NULL,
    PRIMARY KEY (guild_id, rotation_round, statement_id)
);
