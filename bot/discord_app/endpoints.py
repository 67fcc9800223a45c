"""Point discord.py at a non-default Discord (REST proxy, gateway proxy, local test server).

discord.py has no public option for this, so this module is the one place that touches the two
class attributes it reads:

* ``discord.http.Route.BASE`` -- prefix of every REST call, including interaction callbacks and
  webhook follow-ups (both build ``Route`` objects).
* ``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY`` -- a ``yarl.URL`` used for the first
  connect and after an invalidated session; resumes go to ``resume_gateway_url`` from READY, so a
  non-default gateway must hand out its own URL there.

The values are process-wide; callers pass them in (this module never reads the environment).
"""

from __future__ import annotations

import discord.gateway
import discord.http
import yarl

DEFAULT_API_BASE: str = discord.http.Route.BASE
DEFAULT_GATEWAY_URL: str = str(discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)


def apply_endpoints(api_base: str | None, gateway_url: str | None) -> None:
    """Set the REST base (e.g. ``http://127.0.0.1:8080/api/v10``) and gateway URL.

    ``None`` restores Discord's default for that endpoint.
    """
    base = (api_base or DEFAULT_API_BASE).rstrip("/")
    discord.http.Route.BASE = base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url or DEFAULT_GATEWAY_URL)
