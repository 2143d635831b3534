"""The one approved way to reach the dome gateway daemon.

Two transports: the local ``domed`` binary spoken to over stdin/stdout
(``domed rpc <Method>``), or the gateway's HTTP endpoint. This module is
listed as approved in ``decisions/invocation.yaml``; every other client
module must go through it. No I/O happens at import time.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import urllib.request
from typing import Any, Protocol

DEFAULT_BINARY = "domed"
DEFAULT_TIMEOUT_SECONDS = 30.0


class GatewayError(Exception):
    """A gateway RPC failed; ``error`` is an rpc.error document."""

    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(f"{error.get('code', 'GW_INTERNAL')}: {error.get('message', '')}")
        self.error = error

    @property
    def retryable(self) -> bool:
        return bool(self.error.get("retryable", False))


class Transport(Protocol):
    def call(self, method: str, payload: dict[str, Any]) -> dict[str, Any]: ...


def _unwrap(body: dict[str, Any]) -> dict[str, Any]:
    if "error" in body and "status" not in body:
        raise GatewayError(body["error"])
    return body


class BinaryTransport:
    """Call the local daemon binary: request JSON on stdin, response JSON on stdout."""

    def __init__(self, binary: str = DEFAULT_BINARY, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> None:
        self.binary = binary
        self.timeout = timeout

    def call(self, method: str, payload: dict[str, Any]) -> dict[str, Any]:
        try:
            proc = subprocess.run(
                [self.binary, "rpc", method],
                input=json.dumps(payload),
                capture_output=True,
                text=True,
                timeout=self.timeout,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise GatewayError({"code": "GW_UNAVAILABLE", "grpc_status": "UNAVAILABLE",
                                "message": f"{self.binary}: {exc}", "retryable": True}) from exc
        if proc.returncode != 0 and not proc.stdout.strip():
            raise GatewayError({"code": "GW_INTERNAL", "grpc_status": "INTERNAL",
                                "message": proc.stderr.strip() or f"exit {proc.returncode}", "retryable": False})
        return _unwrap(json.loads(proc.stdout))


class HttpTransport:
    """POST the request to ``<base_url>/v1/<Method>``."""

    def __init__(self, base_url: str, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def call(self, method: str, payload: dict[str, Any]) -> dict[str, Any]:
        req = urllib.request.Request(
            f"{self.base_url}/v1/{method}",
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(req, timeout=self.timeout) as resp:  # noqa: S310 (local gateway)
            return _unwrap(json.load(resp))


def default_transport() -> Transport:
    """HTTP when ``DOME_GATEWAY_URL`` is set, else the local binary on PATH."""
    url = os.environ.get("DOME_GATEWAY_URL")
    if url:
        return HttpTransport(url)
    binary = os.environ.get("DOME_GATEWAYD", DEFAULT_BINARY)
    return BinaryTransport(shutil.which(binary) or binary)
