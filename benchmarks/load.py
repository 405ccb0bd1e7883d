"""Load benchmark: the platform's side of a normal evening or a promotion burst, against the local runtime.

Plays the platform: N virtual buyers, each replaying sample cases (``cases.jsonl`` of the shop) turn by
turn with exponential think times, every message a signed Pinduoduo-style push posted straight to the
webhook. Measures, then checks that every accepted message got exactly one outcome.

    .venv/bin/python benchmarks/load.py --profile evening --duration 60
    .venv/bin/python benchmarks/load.py --profile burst --duration 300     # the README figure

By default the local runtime is started in a child process (``--workers`` responder environments,
``--webhook-concurrency`` webhook environments), so that the load generator does not share its GIL;
``--state .kefu/local.json`` drives an already running ``kefu run`` instead.

Report (stdout, and ``benchmarks/results/load-<profile>.json``):
- messages/s offered, accepted and handled (outcomes recorded per second while the load ran);
- webhook ack latency p50/p99 (client side: POST to response);
- reply latency p50/p95/p99: from the POST to the reply's arrival at the platform simulator;
- CPU and RSS of the responder environments (psutil samples, 1 s), and of the other processes;
- queue depth over time → ``benchmarks/results/queue_depth.png`` (``--plot``);
- invariants: every accepted message has exactly one outcome (ledger entry ``sent``; a reply at the
  simulator when the outcome has one, an agent-queue ticket for a handoff), none lost, none duplicated
  (the simulator's duplicate counter and one reply per client message id), per-buyer reply order =
  send order, an empty DLQ. A violated invariant makes the exit status 1.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import math
import os
import platform
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "layers" / "kefu" / "python"))

import aiohttp  # noqa: E402
import psutil  # noqa: E402
from kefu_dev.local.engines import CLI_SQS_CHOICES, DEFAULT_SQS_ENGINE, pick_sqs_engine  # noqa: E402

from kefu import resources  # noqa: E402
from kefu.platform.pinduoduo.signing import pdd_sign  # noqa: E402

DEMO_SHOP = REPO / "examples" / "shops" / "hair-dye"
RESULTS = REPO / "benchmarks" / "results"
PUSH_TYPE = "pdd.chat.message.push"
SEND_TYPE = "kefu.chat.message.send"
PROGRESS_EVERY_S = 10.0
SAMPLE_EVERY_S = 1.0


@dataclass(frozen=True)
class Profile:
    rate: float  # buyer messages per second, all buyers together
    buyers: int  # concurrent virtual buyers; mean think time = buyers / rate


# A normal evening, and the 5× promotion burst (same think times, five times the buyers). Arrivals are
# random (exponential think times), so the burst aims a little above 50/s to hold at least 50/s offered.
PROFILES = {"evening": Profile(rate=10.0, buyers=100), "burst": Profile(rate=51.0, buyers=510)}


@dataclass
class Sent:
    message_id: str
    buyer_id: str
    case_id: str
    kind: str
    t_send: float  # wall clock (time.time()), comparable with the simulator's and the ledger's stamps
    ack_ms: float = math.nan
    status: int = 0


@dataclass
class Target:
    """Where the runtime is: read from its state file (``kefu run``'s or our child's)."""

    info: dict[str, Any]
    child: subprocess.Popen[bytes] | None = None

    @property
    def env(self) -> dict[str, str]:
        return dict(self.info["env"])

    @property
    def secret(self) -> str:
        return str(self.env["KEFU_PLATFORM_SECRET"])

    @property
    def client_id(self) -> str:
        return str(self.env.get("KEFU_PLATFORM_CLIENT_ID", "kefu-local"))


# -- the runtime in a child process ---------------------------------------------------------------------


def _set_at_end_of_input(event: threading.Event) -> None:
    sys.stdin.buffer.read()
    event.set()


def serve(state_path: Path, shop: Path, workers: int, webhook_concurrency: int, log_path: Path,
          sqs_engine: str) -> int:
    """Child mode: run a LocalRuntime until SIGTERM, its description in ``state_path``."""
    from kefu_dev.local.runtime import LocalRuntime

    from kefu.init_phase import end_of_init

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    # The parent holds our stdin open: end of file means it died (even by SIGKILL), so we stop too.
    threading.Thread(target=_set_at_end_of_input, args=(stop,), daemon=True).start()
    runtime = LocalRuntime(
        shop,
        responder_workers=workers,
        webhook_concurrency=webhook_concurrency,
        warm_all=True,  # the steady state is measured, not the cold starts of the first seconds
        log_path=log_path,
        sqs_engine=sqs_engine,
    )
    with runtime:
        runtime.simulator  # noqa: B018 - started
        temporary = state_path.with_suffix(".tmp")
        temporary.write_text(json.dumps(runtime.describe(), ensure_ascii=False), encoding="utf-8")
        temporary.replace(state_path)
        end_of_init()
        stop.wait()
    return 0


def start_child(args: argparse.Namespace, workdir: Path) -> Target:
    state = workdir / "runtime.json"
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--serve",
        str(state),
        "--shop",
        str(args.shop),
        "--workers",
        str(args.workers),
        "--webhook-concurrency",
        str(args.webhook_concurrency),
        "--log",
        str(workdir / "functions.log"),
        "--sqs",
        args.sqs,
    ]
    child = subprocess.Popen(
        command,
        stdin=subprocess.PIPE,  # never written: closed when we exit, however we exit; the child then stops
        stdout=subprocess.DEVNULL,
        stderr=open(workdir / "runtime.err", "wb"),  # noqa: SIM115
    )
    deadline = time.monotonic() + 180
    while not state.exists():
        if child.poll() is not None or time.monotonic() > deadline:
            child.kill()
            raise SystemExit(f"the runtime did not start; see {workdir / 'runtime.err'}")
        time.sleep(0.2)
    return Target(json.loads(state.read_text(encoding="utf-8")), child)


def stop_child(target: Target) -> None:
    if target.child is None or target.child.poll() is not None:
        return
    target.child.send_signal(signal.SIGTERM)
    try:
        target.child.wait(timeout=60)
    except subprocess.TimeoutExpired:
        target.child.kill()
        target.child.wait()


# -- sampling: queue depth, CPU and memory -------------------------------------------------------------


@dataclass
class Sample:
    t: float
    visible: int
    in_flight: int
    dead_letter: int
    cpu: dict[str, float]  # percent of one core, by role
    rss_mb: dict[str, float]


def _role(process: psutil.Process, sqs_endpoint: str) -> str:
    try:
        cmdline = process.cmdline()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return "gone"
    if "kefu_dev.local.worker" in cmdline:
        return cmdline[-1]  # webhook, responder, agent_api
    if "org.elasticmq.server.Main" in cmdline:
        return "sqs emulation"  # ElasticMQ's JVM (--sqs elasticmq)
    if "kefu_dev.local.moto_process" in cmdline:  # moto: SQS in one process, DynamoDB + S3 in the other
        return "sqs emulation" if sqs_endpoint.endswith(f":{cmdline[-1]}") else "dynamodb emulation"
    return "other"


class Sampler(threading.Thread):
    """Every second: the inbound queue's depth and the DLQ's, and CPU / RSS of the runtime's processes."""

    def __init__(self, target: Target) -> None:
        super().__init__(name="sampler", daemon=True)
        from kefu_dev.local.emulator import client

        self._sqs_endpoint = target.info.get("aws_sqs_endpoint_url") or target.info["aws_endpoint_url"]
        self._sqs = client("sqs", self._sqs_endpoint)
        env = target.env
        self._queue = env[resources.INBOUND_QUEUE.env_var]
        self._dlq = env[resources.INBOUND_QUEUE.dlq_env_var or ""]
        self._root = psutil.Process(int(target.info["pid"]))
        self._me = psutil.Process()
        self._known: dict[int, tuple[psutil.Process, str]] = {}
        self.samples: list[Sample] = []
        self._halt = threading.Event()

    def depth(self) -> tuple[int, int, int]:
        names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        inbound = self._sqs.get_queue_attributes(QueueUrl=self._queue, AttributeNames=names)["Attributes"]
        dead = self._sqs.get_queue_attributes(QueueUrl=self._dlq, AttributeNames=names)["Attributes"]
        return (
            int(inbound.get(names[0], 0)),
            int(inbound.get(names[1], 0)),
            int(dead.get(names[0], 0)) + int(dead.get(names[1], 0)),
        )

    def _processes(self) -> list[tuple[psutil.Process, str]]:
        found: list[tuple[psutil.Process, str]] = []
        try:
            tree = [self._root, *self._root.children(recursive=True)]
        except psutil.NoSuchProcess:
            tree = []
        for process in [*tree, self._me]:
            if process.pid not in self._known:
                if process.pid == self._root.pid:
                    role = "runtime"  # gateway + poller + simulator, one interpreter
                elif process.pid == self._me.pid:
                    role = "load client"
                else:
                    role = _role(process, self._sqs_endpoint)
                process.cpu_percent(None)  # the first call only starts the measurement
                self._known[process.pid] = (process, role)
            found.append(self._known[process.pid])
        return found

    def sample(self) -> Sample:
        visible, in_flight, dead = self.depth()
        cpu: dict[str, float] = defaultdict(float)
        rss: dict[str, float] = defaultdict(float)
        for process, role in self._processes():
            try:
                cpu[role] += process.cpu_percent(None)
                rss[role] += process.memory_info().rss / 2**20
            except psutil.NoSuchProcess:
                continue
        return Sample(time.time(), visible, in_flight, dead, dict(cpu), dict(rss))

    def run(self) -> None:
        while not self._halt.is_set():
            started = time.monotonic()
            with contextlib.suppress(Exception):  # a hiccup of one sample must not end the run
                self.samples.append(self.sample())
            self._halt.wait(max(0.0, SAMPLE_EVERY_S - (time.monotonic() - started)))

    def stop(self) -> None:
        self._halt.set()
        if self.is_alive():
            self.join(timeout=10)


