"""Knowledge: the bucket of shop bundles (resources.BUCKETS) and the ingest Lambda that learns them."""

from __future__ import annotations

from aws_cdk import Duration, Stack
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3n
from constructs import Construct

from infra.flows import grants
from infra.flows.lambdas import KefuFunction, Runtime
from infra.flows.state import State, removal_policy
from infra.nag import acknowledge
from kefu import resources


def shop_prefix(shop_id: str, knowledge_prefix: str = "shops") -> str:
    return f"{knowledge_prefix}/{shop_id}/"


def bundle_prefix(shop_id: str) -> str:
    return f"{shop_prefix(shop_id)}bundle/"


class Knowledge(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, state: State, runtime: Runtime) -> None:
        super().__init__(scope, construct_id)
        config = runtime.config
        policy = removal_policy(config)
        self.buckets: dict[str, s3.Bucket] = {}
        for spec in resources.BUCKETS:
            bucket = s3.Bucket(
                self,
                spec.logical_id,
                encryption=s3.BucketEncryption.KMS,
                encryption_key=state.key,
                bucket_key_enabled=True,  # one KMS call per object batch, not per request
                block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
                object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
                enforce_ssl=True,
                versioned=True,  # a bad bundle upload can be rolled back
                lifecycle_rules=[
                    s3.LifecycleRule(noncurrent_version_expiration=Duration.days(30)),
                    s3.LifecycleRule(abort_incomplete_multipart_upload_after=Duration.days(1)),
                ],
                removal_policy=policy,
                auto_delete_objects=False,
            )
            acknowledge(
                bucket,
                "AwsSolutions-S1",
                "Private, KMS-encrypted bucket written only by the merchant and kefu roles; "
                "an access-log bucket would double the buckets for no reader.",
            )
            self.buckets[spec.logical_id] = bucket
        self.bucket = self.buckets[resources.KNOWLEDGE_BUCKET.logical_id]
        self.shop_prefix = shop_prefix(config.shop_id)

        self.ingest = KefuFunction(
            self,
            "Ingest",
            spec=resources.FUNCTIONS["knowledge_ingest"],
            runtime=runtime,
        )
        role = self.ingest.role
        grants.bucket_prefix_access(role, self.bucket, self.shop_prefix, write=True)
        grants.key_use(role, state.key, encrypt=True)
        # Approved answers of the shop's agents are applied again over every new bundle.
        grants.table_access(role, state.table(resources.LEARNING), resources.LEARNING, write=False)
        self.bucket.add_event_notification(
            s3.EventType.OBJECT_CREATED,
            s3n.LambdaDestination(self.ingest.function),
            s3.NotificationKeyFilter(prefix=bundle_prefix(config.shop_id)),
        )
        self.acknowledge_prefix(role)
        stack = Stack.of(self)
        handler = stack.node.try_find_child("BucketNotificationsHandler050a0587b7544547bf325f094a3db834")
        if handler is not None:
            acknowledge(
                handler,
                "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                "AWSLambdaBasicExecutionRole]",
                "CDK's own bucket-notification custom resource; runs once per deploy.",
            )
            acknowledge(
                handler,
                "AwsSolutions-IAM5[Resource::*]",
                "CDK's bucket-notification custom resource: s3:PutBucketNotification on its bucket.",
            )

    def grant_write(self, function: KefuFunction) -> None:
        """Snapshots only (shops/<shop>/knowledge/), never the bundles the merchant uploads."""
        prefix = f"{self.shop_prefix}knowledge/"
        grants.bucket_prefix_access(function.role, self.bucket, prefix, write=True)
        stack = Stack.of(self)
        bucket_id = stack.get_logical_id(self.bucket.node.default_child)  # type: ignore[arg-type]
        acknowledge(
            function.role,
            f"AwsSolutions-IAM5[Resource::<{bucket_id}.Arn>/{prefix}*]",
            "Objects under this shop's own snapshot prefix: approving a candidate publishes a new version.",
        )

    def grant_read(self, function: KefuFunction) -> None:
        grants.bucket_prefix_access(function.role, self.bucket, self.shop_prefix, write=False)
        self.acknowledge_prefix(function.role)

    def acknowledge_prefix(self, scope: Construct) -> None:
        stack = Stack.of(self)
        bucket_id = stack.get_logical_id(self.bucket.node.default_child)  # type: ignore[arg-type]
        acknowledge(
            scope,
            f"AwsSolutions-IAM5[Resource::<{bucket_id}.Arn>/{self.shop_prefix}*]",
            "Objects under this shop's own prefix of its own bucket (bundle files and index snapshots).",
        )
