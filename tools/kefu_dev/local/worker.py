"""One local Lambda execution environment: ``python -m kefu_dev.local.worker <function name>``.

Imports functions/<name>/app.py once (the cold start), then reads one invocation
per line on stdin (``{"event", "request_id", "timeout_s"}``) and writes one JSON
line per result on the original stdout. The handler's own prints and logs
(Powertools writes JSON logs and metrics to stdout) go to stderr instead, so they
never corrupt the result stream. Exits on end of input.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import traceback
from typing import Any, TextIO

from kefu_dev.local.handlers import LambdaContext, handler_attribute, load_handler


def _write(out: TextIO, payload: dict[str, Any]) -> None:
    out.write(json.dumps(payload, ensure_ascii=False, default=str) + "\n")
    out.flush()


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m kefu_dev.local.worker <function name>", file=sys.stderr)
        return 2
    name = argv[0]
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops us by closing stdin
    results = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    sys.stdout = sys.stderr
    try:
        module = load_handler(name, {})
        handler = getattr(module, handler_attribute(name))
    except Exception as error:
        traceback.print_exc()
        _write(
            results,
            {
                "ready": False,
                "error_type": "Runtime.ImportModuleError",
                "error_message": f"{type(error).__name__}: {error}",
            },
        )
        return 1
    _write(results, {"ready": True})
    region = os.environ.get("AWS_REGION", "cn-north-1")
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        context = LambdaContext(
            function_name=f"kefu-local-{name}",
            timeout_s=float(request.get("timeout_s", 30)),
            aws_request_id=str(request.get("request_id")),
            region=region,
        )
        try:
            result = handler(request["event"], context)
        except Exception as error:
            traceback.print_exc()
            _write(results, {"ok": False, "error_type": type(error).__name__, "error_message": str(error)})
            continue
        _write(results, {"ok": True, "result": result})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
