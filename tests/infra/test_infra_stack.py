"""Assertions on the synthesized merchant stacks (see conftest.py for the configs)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Match
from infra_synth import Synth

from kefu import resources

FUNCTION_DIRS = ("responder", "knowledge_ingest", "webhook", "agent_api", "sla_monitor")


def _functions(synth: Synth) -> dict[str, dict[str, Any]]:
    """Lambda functions of kefu (not the CDK's own custom-resource handlers), by POWERTOOLS_SERVICE_NAME."""
    found = synth.template.find_resources("AWS::Lambda::Function")
    by_service = {}
    for resource in found.values():
        env = resource["Properties"].get("Environment", {}).get("Variables", {})
        if "POWERTOOLS_SERVICE_NAME" in env:
            by_service[env["POWERTOOLS_SERVICE_NAME"]] = resource["Properties"]
    return by_service


def _role_statements(synth: Synth, service: str) -> list[dict[str, Any]]:
    """All statements of the inline policies attached to one function's role."""
    role_ref = _functions(synth)[service]["Role"]["Fn::GetAtt"][0]
    statements: list[dict[str, Any]] = []
    for policy in synth.template.find_resources("AWS::IAM::Policy").values():
        if {"Ref": role_ref} in policy["Properties"]["Roles"]:
            statements += policy["Properties"]["PolicyDocument"]["Statement"]
    return statements


def _actions(statements: list[dict[str, Any]]) -> set[str]:
    actions: set[str] = set()
    for statement in statements:
        value = statement["Action"]
        actions |= {value} if isinstance(value, str) else set(value)
    return actions


@pytest.mark.parametrize("name", ["demo", "tea", "domain", "classic"])
def test_cdk_nag_aws_solutions_has_no_unacknowledged_finding(
    name: str, request: pytest.FixtureRequest
) -> None:
    synth: Synth = request.getfixturevalue(name)
    assert synth.nag_failure is None, synth.nag_failure


def test_tables_come_from_resource_specs(demo: Synth) -> None:
    tables = demo.template.find_resources("AWS::DynamoDB::Table")
    assert len(tables) == len(resources.TABLES)
    for spec in resources.TABLES:
        key_schema = [{"AttributeName": spec.partition_key, "KeyType": "HASH"}]
        if spec.sort_key:
            key_schema.append({"AttributeName": spec.sort_key, "KeyType": "RANGE"})
        demo.template.has_resource_properties(
            "AWS::DynamoDB::Table",
            {
                "KeySchema": key_schema,
                "BillingMode": "PAY_PER_REQUEST",
                "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
                "SSESpecification": {
                    "SSEEnabled": True,
                    "SSEType": "KMS",
                    "KMSMasterKeyId": Match.any_value(),
                },
                "TimeToLiveSpecification": {"AttributeName": spec.ttl_attribute, "Enabled": True}
                if spec.ttl_attribute
                else Match.absent(),
            },
        )
    demo.template.has_resource_properties(
        "AWS::DynamoDB::Table",
        {
            "GlobalSecondaryIndexes": [
                Match.object_like({"IndexName": "by_status", "Projection": {"ProjectionType": "ALL"}})
            ]
        },
    )


def test_retention_follows_config(demo: Synth, tea: Synth) -> None:
    # The demo is disposable (destroy on delete); the tea garden keeps its data.
    assert all(
        r["DeletionPolicy"] == "Delete" for r in demo.template.find_resources("AWS::DynamoDB::Table").values()
    )
    tea_tables = tea.template.find_resources("AWS::DynamoDB::Table").values()
    assert all(
        r["DeletionPolicy"] == "Retain" and r["Properties"]["DeletionProtectionEnabled"] for r in tea_tables
    )
    for synth, days in ((demo, 30), (tea, 90)):
        groups = synth.template.find_resources("AWS::Logs::LogGroup")
        assert groups and all(g["Properties"].get("RetentionInDays") == days for g in groups.values())


def test_fifo_queue_with_dead_letter_queue_and_kms(demo: Synth) -> None:
    spec = resources.INBOUND_QUEUE
    demo.template.resource_count_is("AWS::SQS::Queue", 2)
    demo.template.has_resource_properties(
        "AWS::SQS::Queue",
        {
            "FifoQueue": True,
            "VisibilityTimeout": spec.visibility_timeout_s,
            "MessageRetentionPeriod": spec.retention_s,
            "KmsMasterKeyId": Match.any_value(),
            "RedrivePolicy": {
                "deadLetterTargetArn": Match.any_value(),
                "maxReceiveCount": spec.max_receive_count,
            },
        },
    )
    demo.template.has_resource_properties(
        "AWS::SQS::QueuePolicy",
        {
            "PolicyDocument": {
                "Statement": [
                    Match.object_like(
                        {"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
                    )
                ]
            }
        },
    )


def test_responder_event_source_reports_batch_item_failures(demo: Synth, tea: Synth) -> None:
    for synth, concurrency in ((demo, 5), (tea, 20)):
        synth.template.has_resource_properties(
            "AWS::Lambda::EventSourceMapping",
            {
                "BatchSize": resources.RESPONDER_BATCH_SIZE,
                "FunctionResponseTypes": ["ReportBatchItemFailures"],
            },
        )
        assert _functions(synth)["kefu-responder"]["ReservedConcurrentExecutions"] == concurrency


def test_every_function_is_python312_arm64_with_layers_and_settings_env(demo: Synth) -> None:
    functions = _functions(demo)
    assert set(functions) == {f"kefu-{name.replace('_', '-')}" for name in FUNCTION_DIRS}
    layers = demo.template.find_resources("AWS::Lambda::LayerVersion")
    assert len(layers) == 3  # third-party dependencies, the kefu library, the sentence encoder
    assert any("bge-small-zh" in layer["Properties"]["Description"] for layer in layers.values())
    for props in functions.values():
        assert props["Runtime"] == "python3.12"
        assert props["Architectures"] == ["arm64"]
        assert len(props["Layers"]) == 3
        env = props["Environment"]["Variables"]
        expected = {spec.env_var for spec in (*resources.TABLES, *resources.BUCKETS)}
        expected |= {resources.INBOUND_QUEUE.env_var, str(resources.INBOUND_QUEUE.dlq_env_var)}
        expected |= {
            "KEFU_SHOP_ID",
            "KEFU_PLATFORM_SECRET_ARN",
            "KEFU_SEARCH_BACKEND",
            "KEFU_COMPOSER",
            "KEFU_EMBEDDER",
        }
        expected |= {"POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE", "POWERTOOLS_LOG_LEVEL"}
        assert expected <= set(env)
        assert env["KEFU_SHOP_ID"] == "hair-dye-demo"
        assert env["POWERTOOLS_METRICS_NAMESPACE"] == "kefu"
        assert env["KEFU_SEARCH_BACKEND"] == "embedded"


def test_ingest_is_triggered_by_bundle_uploads(demo: Synth) -> None:
    demo.template.has_resource_properties(
        "Custom::S3BucketNotifications",
        {
            "NotificationConfiguration": {
                "LambdaFunctionConfigurations": [
                    Match.object_like(
                        {
                            "Events": ["s3:ObjectCreated:*"],
                            "Filter": {
                                "Key": {
                                    "FilterRules": [
                                        {"Name": "prefix", "Value": "shops/hair-dye-demo/bundle/"}
                                    ]
                                }
                            },
                        }
                    )
                ]
            }
        },
    )


def test_bucket_is_private_kms_encrypted_and_tls_only(demo: Synth) -> None:
    demo.template.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [
                    Match.object_like(
                        {"ServerSideEncryptionByDefault": Match.object_like({"SSEAlgorithm": "aws:kms"})}
                    )
                ]
            },
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "BlockPublicPolicy": True,
                "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True,
            },
        },
    )
    demo.template.has_resource_properties(
        "AWS::S3::BucketPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with([Match.object_like({"Effect": "Deny", "Action": "s3:*"})])
            }
        },
    )


