"""ElasticMQ (a real SQS-protocol server with FIFO queues, from Maven Central) as the local SQS engine.

``kefu run --sqs elasticmq`` and ``benchmarks/load.py --sqs elasticmq`` put it where moto's SQS process
stands otherwise: same endpoint variable (KEFU_AWS_ENDPOINT_URL_SQS), same queues from kefu.resources.

Set-up: ``mvn dependency:copy-dependencies`` on tools/elasticmq/pom.xml (version pinned there) into
``.kefu/elasticmq/lib``; a stamp of the pom's hash makes a second run a no-op. The server runs as a child
JVM on a loopback port; it exits when its stdin closes (a watcher thread in this module's launcher is not
needed: ``ElasticMqServer.stop`` terminates it, and ``start_new_session`` keeps Ctrl-C for the runtime).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
from pathlib import Path

from kefu_dev.local.child_server import ChildServer

REPO_ROOT = Path(__file__).resolve().parents[3]  # tools/kefu_dev/local/elasticmq.py
POM = REPO_ROOT / "tools" / "elasticmq" / "pom.xml"
LOGBACK = REPO_ROOT / "tools" / "elasticmq" / "logback.xml"
MAIN_CLASS = "org.elasticmq.server.Main"
ACCOUNT_ID = "000000000000"


class ElasticMqUnavailable(RuntimeError):
    """Java or Maven missing, the jars could not be resolved, or the server did not come up."""


def cache_dir() -> Path:
    return Path(os.environ.get("KEFU_ELASTICMQ_DIR", REPO_ROOT / ".kefu" / "elasticmq")).resolve()


def missing_tools() -> list[str]:
    return [tool for tool in ("java", "mvn") if shutil.which(tool) is None]


def ensure_setup() -> Path:
    """Resolve the pinned ElasticMQ jars unless the cache already matches the pom; returns the cache dir."""
    missing = missing_tools()
    if missing:
        raise ElasticMqUnavailable(
            f"{', '.join(missing)} not found: the ElasticMQ SQS engine runs from Maven Central jars and needs "
            "Java 17+ and Maven (apt-get install openjdk-17-jre-headless maven)"
        )
    root = cache_dir()
    root.mkdir(parents=True, exist_ok=True)
    with (root / "setup.lock").open("w") as lock:  # two runs setting up at once would delete each other's jars
        fcntl.flock(lock, fcntl.LOCK_EX)
        stamp, wanted = root / "stamp", hashlib.sha256(POM.read_bytes()).hexdigest()[:16]
        if stamp.exists() and stamp.read_text().strip() == wanted and any((root / "lib").glob("elasticmq-server*.jar")):
            return root
        shutil.rmtree(root / "lib", ignore_errors=True)
        done = subprocess.run(
            ["mvn", "-B", "-q", "-f", str(POM), f"-Dkefu.elasticmq.dir={root}", "dependency:copy-dependencies"],
            capture_output=True, text=True, check=False,
        )
        if done.returncode != 0:
            raise ElasticMqUnavailable(
                f"Maven could not resolve ElasticMQ:\n{done.stdout[-3000:]}{done.stderr[-2000:]}"
            )
        stamp.write_text(wanted + "\n")
    return root


def _config(port: int, region: str) -> str:
    return (
        'include classpath("application.conf")\n'
        f'node-address {{ protocol = http, host = "127.0.0.1", port = {port}, context-path = "" }}\n'
        f'rest-sqs {{ enabled = true, bind-port = {port}, bind-hostname = "127.0.0.1", sqs-limits = strict }}\n'
        "rest-stats { enabled = false }\n"
        f'aws {{ region = "{region}", accountId = "{ACCOUNT_ID}" }}\n'
    )


class ElasticMqServer(ChildServer):
    """One ElasticMQ JVM on a loopback port; the same start/stop/endpoint_url as ``MotoServer``."""

    NAME = "ElasticMQ"

    def __init__(self, port: int | None = None, *, region: str = "cn-north-1", heap: str = "256m",
                 ready_timeout_s: float = 60.0) -> None:
        super().__init__(port, ready_timeout_s)
        self._region = region
        self._heap = heap

    def start(self) -> ElasticMqServer:
        root = ensure_setup()
        conf = self.workdir() / "elasticmq.conf"
        conf.write_text(_config(self.port, self._region))
        self._launch(
            ["java", f"-Xms{self._heap}", f"-Xmx{self._heap}", "-XX:+UseSerialGC", "-Xss512k",
             f"-Dconfig.file={conf}", f"-Dlogback.configurationFile={LOGBACK}",
             "-cp", str(root / "lib" / "*"), MAIN_CLASS],
            ElasticMqUnavailable, ready_path="/?Action=ListQueues",
        )
        return self
