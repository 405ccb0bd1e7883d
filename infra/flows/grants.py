"""Least-privilege grants written out action by action.

The CDK's ``grant*`` helpers add wildcard actions for KMS (``kms:GenerateDataKey*``, ``kms:ReEncrypt*``)
and S3 (``s3:GetObject*``, ``s3:List*``); these statements name exactly what the handlers call.
"""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs

from infra.nag import acknowledge
from kefu import resources
from kefu.deploy_config import INFERENCE_PROFILE_PREFIXES

DDB_READ = ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:ConditionCheckItem"]
DDB_WRITE = ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"]


def table_access(role: iam.IRole, table: dynamodb.Table, spec: resources.TableSpec, *, write: bool) -> None:
    arns = [table.table_arn] + [f"{table.table_arn}/index/{index.name}" for index in spec.indexes]
    role.add_to_principal_policy(
        iam.PolicyStatement(actions=DDB_READ + (DDB_WRITE if write else []), resources=arns)
    )


def key_use(role: iam.IRole, key: kms.IKey, *, encrypt: bool) -> None:
    actions = ["kms:Decrypt", "kms:DescribeKey"] + (["kms:Encrypt", "kms:GenerateDataKey"] if encrypt else [])
    role.add_to_principal_policy(iam.PolicyStatement(actions=actions, resources=[key.key_arn]))


def secret_read(role: iam.IRole, secret: secretsmanager.ISecret) -> None:
    role.add_to_principal_policy(
        iam.PolicyStatement(
            actions=["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
            resources=[secret.secret_arn],
        )
    )


def queue_send(role: iam.IRole, queue: sqs.IQueue) -> None:
    role.add_to_principal_policy(
        iam.PolicyStatement(
            actions=["sqs:SendMessage", "sqs:GetQueueAttributes"], resources=[queue.queue_arn]
        )
    )


def prefix_objects(bucket: s3.IBucket, prefix: str) -> str:
    return bucket.arn_for_objects(f"{prefix.rstrip('/')}/*")


def bucket_prefix_access(role: iam.IRole, bucket: s3.IBucket, prefix: str, *, write: bool) -> None:
    """Objects under one shop's prefix only (bundle, learned index snapshot)."""
    actions = ["s3:GetObject"] + (["s3:PutObject", "s3:DeleteObject"] if write else [])
    role.add_to_principal_policy(
        iam.PolicyStatement(actions=actions, resources=[prefix_objects(bucket, prefix)])
    )
    role.add_to_principal_policy(
        iam.PolicyStatement(
            actions=["s3:ListBucket"],
            resources=[bucket.bucket_arn],
            conditions={"StringLike": {"s3:prefix": [f"{prefix.rstrip('/')}/*"]}},
        )
    )


def bedrock_model_arns(stack: Stack, model_id: str) -> list[str]:
    """A foundation model, or a cross-region inference profile plus the models it routes to."""
    partition, region, account = stack.partition, stack.region, stack.account
    if model_id.startswith(INFERENCE_PROFILE_PREFIXES):
        base = model_id.split(".", 1)[1]
        return [
            f"arn:{partition}:bedrock:{region}:{account}:inference-profile/{model_id}",
            f"arn:{partition}:bedrock:*::foundation-model/{base}",  # the profile may serve from any region
        ]
    return [f"arn:{partition}:bedrock:{region}::foundation-model/{model_id}"]


def bedrock_invoke(role: iam.IRole, stack: Stack, model_ids: list[str]) -> None:
    arns = [arn for model_id in model_ids for arn in bedrock_model_arns(stack, model_id)]
    for arn in arns:
        if ":bedrock:*::" in arn:
            acknowledge(
                role,
                "AwsSolutions-IAM5[Resource::" + arn.replace(stack.partition, "<AWS::Partition>", 1) + "]",
                "A cross-region inference profile routes to this one model in whichever region has capacity.",
            )
    role.add_to_principal_policy(
        iam.PolicyStatement(
            actions=["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
            resources=sorted(set(arns)),
        )
    )
