-- Moderation: who changed what (audit_log), which roles moderate a server (mod_roles) and
-- what members propose (suggestions). Every change to an entry writes its audit row in the
-- same transaction as the change; before/after are JSON snapshots of the entry.

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,          -- the scope of the changed entry (0 = global)
    actor_id    INTEGER NOT NULL,          -- Discord user id; 0 = the console or command line
    action      TEXT    NOT NULL CHECK (action IN (
                    'add', 'edit', 'remove', 'restore', 'alias_add', 'alias_remove',
                    'undo', 'approve', 'reject', 'import', 'modrole_add', 'modrole_remove')),
    entry_kind  TEXT    NOT NULL,          -- city, official, statement, suggestion, role
    entry_id    INTEGER NOT NULL,
    before_json TEXT,                      -- NULL for an addition
    after_json  TEXT,                      -- NULL for a deletion of a row (roles)
    undone_by   INTEGER REFERENCES audit_log(id),
    created_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

CREATE INDEX audit_scope ON audit_log(guild_id, id);
CREATE INDEX audit_entry ON audit_log(entry_kind, entry_id, id);

CREATE TABLE mod_roles (
    guild_id    INTEGER NOT NULL,
    role_id     INTEGER NOT NULL,
    added_by    INTEGER NOT NULL,
    created_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    PRIMARY KEY (guild_id, role_id)
);

CREATE TABLE suggestions (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    author_id   INTEGER NOT NULL,
    channel_id  INTEGER,                   -- where to reply with the outcome
    message_id  INTEGER,
    payload     TEXT    NOT NULL,          -- JSON: the proposed statement's fields
    status      TEXT    NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'approved', 'rejected')),
    reviewer_id INTEGER,
    reviewed_at TEXT,
    statement_id INTEGER REFERENCES statements(id),
    created_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

CREATE INDEX suggestions_queue ON suggestions(guild_id, status, id);
