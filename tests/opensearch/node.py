"""A single real OpenSearch node for the adapter's tests, built from Maven Central jars.

Set-up (idempotent): Maven resolves the server, transport-netty4, analysis-common, lang-painless
and the k-NN plugin zip (tests/opensearch/pom.xml) into ``.opensearch/`` and javac compiles the
tiny launcher (tests/opensearch/launcher/KefuTestNode.java). A stamp of the inputs' hash makes a
second run a no-op. Start: the launcher runs as a subprocess on loopback with a small heap; it
exits when its stdin closes, so a killed test run never leaves a node behind.

    python tests/opensearch/node.py setup      # resolve + compile only
    python tests/opensearch/node.py run        # start a node, print its URL, stop on Ctrl-C
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
POM = HERE / "pom.xml"
LAUNCHER = HERE / "launcher" / "KefuTestNode.java"
LOG_CONFIG = HERE / "launcher" / "log4j2.properties"
READY_MARK = "KEFU_NODE_READY http="


class NodeSetupError(RuntimeError):
    """Java or Maven missing, a download failed, or the node did not come up."""


def cache_dir() -> Path:
    return Path(os.environ.get("KEFU_OPENSEARCH_DIR", REPO / ".opensearch")).resolve()


def _inputs_hash() -> str:
    digest = hashlib.sha256()
    for path in (POM, LAUNCHER):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _require(tool: str) -> str:
    found = shutil.which(tool)
    if not found:
        raise NodeSetupError(
            f"`{tool}` is not on PATH: the OpenSearch tests need Java 17+ (java, javac) and Maven (mvn) "
            "to run a real node. Install them (apt-get install openjdk-17-jdk-headless maven) or set "
            "KEFU_SKIP_OPENSEARCH=1 to skip these tests explicitly."
        )
    return found


def ensure_setup(log: bool = False) -> Path:
    """Resolve the jars and compile the launcher unless the cache already matches the inputs."""
    root = cache_dir()
    root.mkdir(parents=True, exist_ok=True)
    # Two test runs setting up at once would delete each other's jars: one at a time.
    with (root / "setup.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _setup(root, log)


def _setup(root: Path, log: bool) -> Path:
    stamp = root / "stamp"
    wanted = _inputs_hash()
    complete = (root / "classes" / "KefuTestNode.class").exists() and any(
        (root / "knn").glob("opensearch-knn-*.jar")
    )
    if complete and stamp.exists() and stamp.read_text().strip() == wanted:
        return root
    mvn, javac = _require("mvn"), _require("javac")
    _require("java")
    for sub in ("lib", "knn", "classes", "markers", "target"):
        shutil.rmtree(root / sub, ignore_errors=True)
    root.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    cmd = [
        mvn,
        "-B",
        "-q",
        "-f",
        str(POM),
        f"-Dkefu.opensearch.dir={root}",
        "dependency:copy-dependencies",
        "dependency:unpack",
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise NodeSetupError(
            f"Maven could not resolve the OpenSearch jars:\n{done.stdout[-4000:]}{done.stderr[-2000:]}"
        )
    done = subprocess.run(
        [javac, "-d", str(root / "classes"), "-cp", classpath(root, with_launcher=False), str(LAUNCHER)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise NodeSetupError(f"javac failed on the launcher:\n{done.stdout}{done.stderr}")
    stamp.write_text(wanted + "\n")
    if log:
        print(f"opensearch test node set up in {root} ({time.monotonic() - started:.1f}s)", file=sys.stderr)
    return root


def classpath(root: Path, with_launcher: bool = True) -> str:
    parts = [str(root / "lib" / "*"), str(root / "knn" / "*")]
    if with_launcher:
        parts.append(str(root / "classes"))
    return os.pathsep.join(parts)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class RunningNode:
    url: str
    process: subprocess.Popen[bytes]
    home: Path
    log_path: Path
    started_in_s: float
    _owns_home: bool = field(default=True, repr=False)

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self, timeout: float = 20.0) -> None:
        """Close the launcher's stdin (it shuts the node down), then escalate if it hangs."""
        proc = self.process
        if proc.poll() is None:
            try:
                if proc.stdin:
                    proc.stdin.close()
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=10)
        if self._owns_home:
            shutil.rmtree(self.home, ignore_errors=True)


def _health(url: str) -> str | None:
    try:
        with urllib.request.urlopen(f"{url}/_cluster/health", timeout=2) as resp:
            status: str = json.load(resp)["status"]
            return status
    except (urllib.error.URLError, OSError, ValueError, KeyError):
        return None


def start_node(home: Path | None = None, timeout: float = 90.0, heap: str = "512m") -> RunningNode:
    """Start a node on a free loopback port; return once its health is green or yellow."""
    root = ensure_setup()
    java = _require("java")
    owns_home = home is None
    home = Path(tempfile.mkdtemp(prefix="kefu-opensearch-")) if home is None else home
    home.mkdir(parents=True, exist_ok=True)
    log_path = home / "node.log"
    port = _free_port()
    cmd = [
        java,
        f"-Xms{heap}",
        f"-Xmx{heap}",
        "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1",  # small, short-lived node: start fast, stay lean
        "-Djava.awt.headless=true",
        "-Dlog4j2.disable.jmx=true",
        "-Dfile.encoding=UTF-8",
        f"-Dlog4j2.configurationFile={LOG_CONFIG}",
        "-cp",
        classpath(root),
        "KefuTestNode",
        str(home),
        str(port),
    ]
    started = time.monotonic()
    with log_path.open("wb") as log:
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    node = RunningNode(url, proc, home, log_path, 0.0, owns_home)
    deadline = started + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = node.log_tail()
            node.stop()
            raise NodeSetupError(f"the OpenSearch node exited with {proc.returncode}:\n{tail}")
        if READY_MARK in log_path.read_text(errors="replace") and _health(url) in ("green", "yellow"):
            node.started_in_s = time.monotonic() - started
            return node
        time.sleep(0.25)
    tail = node.log_tail()
    node.stop()
    raise NodeSetupError(f"the OpenSearch node was not healthy within {timeout:.0f}s:\n{tail}")


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "run"
    if command == "setup":
        print(ensure_setup(log=True))
        return 0
    if command == "run":
        # SIGTERM (timeout, a supervisor) must still stop the node and remove its data dir.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        node = start_node()
        print(f"{node.url}  (started in {node.started_in_s:.1f}s, log {node.log_path}); Ctrl-C stops it")
        try:
            node.process.wait()
        except KeyboardInterrupt:
            pass
        finally:
            node.stop()
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