def test_secret_and_key(demo: Synth) -> None:
    demo.template.has_resource_properties(
        "AWS::SecretsManager::Secret",
        {
            "Name": "kefu/hair-dye-demo/platform-client-secret",
            "KmsKeyId": Match.any_value(),
            "GenerateSecretString": Match.any_value(),
        },
    )
    demo.template.has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})


READ_ACTIONS = {"dynamodb:BatchGetItem", "dynamodb:ConditionCheckItem", "dynamodb:GetItem", "dynamodb:Query",
                "dynamodb:Scan", "dynamodb:DescribeTable", "dynamodb:GetRecords", "dynamodb:GetShardIterator"}


def test_least_privilege_iam(demo: Synth, tea: Synth) -> None:
    for synth in (demo, tea):
        for service in _functions(synth):
            for statement in _role_statements(synth, service):
                actions = (
                    [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]
                )
                assert not any(a == "*" or a.endswith(":*") for a in actions), (service, statement)
                assert statement["Effect"] == "Allow"
    webhook = _actions(_role_statements(demo, "kefu-webhook"))
    assert {"sqs:SendMessage", "dynamodb:PutItem", "secretsmanager:GetSecretValue"} <= webhook
    assert not any(a.startswith(("s3:", "bedrock:", "aoss:")) for a in webhook)
    responder = _actions(_role_statements(demo, "kefu-responder"))
    assert {"sqs:ReceiveMessage", "sqs:DeleteMessage", "s3:GetObject", "dynamodb:Query"} <= responder
    assert "s3:PutObject" not in responder and "sqs:SendMessage" not in responder
    assert not any(a.startswith("bedrock:") for a in responder)  # offline composer
    ingest = _actions(_role_statements(demo, "kefu-knowledge-ingest"))
    assert {"s3:GetObject", "s3:PutObject"} <= ingest
    # The ingest reads the approved answers (to apply them over a new bundle) and writes no table.
    assert not any(a.startswith("dynamodb:") and a not in READ_ACTIONS for a in ingest)
    agent_api = _role_statements(demo, "kefu-agent-api")
    snapshot_writes = [s for s in agent_api if "s3:PutObject" in s["Action"]]
    # Approving a candidate publishes a snapshot: under the knowledge prefix only, never the bundles.
    assert snapshot_writes and all("/knowledge/*" in json.dumps(s["Resource"]) for s in snapshot_writes)
    tea_responder = _role_statements(tea, "kefu-responder")
    bedrock = [s for s in tea_responder if "bedrock:InvokeModel" in s["Action"]]
    assert bedrock and all("foundation-model/" in json.dumps(s["Resource"]) for s in bedrock)
    assert "aoss:APIAccessAll" in _actions(tea_responder)


