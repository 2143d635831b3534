"""dome: thin command-line front end for the gateway.

Everything goes through ``dome_client``; this module never starts processes
or imports orchestrator internals (thin-client-only invocation policy).
"""

from __future__ import annotations

import argparse
import json
import sys

from dome_client import DomeClient, GatewayError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dome", description="Talk to the dome gateway.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("capabilities", help="show the gateway capability document")
    run = sub.add_parser("exec", help="execute a skill")
    run.add_argument("skill_id")
    run.add_argument("--input", default="{}", help="skill input as a JSON object")
    run.add_argument("--idempotency-key", required=True)
    run.add_argument("--profile")
    run.add_argument("--max-tokens", type=int)
    run.add_argument("--max-wall-seconds", type=float)
    run.add_argument("--capability", action="append", default=[])
    status = sub.add_parser("status", help="show a run")
    status.add_argument("run_id")
    cancel = sub.add_parser("cancel", help="cancel a run")
    cancel.add_argument("run_id")
    cancel.add_argument("--reason", default="cancelled from dome CLI")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    client = DomeClient()
    try:
        if args.command == "capabilities":
            out = client.capabilities()
        elif args.command == "exec":
            budget = {k: v for k, v in {"max_tokens": args.max_tokens,
                                         "max_wall_seconds": args.max_wall_seconds}.items() if v}
            out = client.execute_skill(
                args.skill_id,
                json.loads(args.input),
                idempotency_key=args.idempotency_key,
                budget=budget or None,
                profile_id=args.profile,
                requested_capabilities=args.capability,
            )
        elif args.command == "status":
            out = client.status(args.run_id)
        else:
            out = client.cancel(args.run_id, args.reason)
    except GatewayError as exc:
        json.dump(exc.error, sys.stderr, indent=2)
        sys.stderr.write("\n")
        return 75 if exc.retryable else 1
    json.dump(out, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0 if out.get("status") not in ("failed", "cancelled") else 1


if __name__ == "__main__":
    sys.exit(main())
