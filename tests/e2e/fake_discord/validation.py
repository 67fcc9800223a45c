"""Discord's limits on what a bot sends, as plain functions returning problem strings."""

from __future__ import annotations

from typing import Any

MAX_CONTENT = 2000
MAX_EMBEDS = 10
MAX_EMBED_TOTAL = 6000
MAX_ACTION_ROWS = 5
MAX_ROW_BUTTONS = 5
MAX_SELECT_OPTIONS = 25
MAX_CHOICES = 25
MAX_CHOICE_LEN = 100
IS_COMPONENTS_V2 = 1 << 15

_EMBED_LIMITS = {"title": 256, "description": 4096}


def _text_len(value: Any) -> int:
    return len(value) if isinstance(value, str) else 0


def check_embed(embed: dict[str, Any], where: str) -> tuple[list[str], int]:
    """Problems with one embed, and its size as counted towards the 6,000 total."""
    problems: list[str] = []
    total = 0
    for key, limit in _EMBED_LIMITS.items():
        n = _text_len(embed.get(key))
        total += n
        if n > limit:
            problems.append(f"{where}.{key} has {n} characters (max {limit})")
    fields = embed.get("fields") or []
    if len(fields) > 25:
        problems.append(f"{where} has {len(fields)} fields (max 25)")
    for i, field in enumerate(fields):
        name, value = _text_len(field.get("name")), _text_len(field.get("value"))
        total += name + value
        if name > 256:
            problems.append(f"{where}.fields[{i}].name has {name} characters (max 256)")
        if value > 1024:
            problems.append(f"{where}.fields[{i}].value has {value} characters (max 1024)")
    footer = _text_len((embed.get("footer") or {}).get("text"))
    author = _text_len((embed.get("author") or {}).get("name"))
    total += footer + author
    if footer > 2048:
        problems.append(f"{where}.footer.text has {footer} characters (max 2048)")
    if author > 256:
        problems.append(f"{where}.author.name has {author} characters (max 256)")
    return problems, total


def check_components(components: list[dict[str, Any]], flags: int) -> list[str]:
    problems: list[str] = []
    rows = [c for c in components if c.get("type") == 1]
    if not flags & IS_COMPONENTS_V2 and len(rows) > MAX_ACTION_ROWS:
        problems.append(f"{len(rows)} action rows (max {MAX_ACTION_ROWS})")
    for i, row in enumerate(rows):
        children = row.get("components") or []
        buttons = [c for c in children if c.get("type") == 2]
        if len(buttons) > MAX_ROW_BUTTONS:
            problems.append(f"action row {i} has {len(buttons)} buttons (max {MAX_ROW_BUTTONS})")
        for child in children:
            options = child.get("options") or []
            if child.get("type") == 3 and len(options) > MAX_SELECT_OPTIONS:
                problems.append(
                    f"select {child.get('custom_id')!r} has {len(options)} options "
                    f"(max {MAX_SELECT_OPTIONS})"
                )
    return problems


def check_allowed_mentions(payload: dict[str, Any]) -> list[str]:
    """The bot must always say who may be pinged, and the answer must be nobody."""
    allowed = payload.get("allowed_mentions")
    if allowed is None:
        return ["allowed_mentions missing (message could ping @everyone/roles/users)"]
    problems: list[str] = []
    parse = allowed.get("parse") or []
    pinging = sorted(set(parse) & {"everyone", "roles", "users"})
    if pinging:
        problems.append(f"allowed_mentions.parse allows {pinging}")
    for key in ("users", "roles"):
        if allowed.get(key):
            problems.append(f"allowed_mentions.{key} lists {allowed[key]}")
    if allowed.get("replied_user"):
        problems.append("allowed_mentions.replied_user is true")
    return problems


def check_message(payload: dict[str, Any], *, creates: bool) -> list[str]:
    """Problems with a message body (channel message, callback data, webhook body).

    ``creates`` is False for edits: they never ping, so allowed_mentions is not required.
    """
    problems: list[str] = []
    content = payload.get("content")
    if _text_len(content) > MAX_CONTENT:
        problems.append(f"content has {len(content)} characters (max {MAX_CONTENT})")
    embeds = payload.get("embeds") or []
    if len(embeds) > MAX_EMBEDS:
        problems.append(f"{len(embeds)} embeds (max {MAX_EMBEDS})")
    total = 0
    for i, embed in enumerate(embeds):
        embed_problems, size = check_embed(embed, f"embeds[{i}]")
        problems += embed_problems
        total += size
    if total > MAX_EMBED_TOTAL:
        problems.append(f"embeds total {total} characters (max {MAX_EMBED_TOTAL})")
    problems += check_components(payload.get("components") or [], int(payload.get("flags") or 0))
    if creates:
        problems += check_allowed_mentions(payload)
    return problems


def check_choices(choices: list[dict[str, Any]]) -> list[str]:
    problems: list[str] = []
    if len(choices) > MAX_CHOICES:
        problems.append(f"{len(choices)} autocomplete choices (max {MAX_CHOICES})")
    for i, choice in enumerate(choices):
        for key in ("name", "value"):
            n = len(str(choice.get(key, "")))
            if n > MAX_CHOICE_LEN or (key == "name" and n == 0):
                problems.append(f"choices[{i}].{key} has {n} characters (1..{MAX_CHOICE_LEN})")
    return problems


def check_commands(commands: list[dict[str, Any]]) -> list[str]:
    """The checks Discord applies to a bulk command overwrite that bots most often trip."""
    problems: list[str] = []
    if len(commands) > 100:
        problems.append(f"{len(commands)} commands (max 100 chat-input commands)")
    for command in commands:
        name = str(command.get("name", ""))
        if command.get("type", 1) == 1:
            if not 1 <= len(name) <= 32 or name != name.lower() or " " in name:
                problems.append(f"command name {name!r} must be 1-32 lowercase characters")
            if not 1 <= len(str(command.get("description", ""))) <= 100:
                problems.append(f"command {name!r} description must be 1-100 characters")
        problems += _check_options(command.get("options") or [], name)
    return problems


def _check_options(options: list[dict[str, Any]], where: str) -> list[str]:
    problems: list[str] = []
    if len(options) > 25:
        problems.append(f"{where} has {len(options)} options (max 25)")
    for option in options:
        label = f"{where} {option.get('name')}"
        if not 1 <= len(str(option.get("description", ""))) <= 100:
            problems.append(f"option {label!r} description must be 1-100 characters")
        if len(option.get("choices") or []) > MAX_CHOICES:
            problems.append(f"option {label!r} has more than {MAX_CHOICES} choices")
        if option.get("choices") and option.get("autocomplete"):
            problems.append(f"option {label!r} has both choices and autocomplete")
        problems += _check_options(option.get("options") or [], label)
    return problems