# -- the buyers ------------------------------------------------------------------------------------------


def load_cases(shop: Path) -> list[dict[str, Any]]:
    cases = []
    for line in (shop / "cases.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            cases.append(json.loads(line))
    return cases


class Platform:
    """The platform's push side: signs each buyer message and posts it to the webhook."""

    def __init__(self, target: Target, session: aiohttp.ClientSession, run_tag: str) -> None:
        self._target = target
        self._session = session
        self._webhook = str(target.info["webhook_url"])
        self._simulator = str(target.info["simulator_url"])
        self._shop = str(target.info["shop_id"])
        self._tag = run_tag
        self._sequence = 0
        self.sent: list[Sent] = []
        self.errors: Counter[str] = Counter()

    def form(self, message: dict[str, Any]) -> dict[str, str]:
        form = {
            "client_id": self._target.client_id,
            "timestamp": str(int(time.time())),
            "type": PUSH_TYPE,
            "data": json.dumps(message, ensure_ascii=False, separators=(",", ":")),
        }
        form["sign"] = pdd_sign(form, self._target.secret)
        return form

    async def set_order_status(self, buyer_id: str, status: str | None) -> None:
        if status:
            async with self._session.put(f"{self._simulator}/sim/orders/{buyer_id}", json={"status": status}) as r:
                await r.read()

    async def push(self, buyer_id: str, case: dict[str, Any], turn: dict[str, Any]) -> None:
        self._sequence += 1
        message_id = f"{self._tag}-{self._sequence}"
        kind = str(turn.get("type", "text"))
        message: dict[str, Any] = {
            "shop_id": self._shop,
            "buyer_id": buyer_id,
            "message_id": message_id,
            "type": kind,
            "sent_at": datetime.now().astimezone().isoformat(),
        }
        if kind == "text":
            message["text"] = turn["text"]
        if case.get("goods_id"):
            message["goods_id"] = case["goods_id"]
        record = Sent(message_id, buyer_id, str(case.get("id")), kind, time.time())
        self.sent.append(record)
        body = urlencode(self.form(message))
        started = time.perf_counter()
        try:
            async with self._session.post(
                self._webhook, data=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
            ) as response:
                await response.read()
                record.status = response.status
        except (aiohttp.ClientError, TimeoutError) as error:
            self.errors[type(error).__name__] += 1
        record.ack_ms = (time.perf_counter() - started) * 1000


async def buyer(
    number: int, platform_: Platform, cases: list[dict[str, Any]], think_s: float, end: float, rng: random.Random
) -> None:
    """One virtual buyer: plays cases back to back (each a fresh conversation), thinking between turns."""
    due = time.monotonic() + rng.expovariate(1.0 / think_s)  # memoryless: a steady rate from the start
    conversation = 0
    while True:
        case = rng.choice(cases)
        conversation += 1
        buyer_id = f"{platform_._tag}-b{number}-{conversation}"
        await platform_.set_order_status(buyer_id, case.get("order_status"))
        for turn in case["turns"]:
            # Open loop: the next message is due at its planned time, however slow the last ack was.
            await asyncio.sleep(max(0.0, min(due, end) - time.monotonic()))
            if time.monotonic() >= end:
                return
            await platform_.push(buyer_id, case, turn)
            due += rng.expovariate(1.0 / think_s)


async def replies_of(
    session: aiohttp.ClientSession, simulator: str, buyers: list[str]
) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    gate = asyncio.Semaphore(16)

    async def one(buyer_id: str) -> None:
        async with gate, session.get(f"{simulator}/buyer/{buyer_id}/messages") as response:
            out[buyer_id] = (await response.json())["messages"]

    await asyncio.gather(*(one(b) for b in buyers))
    return out


async def sim_state(session: aiohttp.ClientSession, simulator: str) -> dict[str, Any]:
    async with session.get(f"{simulator}/sim/state") as response:
        data: dict[str, Any] = await response.json()
        return data


async def drive(
    target: Target, cases: list[dict[str, Any]], rate: float, buyers: int, duration: float, seed: int,
    connections: int, sampler: Sampler, drain_timeout_s: float,
) -> tuple[Platform, dict[str, Any]]:
    rng = random.Random(seed)
    run_tag = f"lt{uuid.uuid4().hex[:6]}"
    think_s = buyers / rate
    timeout = aiohttp.ClientTimeout(total=30)
    connector = aiohttp.TCPConnector(limit=connections)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        platform_ = Platform(target, session, run_tag)
        started = time.monotonic()
        end = started + duration
        tasks = [
            asyncio.create_task(buyer(n, platform_, cases, think_s, end, random.Random(rng.random())))
            for n in range(buyers)
        ]
        simulator = str(target.info["simulator_url"])
        last = started
        while not all(task.done() for task in tasks):
            await asyncio.sleep(0.5)
            now = time.monotonic()
            if now - last >= PROGRESS_EVERY_S:
                last = now
                await _progress(session, simulator, platform_, sampler, now - started)
        for task in tasks:
            task.result()  # surface a crashed buyer
        sent_done = time.monotonic()
        print(f"[load] sending ended after {sent_done - started:.0f} s; draining ...", flush=True)
        drained = await _drain(session, simulator, platform_, sampler, timeout_s=drain_timeout_s)
        buyers_seen = sorted({s.buyer_id for s in platform_.sent})
        replies = await replies_of(session, simulator, buyers_seen)
        state = await sim_state(session, simulator)
    return platform_, {
        "run_tag": run_tag,
        "send_window_s": sent_done - started,
        "drain_s": drained,
        "replies": replies,
        "simulator": state,
        "think_s": think_s,
    }


async def _progress(
    session: aiohttp.ClientSession, simulator: str, platform_: Platform, sampler: Sampler, elapsed: float
) -> None:
    state = await sim_state(session, simulator)
    sent = platform_.sent
    recent = [s for s in sent if s.t_send >= time.time() - PROGRESS_EVERY_S]
    acks = sorted(s.ack_ms for s in recent if not math.isnan(s.ack_ms))
    last = sampler.samples[-1] if sampler.samples else None
    responder_cpu = last.cpu.get("responder", 0.0) if last else 0.0
    runtime_cpu = last.cpu.get("runtime", 0.0) if last else 0.0
    emulation_cpu = (last.cpu.get("dynamodb emulation", 0.0) + last.cpu.get("sqs emulation", 0.0)) if last else 0.0
    print(
        f"[load] t={elapsed:5.0f}s sent={len(sent):6d} ({len(recent) / PROGRESS_EVERY_S:5.1f}/s) "
        f"ok={sum(s.status == 200 for s in sent):6d} replies={state['api_calls'].get(SEND_TYPE, 0):6d} "
        f"ack_p99={_pct(acks, 99):6.1f}ms queue={last.visible if last else '?'}+{last.in_flight if last else '?'} "
        f"cpu responder={responder_cpu:4.0f}% emulation={emulation_cpu:4.0f}% runtime={runtime_cpu:4.0f}%",
        flush=True,
    )


async def _drain(
    session: aiohttp.ClientSession, simulator: str, platform_: Platform, sampler: Sampler, timeout_s: float
) -> float:
    """Seconds until the queue stayed empty for 2 s (every accepted message handled), or the timeout."""
    started = time.monotonic()
    empty_since: float | None = None
    while time.monotonic() - started < timeout_s:
        visible, in_flight, _ = await asyncio.to_thread(sampler.depth)
        if visible == 0 and in_flight == 0:
            empty_since = empty_since or time.monotonic()
            if time.monotonic() - empty_since >= 2.0:
                return round(empty_since - started, 2)
        else:
            empty_since = None
        await asyncio.sleep(0.25)
    return math.inf


# -- invariants ------------------------------------------------------------------------------------------


def _scan(table: Any, prefix: str, key: str) -> list[dict[str, Any]]:
    from boto3.dynamodb.conditions import Attr

    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"FilterExpression": Attr(key).contains(prefix)}
    while True:
        page = table.scan(**kwargs)
        items += page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def check_invariants(target: Target, sent: list[Sent], replies: dict[str, list[dict[str, Any]]],
                     simulator_state: dict[str, Any], run_tag: str, dead_letters: int,
                     queue_left: int) -> dict[str, Any]:
    """Exactly one outcome per accepted message; what is wrong, counted and with a few examples."""
    import boto3

    env = target.env
    dynamodb = boto3.resource("dynamodb", endpoint_url=target.info["aws_endpoint_url"], region_name=env["AWS_REGION"])
    ledger = {
        str(item["pk"]).split("#", 1)[1]: item
        for item in _scan(dynamodb.Table(env[resources.MESSAGE_LEDGER.env_var]), run_tag, "pk")
    }
    tickets = {
        str(item["handoff_id"]).rsplit("~", 1)[-1]
        for item in _scan(dynamodb.Table(env[resources.AGENT_QUEUE.env_var]), run_tag, "handoff_id")
    }
    accepted = {s.message_id: s for s in sent if s.status == 200}
    reply_ids: Counter[str] = Counter()
    for messages in replies.values():
        reply_ids.update(str(m.get("client_msg_id", "")).removeprefix("re-") for m in messages)
    problems: dict[str, list[str]] = defaultdict(list)
    outcomes: Counter[str] = Counter()
    for message_id in accepted:
        entry = ledger.get(message_id)
        if entry is None:
            # Still in the queue (the run ended before the backlog drained) is not lost: counted apart.
            problems["not handled yet (still queued)" if queue_left else "lost: no outcome recorded"].append(message_id)
            continue
        if entry.get("status") != "sent":
            problems["lost: outcome decided, never applied"].append(message_id)
        outcome = json.loads(entry["effects"])["outcome"]
        reason = outcome.get("handoff_reason")
        outcomes[f"{outcome['action']}:{reason}" if reason else outcome["action"]] += 1
        if outcome.get("reply") and reply_ids[message_id] != 1:
            problems[f"reply count {reply_ids[message_id]} (expected 1)"].append(message_id)
        if not outcome.get("reply") and reply_ids[message_id]:
            problems["reply without an outcome that has one"].append(message_id)
        if outcome["action"] == "handoff" and reason != "with_human" and message_id not in tickets:
            problems["handoff without an agent-queue ticket"].append(message_id)
    for message_id in ledger.keys() - accepted.keys():
        problems["outcome for a message that was not accepted"].append(message_id)
    for message_id in reply_ids.keys() - accepted.keys():
        problems["reply to a message that was not accepted"].append(message_id)
    order_violations = 0
    by_buyer: dict[str, list[str]] = defaultdict(list)
    for s in sorted(accepted.values(), key=lambda s: s.t_send):
        by_buyer[s.buyer_id].append(s.message_id)
    for buyer_id, messages in replies.items():
        got = [str(m.get("client_msg_id", "")).removeprefix("re-") for m in messages]
        expected = [m for m in by_buyer.get(buyer_id, []) if m in set(got)]
        if got != expected:
            order_violations += 1
            problems["per-buyer reply order differs from send order"].append(buyer_id)
    if simulator_state.get("duplicates"):
        problems["duplicate sends absorbed by the platform"].append(str(simulator_state["duplicates"]))
    if dead_letters:
        problems["messages in the DLQ"].append(str(dead_letters))
    if queue_left:
        problems["queue not drained at the end"].append(str(queue_left))
    return {
        "accepted": len(accepted),
        "outcomes": len([m for m in accepted if m in ledger]),
        "outcome_kinds": dict(outcomes.most_common()),
        "replies": sum(reply_ids.values()),
        "lost": len(problems["lost: no outcome recorded"]) + len(problems["lost: outcome decided, never applied"]),
        "duplicated": sum(1 for count in reply_ids.values() if count > 1) + int(simulator_state.get("duplicates", 0)),
        "order_violations": order_violations,
        "dead_letters": dead_letters,
        "queued_at_end": queue_left,
        "problems": {name: {"count": len(ids), "examples": ids[:5]} for name, ids in problems.items() if ids},
        "ok": not any(problems.values()),
        "_ledger": ledger,
    }


