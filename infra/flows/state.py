"""Shared state: the stack's KMS key, the platform secret and the DynamoDB tables from resources.TABLES."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra.nag import acknowledge
from kefu import resources
from kefu.deploy_config import LOG_RETENTION_DAYS, MerchantConfig

# The CDK enum lists the same periods as CloudWatch, in the same order, then INFINITE.
_RETENTION = dict(
    zip(LOG_RETENTION_DAYS, [d for d in logs.RetentionDays if d != logs.RetentionDays.INFINITE], strict=True)
)


def removal_policy(config: MerchantConfig) -> RemovalPolicy:
    return RemovalPolicy.RETAIN if config.retention.retain_data_on_delete else RemovalPolicy.DESTROY


def log_retention(config: MerchantConfig) -> logs.RetentionDays:
    return _RETENTION[config.retention.log_days]


class State(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: MerchantConfig) -> None:
        super().__init__(scope, construct_id)
        policy = removal_policy(config)
        self.key = kms.Key(
            self,
            "Key",
            alias=f"alias/kefu-{config.shop_id}",
            description=f"kefu {config.shop_id}: tables, queues, bucket, secret, alarm topic",
            enable_key_rotation=True,
            removal_policy=policy,
            pending_window=Duration.days(7),
        )
        # CloudWatch alarms publish to the encrypted alarm topic: the service needs the key for that.
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudWatchAlarmsToUseKeyForSns",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey"],
                resources=["*"],  # in a key policy "*" means this key
            )
        )

        self.platform_secret = secretsmanager.Secret(
            self,
            "PlatformSecret",
            secret_name=f"kefu/{config.shop_id}/platform-client-secret",
            description="The e-commerce platform's client secret (signs API calls, verifies webhooks). "
            "Set it after the first deploy: aws secretsmanager put-secret-value.",
            encryption_key=self.key,
            # A random stand-in so no secret is ever in the template; the merchant overwrites it.
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=32, exclude_punctuation=True
            ),
            removal_policy=policy,
        )
        acknowledge(
            self.platform_secret,
            "AwsSolutions-SMG4",
            "The platform issues this secret; it is rotated in the platform's console, then put here.",
        )

        self.tables: dict[str, dynamodb.Table] = {}
        for spec in resources.TABLES:
            self.tables[spec.logical_id] = self._table(spec, config, policy)

    def _table(
        self, spec: resources.TableSpec, config: MerchantConfig, policy: RemovalPolicy
    ) -> dynamodb.Table:
        def attribute(name: str) -> dynamodb.Attribute:
            return dynamodb.Attribute(name=name, type=dynamodb.AttributeType.STRING)

        table = dynamodb.Table(
            self,
            spec.logical_id,
            partition_key=attribute(spec.partition_key),
            sort_key=attribute(spec.sort_key) if spec.sort_key else None,
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
            encryption_key=self.key,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            time_to_live_attribute=spec.ttl_attribute,
            deletion_protection=config.retention.retain_data_on_delete,
            removal_policy=policy,
        )
        for index in spec.indexes:
            table.add_global_secondary_index(
                index_name=index.name,
                partition_key=attribute(index.partition_key),
                sort_key=attribute(index.sort_key) if index.sort_key else None,
                projection_type=dynamodb.ProjectionType.ALL,
            )
        return table

    def table(self, spec: resources.TableSpec) -> dynamodb.Table:
        return self.tables[spec.logical_id]
