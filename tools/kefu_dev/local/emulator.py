"""The local AWS emulation: moto in server mode, with the stack's tables, queues and bucket.

Resources are created from kefu.resources, the same specs the CDK stack reads,
so the local twin and AWS agree on names, keys, indexes and redrive.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from kefu import resources
from kefu.resources import LocalNames
from kefu_dev.local.priority import run_in_background

LOCAL_REGION = "cn-north-1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def use_dummy_credentials() -> None:
    """moto accepts any credentials; make sure boto3 never looks for real ones."""
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
    os.environ.setdefault("AWS_DEFAULT_REGION", LOCAL_REGION)


@dataclass
class LocalAws:
    """A running emulation and the physical names of what it holds."""

    endpoint_url: str
    names: LocalNames
    queue_urls: dict[str, str]
    dlq_urls: dict[str, str]
    sqs_endpoint_url: str | None = None  # SQS emulated apart (its own process); None: at endpoint_url
    dynamodb_endpoint_url: str | None = None  # DynamoDB on another engine (dynalite); None: at endpoint_url

    @property
    def sqs_url(self) -> str:
        return self.sqs_endpoint_url or self.endpoint_url

    @property
    def dynamodb_url(self) -> str:
        return self.dynamodb_endpoint_url or self.endpoint_url

    def env(self) -> dict[str, str]:
        """Environment for handlers and the CLI: the same variables the CDK stack sets."""
        env = {
            "KEFU_AWS_ENDPOINT_URL": self.endpoint_url,
            "KEFU_AWS_ENDPOINT_URL_SQS": self.sqs_url,
            "KEFU_AWS_ENDPOINT_URL_DYNAMODB": self.dynamodb_url,
            "AWS_REGION": LOCAL_REGION,
            "AWS_DEFAULT_REGION": LOCAL_REGION,
            "AWS_ACCESS_KEY_ID": os.environ.get("AWS_ACCESS_KEY_ID", "local"),
            "AWS_SECRET_ACCESS_KEY": os.environ.get("AWS_SECRET_ACCESS_KEY", "local"),
        }
        for table in resources.TABLES:
            env[table.env_var] = self.names.table(table)
        for queue in resources.QUEUES:
            env[queue.env_var] = self.queue_urls[queue.logical_id]
            if queue.dlq_env_var:
                env[queue.dlq_env_var] = self.dlq_urls[queue.logical_id]
        for bucket in resources.BUCKETS:
            env[bucket.env_var] = self.names.bucket(bucket)
        return env


def client(service: str, endpoint_url: str) -> Any:
    use_dummy_credentials()
    config = Config(retries={"max_attempts": 3})
    return boto3.client(service, endpoint_url=endpoint_url, region_name=LOCAL_REGION, config=config)  # type: ignore[call-overload]


def create_resources(endpoint_url: str, names: LocalNames | None = None,
                     sqs_endpoint_url: str | None = None, dynamodb_endpoint_url: str | None = None) -> LocalAws:
    """Create every table, queue (with its DLQ and redrive policy) and bucket; idempotent.

    ``sqs_endpoint_url``: where the queues live when SQS is emulated apart (default: ``endpoint_url``);
    ``dynamodb_endpoint_url``: where the tables live when DynamoDB runs on another engine (dynalite). An
    engine without UpdateTimeToLive (dynalite 4.0.0 answers UnknownOperationException) gets its tables without
    TTL: nothing in kefu reads an item's expiry, old items merely stay (as in moto, which never deletes them).
    """
    names = names or LocalNames()
    dynamodb = client("dynamodb", dynamodb_endpoint_url or endpoint_url)
    existing = set(dynamodb.list_tables().get("TableNames", []))
    for spec in resources.TABLES:
        name = names.table(spec)
        if name in existing:
            continue
        key_schema = [{"AttributeName": spec.partition_key, "KeyType": "HASH"}]
        if spec.sort_key:
            key_schema.append({"AttributeName": spec.sort_key, "KeyType": "RANGE"})
        kwargs: dict[str, Any] = {
            "TableName": name,
            "KeySchema": key_schema,
            "AttributeDefinitions": [{"AttributeName": a, "AttributeType": "S"} for a in spec.attribute_names()],
            "BillingMode": "PAY_PER_REQUEST",
        }
        if spec.indexes:
            kwargs["GlobalSecondaryIndexes"] = [
                {
                    "IndexName": index.name,
                    "KeySchema": [{"AttributeName": index.partition_key, "KeyType": "HASH"}]
                    + ([{"AttributeName": index.sort_key, "KeyType": "RANGE"}] if index.sort_key else []),
                    "Projection": {"ProjectionType": "ALL"},
                }
                for index in spec.indexes
            ]
        dynamodb.create_table(**kwargs)
        wait_active(dynamodb, name)
        if spec.ttl_attribute:
            try:
                dynamodb.update_time_to_live(
                    TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": spec.ttl_attribute}
                )
            except ClientError as error:
                if error.response["Error"].get("Code") != "UnknownOperationException":
                    raise

    sqs = client("sqs", sqs_endpoint_url or endpoint_url)
    queue_urls: dict[str, str] = {}
    dlq_urls: dict[str, str] = {}
    for queue in resources.QUEUES:
        fifo_attrs = {"FifoQueue": "true"} if queue.fifo else {}
        dlq_arn = None
        if queue.dlq_logical_id:
            dlq_url = sqs.create_queue(
                QueueName=names.dlq(queue),
                Attributes={**fifo_attrs, "MessageRetentionPeriod": str(14 * 24 * 3600)},
            )["QueueUrl"]
            dlq_urls[queue.logical_id] = dlq_url
            dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
                "QueueArn"
            ]
        attributes = {
            **fifo_attrs,
            "VisibilityTimeout": str(queue.visibility_timeout_s),
            "MessageRetentionPeriod": str(queue.retention_s),
        }
        if queue.fifo:
            attributes["ContentBasedDeduplication"] = "true" if queue.content_based_deduplication else "false"
        if dlq_arn:
            attributes["RedrivePolicy"] = json.dumps(
                {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(queue.max_receive_count)}
            )
        queue_urls[queue.logical_id] = sqs.create_queue(QueueName=names.queue(queue), Attributes=attributes)[
            "QueueUrl"
        ]

    s3 = client("s3", endpoint_url)
    for bucket in resources.BUCKETS:
        with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou):
            s3.create_bucket(
                Bucket=names.bucket(bucket), CreateBucketConfiguration={"LocationConstraint": LOCAL_REGION}
            )
    return LocalAws(endpoint_url=endpoint_url, names=names, queue_urls=queue_urls, dlq_urls=dlq_urls,
                    sqs_endpoint_url=sqs_endpoint_url, dynamodb_endpoint_url=dynamodb_endpoint_url)


def wait_active(dynamodb: Any, table: str, timeout_s: float = 10.0) -> None:
    """Until the new table is ACTIVE (moto: at once; dynalite and DynamoDB: CREATING first)."""
    deadline = time.monotonic() + timeout_s
    while dynamodb.describe_table(TableName=table)["Table"]["TableStatus"] != "ACTIVE":
        if time.monotonic() > deadline:
            raise TimeoutError(f"table {table} not ACTIVE after {timeout_s:.0f} s")
        time.sleep(0.02)


class MotoServer:
    """moto's server mode on a loopback port: in a thread of this process, or in a child process.

    ``own_process``: the emulation gets its own interpreter lock (see kefu_dev.local.moto_process); the
    local runtime uses it. In a thread, tests can reach moto's in-memory backends directly.
    """

    def __init__(self, port: int | None = None, *, own_process: bool = False, ready_timeout_s: float = 30.0,
                 background: bool = False) -> None:
        """``background``: with ``own_process``, the child runs at idle CPU priority (kefu_dev.local.priority)."""
        self.port = port or free_port()
        self._background = background
        self._own_process = own_process
        self._ready_timeout_s = ready_timeout_s
        self._process: subprocess.Popen[bytes] | None = None
        self._server: Any = None

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> MotoServer:
        use_dummy_credentials()
        if self._own_process:
            self._start_process()
            return self
        from kefu_dev.local import moto_fixes

        moto_fixes.apply()  # long polls must not busy-loop; conditional writes must be atomic
        self._server = _KeepAliveServer(self.port).start()
        return self

    def _start_process(self) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "kefu_dev.local.moto_process", "--port", str(self.port)],
            stdin=subprocess.PIPE,  # closed by stop() or by our death: the child then exits
            stdout=subprocess.PIPE,
            start_new_session=True,  # Ctrl-C reaches the runtime, which stops us in order
            preexec_fn=run_in_background if self._background else None,
        )
        assert self._process.stdout is not None
        ready: list[bytes] = []
        reader = threading.Thread(target=lambda: ready.append(self._process.stdout.readline()),  # type: ignore[union-attr]
                                  daemon=True)
        reader.start()
        reader.join(self._ready_timeout_s)
        if not ready or not ready[0].startswith(b"ready"):
            self.stop()
            raise RuntimeError(
                f"the local AWS emulation did not start on port {self.port} within {self._ready_timeout_s:.0f} s; "
                "is the port taken? (python -m kefu_dev.local.moto_process --port N shows the error)"
            )

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
        process, self._process = self._process, None
        if process is None:
            return
        with contextlib.suppress(OSError):
            assert process.stdin is not None
            process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class _KeepAliveServer:
    """moto's WSGI app served by waitress in a background thread.

    moto's own server (werkzeug's development server) answers every request with ``Connection: close``:
    each AWS call then paid for a TCP handshake and a new server thread on both sides (measured: a
    third of the emulation's CPU under load). waitress keeps connections alive and serves them from a
    fixed pool of threads; long polls hold a thread for their wait, hence the generous pool.
    """

    THREADS = 48

    def __init__(self, port: int) -> None:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
        from waitress.server import create_server

        self._server = create_server(
            DomainDispatcherApplication(create_backend_app),
            host="127.0.0.1",
            port=port,
            threads=self.THREADS,
            connection_limit=2000,
            channel_timeout=300,
            asyncore_use_poll=True,
            ident="moto",
        )
        logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # "task queue depth" under bursts is expected
        self._thread = threading.Thread(target=self._server.run, name="kefu-moto", daemon=True)

    def start(self) -> _KeepAliveServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        from waitress import wasyncore

        self._server.task_dispatcher.shutdown(timeout=5)
        wasyncore.close_all(self._server.map if hasattr(self._server, "map") else self._server._map)
        self._thread.join(timeout=10)
