-- Name keys: each city's and official's name, and each alias, normalised as the matcher does
-- (bot.core.text.normalize), so that a moderator's uniqueness check ("“X” already names …")
-- reads only the entries whose name or alias could be equal to the new one, through an index,
-- instead of every entry in scope. SQLite cannot compute the normalisation, so the store
-- writes the keys with each name (bot/core/store/name_keys.py) and fills in the missing ones
-- each time it opens a database, this one's existing rows included.
--
-- A NULL key means "not known": the check reads such rows as candidates, so a row written by
-- code that knows nothing of keys is still checked. The triggers below make a name changed
-- without its key NULL rather than leave a stale key behind.

ALTER TABLE cities ADD COLUMN name_key TEXT;
ALTER TABLE officials ADD COLUMN name_key TEXT;
ALTER TABLE aliases ADD COLUMN alias_key TEXT;

CREATE INDEX cities_name_key ON cities(name_key);
CREATE INDEX officials_name_key ON officials(name_key);
CREATE INDEX aliases_alias_key ON aliases(alias_key);

CREATE TRIGGER cities_name_key_stale AFTER UPDATE OF name ON cities
    WHEN NEW.name IS NOT OLD.name AND NEW.name_key IS OLD.name_key
BEGIN
    UPDATE cities SET name_key = NULL WHERE id = NEW.id;
END;

CREATE TRIGGER officials_name_key_stale AFTER UPDATE OF name ON officials
    WHEN NEW.name IS NOT OLD.name AND NEW.name_key IS OLD.name_key
BEGIN
    UPDATE officials SET name_key = NULL WHERE id = NEW.id;
END;

CREATE TRIGGER aliases_alias_key_stale AFTER UPDATE OF alias ON aliases
    WHEN NEW.alias IS NOT OLD.alias AND NEW.alias_key IS OLD.alias_key
BEGIN
    UPDATE aliases SET alias_key = NULL WHERE id = NEW.id;
END;

-- Which normalisation the keys were made with; when it differs from the running code's, the
-- store recomputes every key on open.
CREATE TABLE name_key_format (
    format      TEXT    NOT NULL
);