def test_apis_throttled_logged_and_agent_routes_need_cognito(demo: Synth) -> None:
    demo.template.resource_count_is("AWS::ApiGateway::RestApi", 2)
    demo.template.has_resource_properties(
        "AWS::ApiGateway::Stage",
        {
            "AccessLogSetting": Match.object_like({"DestinationArn": Match.any_value()}),
            "MethodSettings": [
                Match.object_like(
                    {
                        "ThrottlingRateLimit": 50,
                        "ThrottlingBurstLimit": 100,
                        "LoggingLevel": "ERROR",
                        "DataTraceEnabled": False,
                    }
                )
            ],
        },
    )
    methods = demo.template.find_resources("AWS::ApiGateway::Method")
    auth_by_verb: dict[str, set[str]] = {}
    for method in methods.values():
        props = method["Properties"]
        auth_by_verb.setdefault(props["HttpMethod"], set()).add(props.get("AuthorizationType", "NONE"))
    assert auth_by_verb == {"POST": {"NONE"}, "ANY": {"COGNITO_USER_POOLS"}, "GET": {"NONE"}}
    demo.template.has_resource_properties(
        "AWS::Cognito::UserPool",
        {"MfaConfiguration": "ON", "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": True}},
    )


def test_waf_only_when_configured(demo: Synth, tea: Synth) -> None:
    demo.template.resource_count_is("AWS::WAFv2::WebACL", 0)
    tea.template.resource_count_is("AWS::WAFv2::WebACL", 1)
    tea.template.resource_count_is("AWS::WAFv2::WebACLAssociation", 2)


def test_alarms_and_dashboard(demo: Synth, tea: Synth) -> None:
    common = {
        "DeadLetters",
        "ResponderErrors",
        "OldestMessageAge",
        "ReplyLatencyP95",
        "HandoffsPastSla",
        "Webhook4xx",
    }
    for synth, extra in ((demo, set()), (tea, {"BedrockThrottles"})):
        shop = synth.stack.config.shop_id
        alarms = synth.template.find_resources("AWS::CloudWatch::Alarm")
        names = {a["Properties"]["AlarmName"].removeprefix(f"kefu-{shop}-") for a in alarms.values()}
        assert names == common | extra
        for alarm in alarms.values():
            assert (
                alarm["Properties"]["AlarmActions"]
                and alarm["Properties"]["TreatMissingData"] == "notBreaching"
            )
        synth.template.resource_count_is("AWS::CloudWatch::Dashboard", 1)
        synth.template.resource_count_is("AWS::SNS::Subscription", 1)
    demo.template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "MetricName": "ApproximateNumberOfMessagesVisible",
            "Threshold": 0,
            "ComparisonOperator": "GreaterThanThreshold",
        },
    )
    demo.template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {"MetricName": "ReplyLatencyMs", "Namespace": "kefu", "ExtendedStatistic": "p95", "Threshold": 3000},
    )
    demo.template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "Metrics": [
                Match.object_like(
                    {"Expression": "SELECT MAX(HandoffsPastSla) FROM kefu WHERE shop = 'hair-dye-demo'"}
                )
            ]
        },
    )
    body = json.dumps(demo.template.find_resources("AWS::CloudWatch::Dashboard"))
    assert "MessagesAnswered" in body and "GROUP BY reason" in body and "ReplyLatencyMs" in body
    demo.template.has_resource_properties("AWS::SNS::Topic", {"KmsMasterKeyId": Match.any_value()})


