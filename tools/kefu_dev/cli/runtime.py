"""``kefu run``, ``chat``, ``dlq`` and ``register-webhook``: the agent on this machine and its queue.

``kefu run`` saves what it started (URLs, the local AWS endpoint and queue URLs,
the local secret) to ``.kefu/local.json``; ``chat``, ``dlq`` and
``register-webhook`` read it when no other target is given.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

import requests

from kefu.platform import registry
from kefu_dev.local.engines import CLI_SQS_CHOICES, pick_sqs_engine

STATE_FILE = Path(".kefu") / "local.json"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run = subparsers.add_parser(
        "run",
        help="start the agent locally on a shop bundle (AWS emulation, gateway, poller, platform simulator)",
        description="Start everything in one process tree on loopback ports, print the URLs, "
        "run until Ctrl-C. "
        "No AWS account, Docker or network needed.",
    )
    run.add_argument(
        "--shop", type=Path, default=None, help="shop bundle folder (default: the demo hair-dye shop)"
    )
    run.add_argument("--port", type=int, default=8780, help="gateway port (default 8780; 0 = any free port)")
    run.add_argument(
        "--simulator-port", type=int, default=8790, help="platform simulator port (default 8790)"
    )
    run.add_argument(
        "--workers", type=int, default=2, help="responder workers (concurrent batches, default 2)"
    )
    run.add_argument(
        "--retry-after",
        type=int,
        default=None,
        metavar="SECONDS",
        help="retry failed messages after SECONDS instead of the queue's visibility timeout (60 s)",
    )
    run.add_argument(
        "--state", type=Path, default=STATE_FILE, help=f"where to save the runtime's URLs ({STATE_FILE})"
    )
    run.add_argument(
        "--sqs", choices=CLI_SQS_CHOICES, default="auto",
        help="what serves the SQS endpoint: elasticmq (ElasticMQ from Maven Central, needs Java 17+ and Maven) or "
        "moto; default auto: elasticmq when Java and Maven are there, else moto",
    )
    run.add_argument(
        "--platform", choices=registry.names(), default=registry.DEFAULT_PLATFORM,
        help="the platform the simulator plays and the agent speaks: pdd (Pinduoduo-style pushes, default), "
        "generic (the generic contract v1: HMAC JSON in, signed calls out) or wecom_kf (WeCom 微信客服: encrypted "
        "callbacks, sync_msg, send_msg)",
    )
    run.add_argument("--verbose", action="store_true", help="INFO logs from the functions (in the log file)")
    run.set_defaults(handler=run_command)

    chat = subparsers.add_parser(
        "chat",
        help="chat with the running local agent as a buyer, from the terminal",
        description="Type a line to send it as the buyer; the agent's replies are printed as they arrive. "
        "Commands: /image, /video, /goods ID, /status STATUS, /quit.",
    )
    chat.add_argument("--buyer", default="u1001", help="buyer id (default u1001, who has a shipped order)")
    chat.add_argument(
        "--url", default=None, help="simulator URL (default: from .kefu/local.json, else :8790)"
    )
    chat.add_argument("--goods", default=None, help="goods id the chat is opened from")
    chat.add_argument("--wait", type=float, default=15.0, help="seconds to wait for a reply (default 15)")
    chat.set_defaults(handler=chat_command)

    dlq = subparsers.add_parser(
        "dlq",
        help="list dead-lettered messages with their reason; redrive fixed ones, drop poisoned ones",
        description="Targets the running local agent (.kefu/local.json), the KEFU_INBOUND_QUEUE_URL / "
        "KEFU_INBOUND_DLQ_URL environment, or a deployed stack (--outputs cdk-outputs.json).",
    )
    _target_arguments(dlq)
    actions = dlq.add_subparsers(dest="dlq_action", metavar="ACTION")
    actions.required = True
    listing = actions.add_parser(
        "list",
        help="list dead letters and why they failed",
        description="List dead letters (they stay in the DLQ).",
    )
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    redrive = actions.add_parser(
        "redrive",
        help="move dead letters back to the inbound queue",
        description="Move fixed messages back; poisoned ones are skipped.",
    )
    which = redrive.add_mutually_exclusive_group(required=True)
    which.add_argument("--all", action="store_true", help="every redrivable dead letter")
    which.add_argument("--id", action="append", default=None, help="an SQS message id (repeatable)")
    drop = actions.add_parser(
        "drop",
        help="delete dead letters for good (poisoned ones)",
        description="Delete the named dead letters.",
    )
    drop.add_argument("--id", action="append", required=True, help="an SQS message id (repeatable)")
    for sub in (listing, redrive, drop):
        _target_arguments(sub)
    dlq.set_defaults(handler=dlq_command)

    hook = subparsers.add_parser(
        "register-webhook",
        help="print the webhook URL and secret location, and register them with the platform",
        description="Reads the stack outputs (cdk deploy --outputs-file cdk-outputs.json) or the running "
        "local "
        "agent, prints the webhook URL and where its secret is, and registers the URL through the platform "
        "adapter (type kefu.webhook.register; locally: the simulator).",
    )
    hook.add_argument(
        "--outputs", type=Path, default=None, help="cdk outputs JSON (default: the local agent)"
    )
    hook.add_argument("--stack", default=None, help="stack name in the outputs file (default: the only one)")
    hook.add_argument("--platform-url", default=None, help="platform API router URL (local: the simulator's)")
    hook.add_argument(
        "--client-id", default=None, help="platform client id (default KEFU_PLATFORM_CLIENT_ID)"
    )
    hook.add_argument(
        "--secret-env",
        default="KEFU_PLATFORM_SECRET",
        help="environment variable holding the platform secret (default KEFU_PLATFORM_SECRET)",
    )
    hook.add_argument("--dry-run", action="store_true", help="print only, register nothing")
    hook.add_argument("--state", type=Path, default=STATE_FILE, help=argparse.SUPPRESS)
    hook.set_defaults(handler=register_webhook_command)


def _target_arguments(parser: argparse.ArgumentParser) -> None:
    # On the group and on each action, so the options may come before or after the action.
    parser.add_argument(
        "--outputs", type=Path, default=argparse.SUPPRESS, help="cdk outputs JSON of a deployed stack"
    )
    parser.add_argument(
        "--state", type=Path, default=argparse.SUPPRESS, help=f"local runtime file ({STATE_FILE})"
    )
    parser.add_argument(
        "--limit", type=int, default=argparse.SUPPRESS, help="at most this many (default 100)"
    )


# -- run ----------------------------------------------------------------------------------------------------


def run_command(args: argparse.Namespace) -> int:
    from kefu.init_phase import end_of_init
    from kefu_dev.cli.main import UserFacingError
    from kefu_dev.local.runtime import DEMO_SHOP, LocalRuntime

    shop = (args.shop or DEMO_SHOP).resolve()
    if not (shop / "shop.json").is_file():
        raise UserFacingError(f"{shop} is not a shop bundle (no shop.json)")
    state_path: Path = args.state
    log_path = state_path.parent / "run.log"
    runtime = LocalRuntime(
        shop,
        gateway_port=args.port,
        simulator_port=args.simulator_port,
        prefix="kefu",
        responder_workers=args.workers,
        failure_visibility_s=args.retry_after,
        log_path=log_path,
        verbose=args.verbose,
        sqs_engine=pick_sqs_engine(args.sqs),
        platform=args.platform,
    )
    signal.signal(signal.SIGTERM, _interrupt)  # SIGTERM stops as cleanly as Ctrl-C
    # Started in the background by a script, SIGINT arrives ignored: Ctrl-C / kill -INT must still stop us.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    print(f"kefu: starting the local agent for {shop.name} ...", flush=True)
    try:
        runtime.start()
    except OSError as error:
        raise UserFacingError(
            f"{error}; is another `kefu run` using the ports? try --port 0 --simulator-port 0"
        ) from None
    try:
        info = runtime.describe()
        state_path.parent.mkdir(parents=True, exist_ok=True)
        state_path.write_text(json.dumps(info, ensure_ascii=False, indent=2), encoding="utf-8")
        os.chmod(state_path, 0o600)  # holds the local secret
        _print_banner(info, runtime.timings.get("ready", 0.0))
        end_of_init()
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        print("\nkefu: stopping ...", flush=True)
    finally:
        runtime.stop()
        if state_path.exists():
            state_path.unlink()
    print("kefu: stopped.")
    return 0


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _print_banner(info: dict[str, Any], seconds: float) -> None:
    lines = [
        f"kefu: shop {info['shop_id']} is ready ({seconds:.1f} s; knowledge {info['knowledge_version']})",
        "",
        f"  buyer chat (web)   {info['buyer_chat_url']}",
        "  buyer chat (term)  kefu chat --buyer u1001",
    ]
    if info.get("console_url"):
        lines.append(f"  agent console      {info['console_url']}   (token {info['agent_token']})")
    else:
        lines.append("  agent console      (functions/agent_api not present)")
    lines += [
        f"  webhook ({info.get('platform', 'pdd')})".ljust(21) + info["webhook_url"],
        f"  platform API       {info['platform_api_url']}",
        f"  local AWS          {info['aws_endpoint_url']} (DynamoDB, S3), "
        f"{info.get('aws_sqs_endpoint_url') or info['aws_endpoint_url']} (SQS)",
        "  dead letters       kefu dlq list",
        f"  function logs      {info['log_path']}",
        "",
        "Press Ctrl-C to stop.",
    ]
    print("\n".join(lines), flush=True)


# -- chat ---------------------------------------------------------------------------------------------------


def _load_state(path: Path | None = None) -> dict[str, Any] | None:
    path = path or STATE_FILE
    if not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else None


def chat_command(args: argparse.Namespace) -> int:
    from kefu_dev.cli.main import UserFacingError

    state = _load_state()
    url = (args.url or (state or {}).get("simulator_url") or "http://127.0.0.1:8790").rstrip("/")
    session = requests.Session()
    try:
        seen = int(session.get(f"{url}/buyer/{args.buyer}/messages", timeout=5).json().get("count", 0))
    except requests.RequestException:
        raise UserFacingError(f"no simulator at {url}; start the agent with `kefu run` first") from None
    goods = args.goods
    print(f"买家 {args.buyer} → {url}   (/image /video /goods ID /status 状态 /quit)")
    for line in sys.stdin:
        text = line.strip()
        if not text:
            continue
        if text in ("/quit", "/exit"):
            break
        body: dict[str, Any] = {"buyer_id": args.buyer}
        if text.startswith("/status"):
            status = text.removeprefix("/status").strip() or None
            session.put(f"{url}/sim/orders/{args.buyer}", json={"status": status}, timeout=5)
            print(f"  (order status for {args.buyer}: {status or 'as in orders.json'})")
            continue
        if text.startswith("/goods"):
            goods = text.removeprefix("/goods").strip() or None
            print(f"  (goods: {goods or '-'})")
            continue
        if text in ("/image", "/video"):
            body["type"] = text[1:]
        else:
            body["text"] = text
        if goods:
            body["goods_id"] = goods
        result = session.post(f"{url}/buyer/send", json=body, timeout=20).json()
        if result.get("status") != 200:
            print(f"  ! refused by the webhook: {result.get('response') or result}")
            continue
        seen = _print_replies(session, url, args.buyer, seen, args.wait)
    return 0


def _print_replies(session: requests.Session, url: str, buyer: str, seen: int, wait_s: float) -> int:
    """Print the agent's new messages; waits up to ``wait_s`` for the first, then briefly for more."""
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        data = session.get(f"{url}/buyer/{buyer}/messages", params={"after": seen}, timeout=5).json()
        for message in data.get("messages", []):
            print(f"客服: {message['content']}")
        if data.get("messages"):
            seen = int(data.get("count", seen))
            deadline = min(deadline, time.monotonic() + 0.5)
        time.sleep(0.2)
    return seen