# -- report ----------------------------------------------------------------------------------------------


def _pct(values: list[float], q: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))
    return round(ordered[index], 1)


def _iso_to_epoch(value: str) -> float:
    return datetime.fromisoformat(value).timestamp()


def build_report(args: argparse.Namespace, profile: Profile, platform_: Platform, run: dict[str, Any],
                 invariants: dict[str, Any], samples: list[Sample]) -> dict[str, Any]:
    sent = platform_.sent
    window = run["send_window_s"]
    accepted = [s for s in sent if s.status == 200]
    start = min((s.t_send for s in sent), default=time.time())
    by_id = {s.message_id: s for s in accepted}
    reply_ms = []
    for messages in run["replies"].values():
        for m in messages:
            original = by_id.get(str(m.get("client_msg_id", "")).removeprefix("re-"))
            if original is not None:
                reply_ms.append((_iso_to_epoch(m["at"]) - original.t_send) * 1000)
    ledger = invariants.pop("_ledger")
    outcome_times = [
        _iso_to_epoch(str(item["sent_at"])) for item in ledger.values() if item.get("sent_at")
    ]
    handled_in_window = sum(1 for t in outcome_times if start <= t <= start + window)
    handled_per_s = Counter(int(t - start) for t in outcome_times)
    outcome_ms = [
        (_iso_to_epoch(str(item["sent_at"])) - by_id[mid].t_send) * 1000
        for mid, item in ledger.items()
        if item.get("sent_at") and mid in by_id
    ]
    load_samples = [s for s in samples if start <= s.t <= start + window]

    def usage(role: str) -> dict[str, float]:
        cpu = [s.cpu.get(role, 0.0) for s in load_samples]
        rss = [s.rss_mb.get(role, 0.0) for s in load_samples]
        cpu_s = statistics.fmean(cpu) / 100 * window if cpu else math.nan
        return {
            "cpu_mean_pct": round(statistics.fmean(cpu), 1) if cpu else math.nan,
            "cpu_p95_pct": _pct(cpu, 95),
            # CPU time per message handled while the load ran: where the per-message cost goes.
            "cpu_ms_per_message": round(cpu_s * 1000 / handled_in_window, 1) if handled_in_window else math.nan,
            "rss_peak_mb": round(max(rss), 1) if rss else math.nan,
        }

    roles = sorted({role for s in samples for role in s.cpu} - {"gone"})
    acks = [s.ack_ms for s in sent if not math.isnan(s.ack_ms)]
    return {
        "profile": args.profile,
        "machine": f"{platform.node()} · {psutil.cpu_count()} cores · "
        f"{round(psutil.virtual_memory().total / 2**30)} GiB · Python {platform.python_version()}",
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "settings": {
            "rate_target_per_s": profile.rate,
            "buyers": profile.buyers,
            "mean_think_s": round(run["think_s"], 1),
            "duration_s": args.duration,
            "responder_workers": args.workers,
            # which engines served the AWS endpoints (DynamoDB and S3 are always moto's)
            "engines": {"sqs": run.get("sqs_engine", "?"), "dynamodb": "moto", "s3": "moto"},
            "webhook_concurrency": args.webhook_concurrency,
            "shop": str(args.shop.relative_to(REPO)) if args.shop.is_relative_to(REPO) else str(args.shop),
        },
        "messages": {
            "sent": len(sent),
            "accepted": len(accepted),
            "refused_or_failed": len(sent) - len(accepted),
            "client_errors": dict(platform_.errors),
            "offered_per_s": round(len(sent) / window, 2),
            "accepted_per_s": round(len(accepted) / window, 2),
            "handled_per_s_during_load": round(handled_in_window / window, 2),
            "drain_after_load_s": run["drain_s"],
        },
        "webhook_ack_ms": {"p50": _pct(acks, 50), "p99": _pct(acks, 99), "max": _pct(acks, 100)},
        "reply_ms": {
            "count": len(reply_ms),
            "p50": _pct(reply_ms, 50),
            "p95": _pct(reply_ms, 95),
            "p99": _pct(reply_ms, 99),
            "max": _pct(reply_ms, 100),
        },
        "outcome_ms": {"p50": _pct(outcome_ms, 50), "p95": _pct(outcome_ms, 95), "p99": _pct(outcome_ms, 99)},
        "processes": {role: usage(role) for role in roles},
        "queue_depth": {
            "max_visible": max((s.visible for s in samples), default=0),
            "max_in_flight": max((s.in_flight for s in samples), default=0),
        },
        "invariants": invariants,
        # Outcomes recorded per second since the first message (the plot's "handled / s").
        "handled_per_second": [handled_per_s.get(i, 0) for i in range(max(handled_per_s, default=-1) + 1)],
    }


