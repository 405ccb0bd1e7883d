"""An approved answer reaches a real OpenSearch node: the publisher writes the new snapshot and its index."""

from __future__ import annotations

from datetime import UTC, datetime

import boto3
from kefu_dev.local.emulator import LocalAws
from opensearchpy import OpenSearch
from test_opensearch_index import item, remote_search, snapshot_of, writer

from kefu.knowledge import snapshot as snapshots
from kefu.knowledge.opensearch_index import OpenSearchIndex
from kefu.learning.publish import SnapshotPublisher
from kefu.models.learning import TaughtRecord
from kefu.resources import KNOWLEDGE_BUCKET

SHOP = "shop-taught"


def test_an_approval_publishes_the_snapshot_and_the_index(os_client: OpenSearch, local_aws: LocalAws) -> None:
    s3 = boto3.client("s3", endpoint_url=local_aws.endpoint_url, region_name="cn-north-1")
    bucket = local_aws.names.bucket(KNOWLEDGE_BUCKET)
    learned = snapshot_of(SHOP, [item(SHOP, "ship", "发货时间", ["什么时候发货"], "付款后48小时内发货。"),
                                 item(SHOP, "refund", "退货", ["怎么退货"], "支持7天无理由退货。")])
    snapshots.save_s3(s3, bucket, learned)
    out = writer(os_client)
    out.publish(SHOP, learned.version, learned.items, learned.vectors)
    taught = [TaughtRecord(item_id="taught-store", shop_id=SHOP, questions=["你们有实体店吗"],
                           answer="亲，我们是网店，没有线下实体店哦~", source="agent_reply#u1~m1",
                           approved_by="boss", approved_at=datetime.now(UTC))]

    version = SnapshotPublisher(s3, bucket, SHOP, lambda: taught, index=out.publish)()

    current = snapshots.load_current(s3, bucket, SHOP)
    assert current is not None and current.version == version != learned.version
    assert OpenSearchIndex(os_client, SHOP).version == version  # the alias moved with the snapshot
    [hit, *_] = remote_search(os_client, current).search_text("有没有线下门店")
    assert hit.item.item_id == "taught-store" and hit.item.source == "agent_reply#u1~m1"
