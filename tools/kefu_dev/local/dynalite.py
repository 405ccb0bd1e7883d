"""dynalite (npm, Apache-2.0): an open-source DynamoDB-protocol server on LevelDB, as a local DynamoDB engine.

It stands where moto's DynamoDB stands otherwise: same tables from kefu.resources (``create_resources`` with
``dynamodb_endpoint_url``), same endpoint variable for the handlers (KEFU_AWS_ENDPOINT_URL_DYNAMODB).

Set-up: ``make node`` installs the version pinned in package.json into node_modules/; it runs on Node 20+
(``node node_modules/dynalite/cli.js``), in memory, on a loopback port, with tables ACTIVE at once
(``--createTableMs 0``). dynalite 4.0.0 lacks some of what kefu uses (no TransactWriteItems, no
UpdateTimeToLive, ReturnValuesOnConditionCheckFailure ignored): ``probe_gaps`` asks an engine what it
lacks, by trying each feature, so that a test needing one skips with the engine's own answer.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from kefu_dev.local.child_server import ChildServer

REPO_ROOT = Path(__file__).resolve().parents[3]  # tools/kefu_dev/local/dynalite.py
CLI = REPO_ROOT / "node_modules" / "dynalite" / "cli.js"
MIN_NODE = 20


class DynaliteUnavailable(RuntimeError):
    """Node or the npm package missing, or the server did not come up."""


def _node_major() -> int | None:
    node = shutil.which("node")
    if node is None:
        return None
    done = subprocess.run([node, "--version"], capture_output=True, text=True, check=False)
    found = re.match(r"v(\d+)\.", done.stdout.strip())
    return int(found.group(1)) if found else None


def missing_runtime() -> str | None:
    """Why dynalite cannot run here (None: it can)."""
    major = _node_major()
    if major is None:
        return "node not found: the dynalite DynamoDB engine needs Node 20+ (apt-get install nodejs npm)"
    if major < MIN_NODE:
        return f"node {major} found: the dynalite DynamoDB engine needs Node {MIN_NODE}+"
    if not CLI.exists():
        return f"{CLI.relative_to(REPO_ROOT)} not found: `make node` installs dynalite (pinned in package.json)"
    return None


def version() -> str:
    import json

    return str(json.loads((CLI.parent / "package.json").read_text())["version"])


class DynaliteServer(ChildServer):
    """One dynalite Node process on a loopback port; the same start/stop/endpoint_url as ``MotoServer``."""

    NAME = "dynalite"

    def __init__(self, port: int | None = None, *, ready_timeout_s: float = 30.0) -> None:
        super().__init__(port, ready_timeout_s)

    def start(self) -> DynaliteServer:
        reason = missing_runtime()
        if reason:
            raise DynaliteUnavailable(reason)
        self._launch(["node", str(CLI), "--host", "127.0.0.1", "--port", str(self.port),
                      "--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0"], DynaliteUnavailable)
        return self


# --- what an engine lacks of what kefu uses -----------------------------------------------------------------

TRANSACTIONS = "transactions"
TTL = "ttl"
OLD_ITEM_ON_CONDITION_FAILURE = "old_item_on_condition_failure"
FEATURES = {
    TRANSACTIONS: "TransactWriteItems (each message's decision lands in one transaction: store/transaction.py)",
    TTL: "UpdateTimeToLive (the stack's tables expire old items by their expires_at attribute)",
    OLD_ITEM_ON_CONDITION_FAILURE: "ReturnValuesOnConditionCheckFailure=ALL_OLD (a lost claim names the "
    "agent who holds the ticket: store/agent_queue.py)",
}


@dataclass(frozen=True)
class DynamoEngine:
    """A running DynamoDB engine and what it lacks of what kefu uses ({feature: the engine's own answer})."""

    name: str
    endpoint_url: str
    gaps: dict[str, str]


def probe_gaps(endpoint_url: str, engine: str) -> dict[str, str]:
    """Try each feature of ``FEATURES`` on a scratch table; returns {feature: why it is missing}."""
    from kefu_dev.local.emulator import client, wait_active

    ddb = client("dynamodb", endpoint_url)
    table = f"kefu-probe-{uuid.uuid4().hex[:12]}"
    ddb.create_table(TableName=table, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     BillingMode="PAY_PER_REQUEST")
    wait_active(ddb, table)
    gaps: dict[str, str] = {}
    try:
        for feature, attempt in ((TRANSACTIONS, _try_transaction), (TTL, _try_ttl),
                                 (OLD_ITEM_ON_CONDITION_FAILURE, _try_old_item)):
            answer = attempt(ddb, table)
            if answer:
                gaps[feature] = f"{engine} lacks {FEATURES[feature]}: {answer}"
    finally:
        ddb.delete_table(TableName=table)
    return gaps


def _refusal(error: ClientError) -> str:
    code, message = error.response["Error"].get("Code", "?"), error.response["Error"].get("Message", "")
    return f"it answers {code}" + (f" ({message})" if message else "")


def _try_transaction(ddb: Any, table: str) -> str | None:
    try:
        ddb.transact_write_items(TransactItems=[{"Put": {"TableName": table, "Item": {"pk": {"S": "tx"}}}}])
    except ClientError as error:
        return _refusal(error)
    if "Item" not in ddb.get_item(TableName=table, Key={"pk": {"S": "tx"}}, ConsistentRead=True):
        return "TransactWriteItems answered 200 but wrote nothing"
    return None


def _try_ttl(ddb: Any, table: str) -> str | None:
    try:
        ddb.update_time_to_live(TableName=table,
                                TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"})
    except ClientError as error:
        return _refusal(error)
    described = ddb.describe_time_to_live(TableName=table)["TimeToLiveDescription"]
    if described.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
        return f"DescribeTimeToLive says {described} after UpdateTimeToLive"
    return None


def _try_old_item(ddb: Any, table: str) -> str | None:
    ddb.put_item(TableName=table, Item={"pk": {"S": "old"}, "status": {"S": "claimed"}})
    try:
        ddb.update_item(TableName=table, Key={"pk": {"S": "old"}}, UpdateExpression="SET #s = :c",
                        ConditionExpression="#s = :w", ExpressionAttributeNames={"#s": "status"},
                        ExpressionAttributeValues={":c": {"S": "claimed"}, ":w": {"S": "waiting"}},
                        ReturnValuesOnConditionCheckFailure="ALL_OLD")
    except ClientError as error:
        if error.response["Error"].get("Code") != "ConditionalCheckFailedException":
            return _refusal(error)
        old: dict[str, Any] = dict(error.response.get("Item") or {})  # type: ignore[call-overload]
        if old.get("status") == {"S": "claimed"}:
            return None
        return "it accepts the parameter but its ConditionalCheckFailedException carries no Item"
    return "the update whose condition is false was applied"