# -- dlq ----------------------------------------------------------------------------------------------------


def _outputs(path: Path, stack: str | None = None) -> dict[str, str]:
    from kefu_dev.cli.main import UserFacingError

    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not data:
        raise UserFacingError(f"{path} is not a cdk outputs file")
    if stack:
        if stack not in data:
            raise UserFacingError(f"no stack {stack!r} in {path} (found: {', '.join(data)})")
        return {str(k): str(v) for k, v in data[stack].items()}
    if len(data) > 1:
        raise UserFacingError(f"{path} holds several stacks ({', '.join(data)}); pick one with --stack")
    return {str(k): str(v) for k, v in next(iter(data.values())).items()}


def _find(outputs: dict[str, str], *words: str, avoid: tuple[str, ...] = ()) -> str | None:
    for key, value in outputs.items():
        lowered = key.lower()
        if all(word in lowered for word in words) and not any(word in lowered for word in avoid):
            return value
    return None


def _queue_target(args: argparse.Namespace) -> tuple[Any, str, str, str | None]:
    """(sqs client, dlq url, source queue url, shop id) from --outputs, the environment or the local state."""
    import boto3

    from kefu import resources
    from kefu_dev.cli.main import UserFacingError

    outputs_path = getattr(args, "outputs", None)
    if outputs_path:
        outputs = _outputs(outputs_path)
        dlq = _find(outputs, "dead") or _find(outputs, "dlq")
        source = _find(outputs, "inbound", "queue", avoid=("dead", "dlq"))
        if not dlq or not source:
            raise UserFacingError(f"{outputs_path} has no inbound queue / dead-letter queue URL outputs")
        return (
            boto3.client("sqs", region_name=dlq.split(".")[1] if "." in dlq else None),
            dlq,
            source,
            _find(outputs, "shop"),
        )
    env_dlq = os.environ.get(resources.INBOUND_QUEUE.dlq_env_var or "")
    env_source = os.environ.get(resources.INBOUND_QUEUE.env_var)
    if env_dlq and env_source:
        endpoint = os.environ.get("KEFU_AWS_ENDPOINT_URL_SQS") or os.environ.get("KEFU_AWS_ENDPOINT_URL")
        return boto3.client("sqs", endpoint_url=endpoint), env_dlq, env_source, os.environ.get("KEFU_SHOP_ID")
    state = _load_state(getattr(args, "state", None))
    if state is None:
        raise UserFacingError(
            "no target: start `kefu run`, or pass --outputs cdk-outputs.json, "
            "or set KEFU_INBOUND_QUEUE_URL and KEFU_INBOUND_DLQ_URL"
        )
    from kefu_dev.local.emulator import client

    env = state["env"]
    return (
        client("sqs", state.get("aws_sqs_endpoint_url") or state["aws_endpoint_url"]),
        env[resources.INBOUND_QUEUE.dlq_env_var or ""],
        env[resources.INBOUND_QUEUE.env_var],
        state.get("shop_id"),
    )


