"""Thin client for the dome gateway (domed).

Builds gateway requests that follow the SSOT contracts
(``ssot/schemas/skill.execute.request.schema.json`` and friends) and hands
them to :mod:`dome_client.transport`, the only module allowed to reach the
daemon. Nothing here starts processes or talks to the orchestrator directly.
"""

from __future__ import annotations

import os
import time
from typing import Any

from dome_client.transport import GatewayError, Transport, default_transport

__all__ = ["DomeClient", "GatewayError", "new_id"]
__version__ = "0.3.0"

_CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"


def new_id(prefix: str) -> str:
    """Return ``<prefix>_`` + a lowercase ULID (see common/ids.schema.json)."""
    ms = int(time.time() * 1000)
    head = ""
    for _ in range(10):
        head = _CROCKFORD[ms % 32] + head
        ms //= 32
    tail = "".join(_CROCKFORD[b % 32] for b in os.urandom(16))
    return f"{prefix}_{head}{tail}"


class DomeClient:
    """Submit skills and read capabilities through the gateway."""

    client_name = "dome-cli"

    def __init__(self, transport: Transport | None = None, correlation_id: str | None = None) -> None:
        self._transport = transport or default_transport()
        self.correlation_id = correlation_id or new_id("corr")

    def capabilities(self) -> dict[str, Any]:
        """Return the gateway's capability.discovery document."""
        return self._transport.call("GetCapabilities", {})

    def execute_skill(
        self,
        skill_id: str,
        input: dict[str, Any],
        *,
        idempotency_key: str,
        budget: dict[str, Any] | None = None,
        profile_id: str | None = None,
        requested_capabilities: list[str] | None = None,
        stream: bool = False,
    ) -> dict[str, Any]:
        """Submit a skill.execute.request; return the skill.execute.response.

        Retrying with the same ``idempotency_key`` and input returns the
        original run instead of starting a new one.
        """
        request: dict[str, Any] = {
            "request_id": new_id("req"),
            "skill_id": skill_id,
            "input": input,
            "idempotency_key": idempotency_key,
            "correlation_id": self.correlation_id,
            "client": {"name": self.client_name, "version": __version__},
            "stream": stream,
        }
        if budget:
            request["budget"] = budget
        if profile_id:
            request["profile_id"] = profile_id
        if requested_capabilities:
            request["requested_capabilities"] = sorted(set(requested_capabilities))
        return self._transport.call("SkillExecute", request)

    def status(self, run_id: str) -> dict[str, Any]:
        """Return the current skill.execute.response for a run."""
        return self._transport.call("GetRun", {"run_id": run_id})

    def cancel(self, run_id: str, reason: str) -> dict[str, Any]:
        """Ask the gateway to cancel a run."""
        return self._transport.call("CancelRun", {"run_id": run_id, "message": reason})
