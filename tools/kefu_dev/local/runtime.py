"""The whole agent on one machine: ``LocalRuntime``.

Starts, in this process tree and on loopback ports:

1. the local AWS emulation (moto server) with the stack's tables, FIFO queue + DLQ and
   bucket, created from kefu.resources (the specs the CDK stack uses);
2. the shop bundle, learned and stored as the current knowledge snapshot in the
   emulated S3 (where the responder loads it from, as in AWS);
3. the platform simulator (order / logistics / goods look-ups from the bundle, buyer
   chat in both directions);
4. the local API Gateway in front of the real webhook (and agent console API, when
   present) handlers, each invocation in a warm Lambda-like child process;
5. the SQS poller that feeds the real responder handler, as the event source mapping does.

Use::

    with LocalRuntime(shop_dir) as runtime:
        runtime.simulator.send_buyer_message("u1001", "怎么染")
        replies = runtime.simulator.wait_for_replies("u1001")

Attributes after ``start()``: ``shop_id``, ``env`` (the Lambda environment; point boto3 or
the CLI at it), ``aws`` (queue URLs and names), ``simulator`` (a ``PlatformSimulator``),
``gateway_url``, ``webhook_url``, ``simulator_url``, ``console_url`` (None without the
console function), ``agent_token``, ``log_path`` (the functions' logs).
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from kefu import resources
from kefu.platform import registry
from kefu.platform.registry import DEFAULT_PLATFORM
from kefu_dev.local.elasticmq import ElasticMqServer
from kefu_dev.local.emulator import LocalAws, MotoServer, client, create_resources, free_port
from kefu_dev.local.engines import DEFAULT_SQS_ENGINE, SQS_ENGINES
from kefu_dev.local.gateway import LocalGateway
from kefu_dev.local.handlers import FunctionPool, has_function
from kefu_dev.local.poller import SqsPoller
from kefu_dev.local.simulator import PlatformSimulator

log = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[3]  # tools/kefu_dev/local/runtime.py
DEMO_SHOP = REPO_ROOT / "examples" / "shops" / "hair-dye"
DEFAULT_GATEWAY_PORT = 8780
DEFAULT_SIMULATOR_PORT = 8790
CLIENT_ID = "kefu-local"
RUNTIME_SWITCH_INTERVAL_S = 0.001
# In AWS every function and service has CPUs of its own; here they share a few cores. The webhook must
# acknowledge within the platform's timeout while a reply may take a second, so on a busy machine the
# reply path (responder environments, the DynamoDB emulation) runs at idle priority: it gets the CPU
# whenever the intake path (gateway, webhook, SQS emulation) does not need it (kefu_dev.local.priority).


class LocalRuntime:
    """Everything the stack runs, locally. A context manager; ``stop()`` is safe to call twice."""

    def __init__(
        self,
        shop_dir: Path | str = DEMO_SHOP,
        *,
        gateway_port: int = 0,
        simulator_port: int = 0,
        moto_port: int | None = None,
        prefix: str | None = None,
        responder_workers: int = 2,
        webhook_concurrency: int = 2,
        warm_all: bool = False,
        failure_visibility_s: int | None = None,
        secret: str | None = None,
        log_path: Path | str | None = None,
        verbose: bool = False,
        extra_env: dict[str, str] | None = None,
        sqs_engine: str = DEFAULT_SQS_ENGINE,
        platform: str = DEFAULT_PLATFORM,
    ) -> None:
        """Ports 0 pick free ones. ``failure_visibility_s``: see ``SqsPoller`` (None = as in AWS).

        ``prefix`` names the tables, queues and bucket (unique per runtime by default).
        ``extra_env`` is added to the functions' environment (e.g. KEFU_ANSWER_THRESHOLD).
        ``warm_all``: start every execution environment up front (see ``_warm_all``).
        ``sqs_engine``: what serves the SQS endpoint, one of ``SQS_ENGINES``.
        ``platform``: which platform the simulator plays and the functions speak (``kefu.platform.registry``).
        """
        registry.spec(platform)  # ValueError: not a registered platform
        if sqs_engine not in SQS_ENGINES:
            raise ValueError(f"sqs_engine must be one of {SQS_ENGINES}, not {sqs_engine!r}")
        self.sqs_engine = sqs_engine
        self.platform = platform
        self.shop_dir = Path(shop_dir).resolve()
        shop = json.loads((self.shop_dir / "shop.json").read_text(encoding="utf-8"))
        self.shop_id: str = shop["shop_id"]
        self._gateway_port = gateway_port
        self._simulator_port = simulator_port
        self._moto_port = moto_port
        self._prefix = prefix or f"kefu{secrets.token_hex(3)}"
        self._responder_workers = responder_workers
        self._warm_all_environments = warm_all
        self._webhook_concurrency = webhook_concurrency
        self._failure_visibility = failure_visibility_s
        self.secret = secret or secrets.token_hex(16)
        self.agent_token = secrets.token_urlsafe(16)
        self.log_path = (
            Path(log_path) if log_path else Path(tempfile.gettempdir()) / f"kefu-local-{os.getpid()}.log"
        )
        self._verbose = verbose
        self._extra_env = dict(extra_env or {})
        self.env: dict[str, str] = {}
        self.aws: LocalAws | None = None
        self.knowledge_version: str | None = None
        self._moto: MotoServer | None = None
        self._moto_sqs: MotoServer | ElasticMqServer | None = None
        self._simulator: PlatformSimulator | None = None
        self._gateway: LocalGateway | None = None
        self._poller: SqsPoller | None = None
        self._pools: dict[str, FunctionPool] = {}
        self._log_file: IO[bytes] | None = None
        self.timings: dict[str, float] = {}

    # -- public API ----------------------------------------------------------------------------------------

    @property
    def simulator(self) -> PlatformSimulator:
        if self._simulator is None:
            raise RuntimeError("the runtime is not started")
        return self._simulator

    @property
    def simulator_url(self) -> str:
        return self.simulator.url

    @property
    def gateway_url(self) -> str:
        if self._gateway is None:
            raise RuntimeError("the runtime is not started")
        return self._gateway.url

    @property
    def webhook_url(self) -> str:
        """The platform's webhook (``/webhook/pdd``, ``/webhook/generic/v1``, ``/webhook/wecom_kf``)."""
        return self.gateway_url + registry.route_of(self.platform)

    @property
    def console_url(self) -> str | None:
        return f"{self.gateway_url}/console" if "agent_api" in self._pools else None

    @property
    def endpoint_url(self) -> str:
        """The local AWS emulation's endpoint (for boto3 ``endpoint_url``)."""
        if self._moto is None:
            raise RuntimeError("the runtime is not started")
        return self._moto.endpoint_url

    @property
    def poller(self) -> SqsPoller:
        if self._poller is None:
            raise RuntimeError("the runtime is not started")
        return self._poller

    @property
    def sqs_endpoint_url(self) -> str:
        """The emulated SQS: a process of its own, so that the webhook's sends never wait behind DynamoDB."""
        if self._moto_sqs is None:
            raise RuntimeError("the runtime is not started")
        return self._moto_sqs.endpoint_url

    def sqs(self) -> Any:
        return client("sqs", self.sqs_endpoint_url)

    def queue_depth(self) -> dict[str, int]:
        """Visible and in-flight messages of the inbound queue, and the DLQ's size."""
        assert self.aws is not None
        sqs = self.sqs()
        names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        inbound = sqs.get_queue_attributes(
            QueueUrl=self.aws.queue_urls[resources.INBOUND_QUEUE.logical_id], AttributeNames=names
        )["Attributes"]
        dlq = sqs.get_queue_attributes(
            QueueUrl=self.aws.dlq_urls[resources.INBOUND_QUEUE.logical_id], AttributeNames=names
        )["Attributes"]
        return {
            "visible": int(inbound.get(names[0], 0)),
            "in_flight": int(inbound.get(names[1], 0)),
            "dead_letter": int(dlq.get(names[0], 0)) + int(dlq.get(names[1], 0)),
        }

    def wait_until_idle(self, timeout_s: float = 30.0) -> bool:
        """True once the inbound queue is empty and no batch is being handled."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            depth = self.queue_depth()
            if depth["visible"] == 0 and depth["in_flight"] == 0 and self.poller.busy == 0:
                return True
            time.sleep(0.1)
        return False

    def describe(self) -> dict[str, Any]:
        """What `kefu run` prints and saves for `kefu chat` / `kefu dlq` (no secrets but the local ones)."""
        return {
            "shop_id": self.shop_id,
            "buyer_chat_url": f"{self.simulator_url}/",
            "simulator_url": self.simulator_url,
            "platform_api_url": self.simulator.api_url,
            "gateway_url": self.gateway_url,
            "webhook_url": self.webhook_url,
            "console_url": self.console_url,
            "agent_token": self.agent_token,
            "aws_endpoint_url": self.endpoint_url,
            "aws_sqs_endpoint_url": self.sqs_endpoint_url,
            "sqs_engine": self.sqs_engine,
            "platform": self.platform,
            "log_path": str(self.log_path),
            "knowledge_version": self.knowledge_version,
            "env": self.env,
            "pid": os.getpid(),
        }

    # -- lifecycle -----------------------------------------------------------------------------------------

    def start(self) -> LocalRuntime:
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        started = time.perf_counter()
        # The gateway shares this process's interpreter lock with the poller and the platform simulator: a
        # request waiting for the lock behind them waits one switch interval at most (5 ms by default, up to
        # three times per acknowledgement).
        sys.setswitchinterval(RUNTIME_SWITCH_INTERVAL_S)
        # Two emulation processes, as two services in AWS: SQS (the webhook's path to a fast ack) apart
        # from DynamoDB and S3 (most of the responder's work).
        self._moto = MotoServer(self._moto_port, own_process=True, background=True).start()
        self._moto_sqs = ElasticMqServer() if self.sqs_engine == "elasticmq" else MotoServer(own_process=True)
        self._moto_sqs.start()
        self.aws = create_resources(self._moto.endpoint_url, resources.LocalNames(prefix=self._prefix),
                                    sqs_endpoint_url=self._moto_sqs.endpoint_url)
        self._mark("aws", started)

        self.knowledge_version = self._learn()
        self._mark("learn", started)

        self._simulator = PlatformSimulator(
            self.shop_dir, self.secret, client_id=CLIENT_ID, port=self._simulator_port, platform=self.platform
        ).start()
        gateway_port = self._gateway_port or free_port()
        self.env = self._function_env()

        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log_file = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        functions = ["webhook", "responder"] + (["agent_api"] if has_function("agent_api") else [])
        concurrency = {
            "webhook": self._webhook_concurrency,
            "responder": self._responder_workers,
            "agent_api": 2,
        }
        for name in functions:
            self._pools[name] = FunctionPool(
                name, self.env, max_concurrency=concurrency[name], log=self._log_file,
                background=name == "responder",
            )
        self._warm_all(concurrency)
        self._mark("functions", started)

        invokers = {name: pool.invoke for name, pool in self._pools.items() if name != "responder"}
        self._gateway = LocalGateway(invokers, port=gateway_port).start()
        self.simulator.webhook_url = self.webhook_url
        assert self.aws is not None
        self._poller = SqsPoller(
            self.sqs(),
            self.aws.queue_urls[resources.INBOUND_QUEUE.logical_id],
            self._pools["responder"].invoke,
            batch_size=resources.RESPONDER_BATCH_SIZE,
            workers=self._responder_workers,
            failure_visibility_s=self._failure_visibility,
        ).start()
        self._mark("ready", started)

    def _warm_all(self, concurrency: dict[str, int]) -> None:
        """Cold starts in parallel: the first buyer message should not wait for an import.

        One environment per function, or (``warm_all``) as many as each may run at once: a load test
        then measures the steady state, as with Lambda's provisioned concurrency.
        """
        errors: list[BaseException] = []

        def warm(pool: FunctionPool) -> None:
            try:
                pool.warm(concurrency.get(pool.name, 1) if self._warm_all_environments else 1)
            except BaseException as error:  # re-raised below, in the starting thread
                errors.append(error)

        threads = [threading.Thread(target=warm, args=(pool,), daemon=True) for pool in self._pools.values()]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]

    def _mark(self, step: str, started: float) -> None:
        self.timings[step] = round(time.perf_counter() - started, 3)
        log.info("local runtime: %s after %.1f s", step, self.timings[step])

    def _learn(self) -> str:
        """Learn the bundle and make it the shop's current snapshot in the emulated S3."""
        from kefu.knowledge import snapshot as snapshots
        from kefu.knowledge.learn import learn_bundle

        assert self.aws is not None
        learned = learn_bundle(self.shop_dir).snapshot
        s3 = client("s3", self.aws.endpoint_url)
        snapshots.save_s3(s3, self.aws.names.bucket(resources.KNOWLEDGE_BUCKET), learned)
        return str(learned.version)

    def _function_env(self) -> dict[str, str]:
        assert self.aws is not None
        env = self.aws.env()
        env.update(
            {
                "KEFU_SHOP_ID": self.shop_id,
                **self.simulator.function_env(),
                "KEFU_AGENT_API_TOKEN": self.agent_token,
                "POWERTOOLS_LOG_LEVEL": "INFO" if self._verbose else "WARNING",
                "POWERTOOLS_DEV": "false",
                # numpy's OpenBLAS starts a thread per core that spin-waits after every small vector op:
                # measured 58 → 15 ms of responder CPU per message, and the other core freed.
                "OPENBLAS_NUM_THREADS": "1",
            }
        )
        env.update(self._extra_env)
        return env

    def stop(self) -> None:
        """Stop in reverse order: nothing new comes in, batches finish, then the emulation goes."""
        if self._gateway is not None:
            self._gateway.stop()
            self._gateway = None
        if self._poller is not None:
            self._poller.stop()
            self._poller = None
        for pool in self._pools.values():
            pool.close()
        self._pools.clear()
        if self._simulator is not None:
            self._simulator.stop()
        for server in (self._moto, self._moto_sqs):
            if server is not None:
                server.stop()
        self._moto = self._moto_sqs = None
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def __enter__(self) -> LocalRuntime:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()
