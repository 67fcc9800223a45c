-- The article's entities. guild_id 0 is the global (bundled) scope; any other value is
-- the Discord server that owns the entry. deleted_at marks a soft removal; version counts
-- edits so that two moderators editing at once can be told apart.

CREATE TABLE sources (
    id          INTEGER PRIMARY KEY,
    key         TEXT    NOT NULL UNIQUE,
    title       TEXT    NOT NULL,
    outlet      TEXT    NOT NULL,
    published   TEXT    NOT NULL,          -- ISO date
    published_text TEXT,
    url         TEXT,
    body        TEXT    NOT NULL DEFAULT ''
);

CREATE TABLE cities (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL DEFAULT 0,
    key         TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    state       TEXT    NOT NULL DEFAULT '',
    stance      TEXT    NOT NULL DEFAULT '',
    source_id   INTEGER REFERENCES sources(id),
    created_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    deleted_at  TEXT,
    version     INTEGER NOT NULL DEFAULT 1,
    UNIQUE (guild_id, key)
);

CREATE TABLE city_facts (
    id          INTEGER PRIMARY KEY,
    city_id     INTEGER NOT NULL REFERENCES cities(id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    text        TEXT    NOT NULL,
    UNIQUE (city_id, position)
);

CREATE TABLE officials (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL DEFAULT 0,
    key         TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    role        TEXT    NOT NULL DEFAULT '',
    city_id     INTEGER REFERENCES cities(id),
    source_id   INTEGER REFERENCES sources(id),
    created_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    deleted_at  TEXT,
    version     INTEGER NOT NULL DEFAULT 1,
    UNIQUE (guild_id, key)
);

CREATE TABLE statements (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL DEFAULT 0,
    key         TEXT    NOT NULL,
    official_id INTEGER NOT NULL REFERENCES officials(id),
    city_id     INTEGER REFERENCES cities(id),
    kind        TEXT    NOT NULL CHECK (kind IN ('quote', 'paraphrase')),
    text        TEXT    NOT NULL,
    said_where  TEXT    NOT NULL DEFAULT '',
    said_when   TEXT    NOT NULL DEFAULT '',
    said_on     TEXT,                      -- ISO date when the article allows one
    source_id   INTEGER REFERENCES sources(id),
    source_url  TEXT,
    created_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    deleted_at  TEXT,
    version     INTEGER NOT NULL DEFAULT 1,
    UNIQUE (guild_id, key)
);

-- An alias names exactly one city or one official.
CREATE TABLE aliases (
    id          INTEGER PRIMARY KEY,
    city_id     INTEGER REFERENCES cities(id) ON DELETE CASCADE,
    official_id INTEGER REFERENCES officials(id) ON DELETE CASCADE,
    alias       TEXT    NOT NULL,
    CHECK ((city_id IS NULL) <> (official_id IS NULL))
);

CREATE INDEX aliases_city ON aliases(city_id);
CREATE INDEX aliases_official ON aliases(official_id);
CREATE INDEX officials_city ON officials(city_id);
CREATE INDEX statements_official ON statements(official_id);
CREATE INDEX statements_city ON statements(city_id);