def plot(samples: list[Sample], sent: list[Sent], handled_per_second: list[int], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if not samples:
        return
    t0 = min(s.t_send for s in sent) if sent else samples[0].t
    times = [s.t - t0 for s in samples]
    figure, (top, bottom) = plt.subplots(2, 1, figsize=(9, 6), sharex=True, height_ratios=[3, 2])
    top.plot(times, [s.visible for s in samples], label="waiting (visible)")
    top.plot(times, [s.in_flight for s in samples], label="being handled (in flight)")
    top.plot(times, [s.dead_letter for s in samples], label="dead-lettered", linestyle=":")
    top.set_ylabel("messages in the inbound queue")
    top.legend(loc="upper right")
    top.set_title(title)
    sent_per_s = Counter(int(s.t_send - t0) for s in sent)
    span = range(max(int(times[-1]), len(handled_per_second)) + 1)
    bottom.plot(list(span), [sent_per_s.get(i, 0) for i in span], label="sent / s", linewidth=0.7)
    bottom.plot(range(len(handled_per_second)), handled_per_second, label="handled / s", linewidth=0.7)
    bottom.set_ylabel("messages / s")
    bottom.set_xlabel("seconds since the first message")
    cpu = bottom.twinx()
    cpu.plot(times, [s.cpu.get("dynamodb emulation", 0.0) / 100 for s in samples], color="tab:red", linewidth=0.9,
             label="DynamoDB + S3 emulation CPU (cores)")
    cpu.plot(times, [s.cpu.get("sqs emulation", 0.0) / 100 for s in samples], color="tab:brown", linewidth=0.9,
             label="SQS emulation CPU (cores)")
    cpu.plot(times, [s.cpu.get("runtime", 0.0) / 100 for s in samples], color="tab:purple", linewidth=0.9,
             label="gateway + poller + simulator CPU (cores)")
    cpu.plot(times, [s.cpu.get("responder", 0.0) / 100 for s in samples], color="tab:green", linewidth=0.9,
             label="responder CPU (cores)")
    cpu.set_ylim(0, 2)
    cpu.set_ylabel("CPU (cores of 2)")
    lines = bottom.get_legend_handles_labels()
    more = cpu.get_legend_handles_labels()
    bottom.legend(lines[0] + more[0], lines[1] + more[1], loc="upper right", fontsize="small")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)


