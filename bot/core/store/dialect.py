"""What differs between the two databases' SQL, in one place.

The store's statements are written once, in SQL both SQLite and PostgreSQL accept (`RETURNING`,
`ON CONFLICT … DO NOTHING/UPDATE`, `CASE` instead of SQLite's two-argument `max()`, times
computed in Python and passed as parameters). What is left is rewritten here for PostgreSQL:
`?` and `?NNN` placeholders become `$1, $2 …`, SQLite's "now as ISO text" becomes PostgreSQL's, and
SQLite's join-order hint (`CROSS JOIN … ON`) a plain JOIN.
Schema DDL differs more (types, identity columns, triggers): each database has its own
numbered migrations (bot/core/migrations/ and bot/core/migrations/postgres/).
"""

from __future__ import annotations

import re
from functools import lru_cache

# The current UTC time as ISO text ("2026-12-02T10:00:00Z"), as each database writes it.
NOW = "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"
POSTGRES_NOW = """to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')"""

# SQLite reads `CROSS JOIN t ON …` as "join in this order" (a hint to its planner);
# PostgreSQL wants a plain JOIN there and plans the order itself.
_ORDERED_JOIN = re.compile(r"\bCROSS JOIN (\w+(?: \w+)?) ON\b")

# A quoted string or identifier, or a -- comment (left alone), or a placeholder.
_TOKENS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|\?(\d*)")
_RETURNING = re.compile(r"\bRETURNING\b", re.IGNORECASE)


@lru_cache(maxsize=2048)
def to_postgres(sql: str) -> str:
    """The same statement in PostgreSQL's spelling."""
    sql = _ORDERED_JOIN.sub(r"JOIN \1 ON", sql.replace(NOW, POSTGRES_NOW))
    number = 0

    def placeholder(match: re.Match[str]) -> str:
        nonlocal number
        if not match.group(0).startswith("?"):
            return match.group(0)
        if match.group(1):  # ?NNN: SQLite's numbered parameter is PostgreSQL's $NNN
            return f"${match.group(1)}"
        number += 1
        return f"${number}"

    return _TOKENS.sub(placeholder, sql)


def returns_rows(sql: str) -> bool:
    """A statement whose result rows the caller reads (asyncpg's fetch, not execute)."""
    head = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else ""
    return head in {"SELECT", "WITH", "VALUES", "SHOW"} or bool(_RETURNING.search(sql))