def test_embedded_backend_builds_no_search_service(demo: Synth) -> None:
    for resource_type in ("AWS::OpenSearchServerless::Collection", "AWS::OpenSearchService::Domain"):
        demo.template.resource_count_is(resource_type, 0)


def test_opensearch_serverless_nextgen_scales_to_zero(tea: Synth) -> None:
    tea.template.has_resource_properties(
        "AWS::OpenSearchServerless::CollectionGroup",
        {
            "Generation": "NEXTGEN",
            "StandbyReplicas": "DISABLED",
            "CapacityLimits": {
                "MinSearchCapacityInOcu": 0,
                "MinIndexingCapacityInOcu": 0,
                "MaxSearchCapacityInOcu": 2,
                "MaxIndexingCapacityInOcu": 2,
            },
        },
    )
    tea.template.has_resource_properties(
        "AWS::OpenSearchServerless::Collection",
        {"Type": "VECTORSEARCH", "Name": "kefu-tea-garden", "CollectionGroupName": "kefu-tea-garden"},
    )
    policies = {
        p["Properties"]["Type"]: p
        for p in tea.template.find_resources("AWS::OpenSearchServerless::SecurityPolicy").values()
    }
    assert set(policies) == {"encryption", "network"}
    data = tea.template.find_resources("AWS::OpenSearchServerless::AccessPolicy")
    assert len(data) == 1
    text = json.dumps(data)
    for service in ("kefu-responder", "kefu-knowledge-ingest"):
        role_id = _functions(tea)[service]["Role"]["Fn::GetAtt"][0]
        assert role_id in text  # only the two function roles are principals
    assert "aoss:WriteDocument" in text
    env = _functions(tea)["kefu-responder"]["Environment"]["Variables"]
    assert env["KEFU_SEARCH_BACKEND"] == "opensearch" and env["KEFU_OPENSEARCH_SERVICE"] == "aoss"
    assert "Fn::GetAtt" in json.dumps(env["KEFU_OPENSEARCH_ENDPOINT"])


def test_classic_collection_has_no_group(classic: Synth) -> None:
    classic.template.resource_count_is("AWS::OpenSearchServerless::CollectionGroup", 0)
    classic.template.has_resource_properties(
        "AWS::OpenSearchServerless::Collection",
        {"Type": "VECTORSEARCH", "CollectionGroupName": Match.absent()},
    )


def test_managed_domain_is_encrypted_and_role_scoped(domain: Synth) -> None:
    domain.template.has_resource_properties(
        "AWS::OpenSearchService::Domain",
        {
            "EncryptionAtRestOptions": Match.object_like({"Enabled": True}),
            "NodeToNodeEncryptionOptions": {"Enabled": True},
            "DomainEndpointOptions": Match.object_like({"EnforceHTTPS": True}),
            "ClusterConfig": Match.object_like({"InstanceCount": 1, "InstanceType": "t3.small.search"}),
        },
    )
    env = _functions(domain)["kefu-responder"]["Environment"]["Variables"]
    assert env["KEFU_OPENSEARCH_SERVICE"] == "es"
    statements = _role_statements(domain, "kefu-responder")
    assert "es:ESHttpGet" in _actions(statements) and "es:ESHttpPut" not in _actions(statements)
    profile = [s for s in statements if "inference-profile/us.anthropic" in json.dumps(s.get("Resource"))]
    assert profile, "a cross-region inference profile needs its profile ARN granted"


def test_sla_monitor_runs_every_five_minutes_and_only_reads_the_queue(demo: Synth) -> None:
    rules = demo.template.find_resources("AWS::Events::Rule")
    assert [r["Properties"]["ScheduleExpression"] for r in rules.values()] == ["rate(5 minutes)"]
    policies = demo.template.find_resources("AWS::IAM::Policy")
    monitor = [p for name, p in policies.items() if "SlaMonitor" in name]
    actions = {a for p in monitor for s in p["Properties"]["PolicyDocument"]["Statement"]
               for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    assert not any(a.startswith("dynamodb:") and a not in {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan",
                                                           "dynamodb:BatchGetItem", "dynamodb:ConditionCheckItem",
                                                           "dynamodb:DescribeTable"} for a in actions), actions
    assert "dynamodb:Query" in actions