def dlq_command(args: argparse.Namespace) -> int:
    from kefu_dev.local.dlq import DeadLetters

    sqs, dlq_url, source_url, shop_id = _queue_target(args)
    letters = DeadLetters(sqs, dlq_url, source_url, shop_id)
    limit = getattr(args, "limit", 100)
    if args.dlq_action == "list":
        found = letters.listing(limit)
        if getattr(args, "json", False):
            for letter in found:
                print(json.dumps(letter.summary(), ensure_ascii=False))
            return 0
        if not found:
            print("no dead letters")
        for letter in found:
            who = f"buyer {letter.buyer_id}, message {letter.platform_message_id}" if letter.buyer_id else "?"
            print(f"{letter.message_id}  [{who}]  receives={letter.receive_count}\n    {letter.reason}")
        return 0
    if args.dlq_action == "redrive":
        moved, skipped = letters.redrive(None if args.all else set(args.id), limit)
        for letter in moved:
            print(f"redriven {letter.message_id} (buyer {letter.buyer_id})")
        for letter in skipped:
            print(f"skipped {letter.message_id}: {letter.reason}")
        print(f"{len(moved)} moved back, {len(skipped)} skipped")
        return 0 if moved or not skipped else 1
    dropped = letters.drop(set(args.id), limit)
    for letter in dropped:
        print(f"dropped {letter.message_id}")
    return 0 if dropped else 1


