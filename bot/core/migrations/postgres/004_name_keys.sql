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

ALTER TABLE cities ADD COLUMN name_key TEXT COLLATE "C";
ALTER TABLE officials ADD COLUMN name_key TEXT COLLATE "C";
ALTER TABLE aliases ADD COLUMN alias_key TEXT COLLATE "C";

CREATE INDEX cities_name_key ON cities(name_key);
CREATE INDEX officials_name_key ON officials(name_key);
CREATE INDEX aliases_alias_key ON aliases(alias_key);

-- PostgreSQL: a BEFORE UPDATE trigger clears the key in the row being written.
CREATE FUNCTION name_key_stale() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'aliases' THEN
        IF NEW.alias IS DISTINCT FROM OLD.alias AND NEW.alias_key IS NOT DISTINCT FROM OLD.alias_key THEN
            NEW.alias_key := NULL;
        END IF;
    ELSIF NEW.name IS DISTINCT FROM OLD.name AND NEW.name_key IS NOT DISTINCT FROM OLD.name_key THEN
        NEW.name_key := NULL;
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER cities_name_key_stale BEFORE UPDATE OF name ON cities
    FOR EACH ROW EXECUTE FUNCTION name_key_stale();
CREATE TRIGGER officials_name_key_stale BEFORE UPDATE OF name ON officials
    FOR EACH ROW EXECUTE FUNCTION name_key_stale();
CREATE TRIGGER aliases_alias_key_stale BEFORE UPDATE OF alias ON aliases
    FOR EACH ROW EXECUTE FUNCTION name_key_stale();

-- Which normalisation the keys were made with; when it differs from the running code's, the
-- store recomputes every key on open.
CREATE TABLE name_key_format (
    format      TEXT COLLATE "C"    NOT NULL
);
