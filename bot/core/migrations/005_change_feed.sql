-- The change feed: every committed write to what a process keeps in memory (entries, their
-- aliases and facts, sources, moderator roles, digest settings) appends a row here in the same
-- transaction, written by the triggers below so that no write path can forget it. A process
-- follows the log from the last row it applied and re-reads each named entry from the store,
-- which makes applying a row twice harmless. Rows say which entry changed, not how: the store
-- stays the one truth.
--
-- AUTOINCREMENT: an id is never handed out twice, not even after the newest rows are trimmed,
-- so "everything after my position" can never skip a row.

CREATE TABLE changes (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id    INTEGER NOT NULL,          -- the scope of the changed entry (0 = global)
    kind        TEXT    NOT NULL,          -- city, official, statement, source, modrole, digest
    entry_id    INTEGER NOT NULL,          -- the entry's id (a role id; the guild for digest)
    created_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

-- Rows up to trimmed_through have been deleted: a process behind it rebuilds.
CREATE TABLE changes_trimmed (
    trimmed_through INTEGER NOT NULL
);
INSERT INTO changes_trimmed (trimmed_through) VALUES (0);

-- One live process per Discord shard: a lease renewed by its heartbeat (unix seconds).
CREATE TABLE shard_leases (
    shard_id    INTEGER PRIMARY KEY,
    shard_count INTEGER NOT NULL,
    holder      TEXT    NOT NULL,
    expires_at  REAL    NOT NULL
);

CREATE TRIGGER cities_changed_insert AFTER INSERT ON cities BEGIN
    INSERT INTO changes (guild_id, kind, entry_id) VALUES (NEW.guild_id, 'city', NEW.id);
END;
CREATE TRIGGER cities_changed_update AFTER UPDATE ON cities BEGIN
    INSERT INTO changes (guild_id, kind, entry_id) VALUES (NEW.guild_id, 'city', NEW.id);
END;
CREATE TRIGGER cities_changed_delete AFTER DELETE ON cities BEGIN
    INSERT INTO changes (guild_id, kind, entry_id) VALUES (OLD.guild_id, 'city', OLD.id);
END;

CREATE TRIGGER officials_changed_insert AFTER INSERT ON officials BEGIN
    INSERT INTO changes (guild_id, kind, entry_id) VALUES (NEW.guild_id, 'official', NEW.id);
END;
CREATE TRIGGER officials_changed_update AFTER UPDATE ON officials BEGIN
    INSERT INTO changes (guild_id, kind, entry_id) VALUES (NEW.guild_id, 'official', NEW.id);
END;
CREATE TRIGGER officials_changed_delete AFTER DELETE ON officials BEGIN
    INSERT INTO changes (guild_id, kind, entry_id) VALUES (OLD.guild_id, 'official', OLD.id);
END;

CREATE TRIGGER statements_changed_insert AFTER INSERT ON statements BEGIN
    INSERT INTO changes (guild_id, kind, entry_id) VALUES (NEW.guild_id, 'statement', NEW.id);
END;
CREATE TRIGGER statements_changed_update AFTER UPDATE ON statements BEGIN
    INSERT INTO changes (guild_id, kind, entry_id) VALUES (NEW.guild_id, 'statement', NEW.id);
END;
CREATE TRIGGER statements_changed_delete AFTER DELETE ON statements BEGIN
    INSERT INTO changes (guild_id, kind, entry_id) VALUES (OLD.guild_id, 'statement', OLD.id);
END;

-- An alias or a fact changes its owner's entry.
CREATE TRIGGER aliases_changed_insert AFTER INSERT ON aliases BEGIN
    INSERT INTO changes (guild_id, kind, entry_id) VALUES (
        coalesce((SELECT guild_id FROM cities WHERE id = NEW.city_id),
                 (SELECT guild_id FROM officials WHERE id = NEW.official_id), 0),
        CASE WHEN NEW.city_id IS NOT NULL THEN 'city' ELSE 'official' END,
        coalesce(NEW.city_id, NEW.official_id));
END;
CREATE TRIGGER aliases_changed_update AFTER UPDATE ON aliases BEGIN
    INSERT INTO changes (guild_id, kind, entry_id) VALUES (
        coalesce((SELECT guild_id FROM cities WHERE id = NEW.city_id),
                 (SELECT guild_id FROM officials WHERE id = NEW.official_id), 0),
        CASE WHEN NEW.city_id IS NOT NULL THEN 'city' ELSE 'official' END,
        coalesce(NEW.city_id, NEW.official_id));
END;
CREATE TRIGGER aliases_changed_delete AFTER DELETE ON aliases BEGIN
    INSERT INTO changes (guild_id, kind, entry_id) VALUES (
        coalesce((SELECT guild_id FROM cities WHERE id = OLD.city_id),
                 (SELECT guild_id FROM officials WHERE id = OLD.official_id), 0),
        CASE WHEN OLD.city_id IS NOT NULL THEN 'city' ELSE 'official' END,
        coalesce(OLD.city_id, OLD.official_id));
END;

CREATE TRIGGER city_facts_changed_insert AFTER INSERT ON city_facts BEGIN
    INSERT INTO changes (guild_id, kind, entry_id) VALUES (
        coalesce((SELECT guild_id FROM cities WHERE id = NEW.city_id), 0), 'city', NEW.city_id);
END;
CREATE TRIGGER city_facts_changed_delete AFTER DELETE ON city_facts BEGIN
    INSERT INTO changes (guild_id, kind, entry_id) VALUES (
        coalesce((SELECT guild_id FROM cities WHERE id = OLD.city_id), 0), 'city', OLD.city_id);
END;

CREATE TRIGGER sources_changed_insert AFTER INSERT ON sources BEGIN
    INSERT INTO changes (guild_id, kind, entry_id) VALUES (0, 'source', NEW.id);
END;
CREATE TRIGGER sources_changed_update AFTER UPDATE ON sources BEGIN
    INSERT INTO changes (guild_id, kind, entry_id) VALUES (0, 'source', NEW.id);
END;

CREATE TRIGGER mod_roles_changed_insert AFTER INSERT ON mod_roles BEGIN
    INSERT INTO changes (guild_id, kind, entry_id) VALUES (NEW.guild_id, 'modrole', NEW.role_id);
END;
CREATE TRIGGER mod_roles_changed_delete AFTER DELETE ON mod_roles BEGIN
    INSERT INTO changes (guild_id, kind, entry_id) VALUES (OLD.guild_id, 'modrole', OLD.role_id);
END;

CREATE TRIGGER digest_settings_changed_insert AFTER INSERT ON digest_settings BEGIN
    INSERT INTO changes (guild_id, kind, entry_id) VALUES (NEW.guild_id, 'digest', NEW.guild_id);
END;
CREATE TRIGGER digest_settings_changed_update AFTER UPDATE ON digest_settings BEGIN
    INSERT INTO changes (guild_id, kind, entry_id) VALUES (NEW.guild_id, 'digest', NEW.guild_id);
END;