def print_report(report: dict[str, Any]) -> None:
    m, ack, reply, inv = report["messages"], report["webhook_ack_ms"], report["reply_ms"], report["invariants"]
    print("\n== load report ==")
    print(f"profile {report['profile']}: {report['settings']}")
    print(f"engines    {report['settings']['engines']}")
    print(f"machine {report['machine']}; load average at start {report['load_average_at_start']}")
    print(f"messages   sent {m['sent']}, accepted {m['accepted']}; offered {m['offered_per_s']}/s, "
          f"handled {m['handled_per_s_during_load']}/s during the load; drained {m['drain_after_load_s']} s after")
    print(f"ack        p50 {ack['p50']} ms  p99 {ack['p99']} ms  max {ack['max']} ms")
    print(f"reply      p50 {reply['p50']} ms  p95 {reply['p95']} ms  p99 {reply['p99']} ms  (n={reply['count']})")
    for role, usage in report["processes"].items():
        print(f"process    {role:12s} CPU mean {usage['cpu_mean_pct']}% p95 {usage['cpu_p95_pct']}% "
              f"({usage['cpu_ms_per_message']} ms/message)  RSS peak {usage['rss_peak_mb']} MB")
    print(f"queue      max visible {report['queue_depth']['max_visible']}, "
          f"max in flight {report['queue_depth']['max_in_flight']}")
    print(f"invariants accepted {inv['accepted']}, outcomes {inv['outcomes']} {inv['outcome_kinds']}; "
          f"lost {inv['lost']}, duplicated {inv['duplicated']}, order violations {inv['order_violations']}, "
          f"DLQ {inv['dead_letters']}, queued at the end {inv['queued_at_end']} "
          f"→ {'OK' if inv['ok'] else 'VIOLATED'}")
    for name, detail in inv["problems"].items():
        print(f"  ! {name}: {detail['count']} e.g. {detail['examples']}")


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", choices=sorted(PROFILES), default="evening")
    parser.add_argument("--rate", type=float, default=None, help="messages/s (default: the profile's)")
    parser.add_argument("--buyers", type=int, default=None, help="concurrent buyers (default: the profile's)")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load (default 60)")
    parser.add_argument("--workers", type=int, default=6,
                        help="responder environments (and poller threads) of the started runtime (default 6; in AWS, "
                        "Lambda runs one responder per busy message group, so a burst gets many)")
    parser.add_argument("--webhook-concurrency", type=int, default=4,
                        help="webhook environments (default 4; API Gateway scales its Lambda the same way)")
    parser.add_argument("--sqs", choices=CLI_SQS_CHOICES, default="auto",
                        help="SQS engine of the started runtime (default auto: elasticmq when Java + Maven are "
                        "there, else moto)")
    parser.add_argument("--connections", type=int, default=64, help="client connection pool size")
    parser.add_argument("--shop", type=Path, default=DEMO_SHOP, help="shop bundle whose cases.jsonl is replayed")
    parser.add_argument("--state", type=Path, default=None, help="drive a running `kefu run` (its state file)")
    parser.add_argument("--drain-timeout", type=float, default=300.0,
                        help="seconds to wait after the load for the queue to empty (default 300)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=RESULTS, help="where the JSON report and the plot go")
    parser.add_argument("--plot", type=Path, default=None, help="queue-depth PNG (default: <out>/queue_depth.png)")
    parser.add_argument("--serve", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--log", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.shop = args.shop.resolve()
    if args.state is None:
        args.sqs = pick_sqs_engine(args.sqs)
    return args


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if args.serve is not None:
        return serve(args.serve, args.shop, args.workers, args.webhook_concurrency,
                     args.log or Path(tempfile.gettempdir()) / "kefu-load-functions.log", args.sqs)
    # SIGTERM unwinds like Ctrl-C, so the runtime child is stopped in order (the finally below).
    signal.signal(signal.SIGTERM, _interrupt)
    base = PROFILES[args.profile]
    profile = Profile(rate=args.rate or base.rate, buyers=args.buyers or base.buyers)
    cases = load_cases(args.shop)
    workdir = Path(tempfile.mkdtemp(prefix="kefu-load-"))
    if args.state:
        target = Target(json.loads(args.state.read_text(encoding="utf-8")))
    else:
        print(f"[load] starting the local runtime ({args.workers} responder workers) ...", flush=True)
        target = start_child(args, workdir)
    sampler = Sampler(target)
    try:
        sampler.start()
        print(f"[load] {args.profile}: {profile.rate}/s from {profile.buyers} buyers for {args.duration:.0f} s "
              f"→ {target.info['webhook_url']}", flush=True)
        # The client must not add pauses of its own to the latencies it measures: its record of every message
        # grows through the run, and full collections over it took 35-65 ms (measured). It makes little
        # cyclic garbage in a few minutes, so collection waits until the measurement is over.
        gc.collect()
        gc.disable()
        try:
            platform_, run = asyncio.run(drive(target, cases, profile.rate, profile.buyers, args.duration,
                                               args.seed, args.connections, sampler, args.drain_timeout))
        finally:
            gc.enable()
        run["sqs_engine"] = target.info.get("sqs_engine", DEFAULT_SQS_ENGINE)
        time.sleep(SAMPLE_EVERY_S * 1.5)
        visible, in_flight, dead = sampler.depth()
        sampler.stop()
        invariants = check_invariants(target, platform_.sent, run["replies"], run["simulator"], run["run_tag"], dead,
                                      visible + in_flight)
    finally:
        sampler.stop()
        stop_child(target)
    report = build_report(args, profile, platform_, run, invariants, sampler.samples)
    args.out.mkdir(parents=True, exist_ok=True)
    handled = report["handled_per_second"]
    text = json.dumps({k: v for k, v in report.items() if k != "handled_per_second"}, ensure_ascii=False,
                      indent=1, default=str)
    # One line per sample, so the committed report stays readable: [t, visible, in flight, DLQ, CPU % by role].
    samples = ",\n  ".join(
        json.dumps([round(s.t - sampler.samples[0].t, 1), s.visible, s.in_flight, s.dead_letter,
                    {role: round(cpu) for role, cpu in s.cpu.items()}])
        for s in sampler.samples
    )
    text = (text.rstrip().removesuffix("}").rstrip() + f',\n "handled_per_second": {json.dumps(handled)},'
            f'\n "samples": [\n  {samples}\n ]\n}}\n')
    (args.out / f"load-{args.profile}.json").write_text(text, encoding="utf-8")
    title = (f"{args.profile}: {profile.rate:g} msg/s offered, {args.duration:.0f} s, "
             f"{args.workers} responder workers, {psutil.cpu_count()} cores")
    plot(sampler.samples, platform_.sent, report["handled_per_second"], args.plot or args.out / "queue_depth.png",
         title)
    print_report(report)
    return 0 if report["invariants"]["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