# -- register-webhook ---------------------------------------------------------------------------------------


def register_webhook_command(args: argparse.Namespace) -> int:
    from kefu.platform.client import PlatformError
    from kefu.platform.pinduoduo.client import PddClient
    from kefu_dev.cli.main import UserFacingError
    from kefu_dev.local.simulator import REGISTER_TYPE

    secret: str | None = os.environ.get(args.secret_env)
    client_id = args.client_id or os.environ.get("KEFU_PLATFORM_CLIENT_ID")
    platform_url = args.platform_url
    if args.outputs:
        outputs = _outputs(args.outputs, args.stack)
        webhook = _find(outputs, "webhook", "url")
        if webhook is None:
            api = _find(outputs, "webhook") or _find(outputs, "intake", "endpoint")
            webhook = f"{api.rstrip('/')}/webhook/pdd" if api else None
        elif not webhook.rstrip("/").endswith(tuple("/webhook/" + route.path for route, _ in registry.routes())):
            webhook = f"{webhook.rstrip('/')}/webhook/pdd"
        location = _find(outputs, "secret") or "(no secret output in the stack)"
        if webhook is None:
            raise UserFacingError(f"no webhook URL output in {args.outputs} (keys: {', '.join(outputs)})")
    else:
        state = _load_state(args.state)
        if state is None:
            raise UserFacingError("pass --outputs cdk-outputs.json, or start `kefu run` to register locally")
        webhook = state["webhook_url"]
        location = "KEFU_PLATFORM_SECRET of the local runtime (.kefu/local.json)"
        secret = secret or state["env"].get("KEFU_PLATFORM_SECRET")
        client_id = client_id or state["env"].get("KEFU_PLATFORM_CLIENT_ID")
        platform_url = platform_url or state["platform_api_url"]
        if state.get("platform", "pdd") != "pdd":
            print(f"webhook URL      {webhook}")
            print(f"the local {state['platform']} simulator pushes to it already; nothing to register")
            return 0
    print(f"webhook URL      {webhook}")
    print(f"secret location  {location}")
    if args.dry_run:
        return 0
    if not platform_url:
        raise UserFacingError(
            "pass --platform-url (the platform's API router); Pinduoduo has no public API for "
            "chat webhooks: enter the URL above in its open-platform console instead"
        )
    if not secret or not client_id:
        raise UserFacingError(
            f"set {args.secret_env} and KEFU_PLATFORM_CLIENT_ID (or --client-id) to sign the call"
        )
    platform = PddClient(platform_url, client_id, secret)
    try:
        platform.call(REGISTER_TYPE, url=webhook, secret_location=location)
    except PlatformError as error:
        raise UserFacingError(f"the platform refused the registration: {error}") from None
    print(f"registered with  {platform_url}")
    return 0
