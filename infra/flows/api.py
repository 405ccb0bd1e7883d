"""A REST API as both public APIs of a shop are built: throttled, access-logged, request-validated."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_logs as logs
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from infra.flows.state import log_retention
from infra.nag import acknowledge
from kefu.deploy_config import MerchantConfig


def rest_api(
    scope: Construct,
    construct_id: str,
    *,
    config: MerchantConfig,
    description: str,
    rate: float,
    burst: int,
    account_logging_role: bool,
) -> apigateway.RestApi:
    access_logs = logs.LogGroup(
        scope,
        f"{construct_id}AccessLogs",
        retention=log_retention(config),
        removal_policy=RemovalPolicy.DESTROY,
    )
    api = apigateway.RestApi(
        scope,
        construct_id,
        rest_api_name=f"kefu-{config.shop_id}-{construct_id.lower()}",
        description=description,
        endpoint_types=[apigateway.EndpointType.REGIONAL],
        # Execution logs need an account-level CloudWatch role; one API of the stack sets it up.
        cloud_watch_role=account_logging_role,
        cloud_watch_role_removal_policy=RemovalPolicy.RETAIN if account_logging_role else None,
        deploy_options=apigateway.StageOptions(
            stage_name="prod",
            throttling_rate_limit=rate,
            throttling_burst_limit=burst,
            logging_level=apigateway.MethodLoggingLevel.ERROR,
            data_trace_enabled=False,  # would log request bodies: buyers' messages and PII
            metrics_enabled=False,  # per-API metrics (4XXError, Latency) are free; per-method ones cost
            tracing_enabled=config.tracing,
            access_log_destination=apigateway.LogGroupLogDestination(access_logs),
            access_log_format=apigateway.AccessLogFormat.json_with_standard_fields(
                caller=False,
                http_method=True,
                ip=True,
                protocol=True,
                request_time=True,
                resource_path=True,
                response_length=True,
                status=True,
                user=False,
            ),
        ),
    )
    api.add_request_validator("Validator", validate_request_body=True, validate_request_parameters=True)
    if account_logging_role:
        role = api.node.try_find_child("CloudWatchRole")
        if role is not None:
            acknowledge(
                role,
                "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                "AmazonAPIGatewayPushToCloudWatchLogs]",
                "API Gateway's account-level logging role; the AWS-managed policy is the documented one.",
            )
    return api


def protect(
    scope: Construct, config: MerchantConfig, apis: list[apigateway.RestApi]
) -> wafv2.CfnWebACL | None:
    """An optional WAF web ACL: AWS managed common rules + a per-IP rate limit, on every API stage."""
    if not config.intake.waf:
        for api in apis:
            acknowledge(
                api.deployment_stage,
                "AwsSolutions-APIG3",
                "WAF is optional by merchant config (intake.waf): stage throttling and signature checks "
                "guard the webhook; the agent API requires Cognito.",
            )
        return None

    def visibility(name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
        return wafv2.CfnWebACL.VisibilityConfigProperty(
            cloud_watch_metrics_enabled=True, metric_name=name, sampled_requests_enabled=True
        )

    acl = wafv2.CfnWebACL(
        scope,
        "WebAcl",
        scope="REGIONAL",
        default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
        visibility_config=visibility(f"kefu-{config.shop_id}-waf"),
        rules=[
            wafv2.CfnWebACL.RuleProperty(
                name="RatePerIp",
                priority=0,
                action=wafv2.CfnWebACL.RuleActionProperty(block={}),
                statement=wafv2.CfnWebACL.StatementProperty(
                    rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                        limit=config.intake.waf_rate_limit_per_5min, aggregate_key_type="IP"
                    )
                ),
                visibility_config=visibility("rate-per-ip"),
            ),
            wafv2.CfnWebACL.RuleProperty(
                name="AwsCommonRules",
                priority=1,
                override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
                statement=wafv2.CfnWebACL.StatementProperty(
                    managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                        vendor_name="AWS",
                        name="AWSManagedRulesCommonRuleSet",
                        # Its 8 KB body limit would block long (but valid, signed) webhook payloads.
                        rule_action_overrides=[
                            wafv2.CfnWebACL.RuleActionOverrideProperty(
                                name="SizeRestrictions_BODY",
                                action_to_use=wafv2.CfnWebACL.RuleActionProperty(count={}),
                            )
                        ],
                    )
                ),
                visibility_config=visibility("aws-common"),
            ),
        ],
    )
    for index, api in enumerate(apis):
        wafv2.CfnWebACLAssociation(
            scope,
            f"WebAclAssociation{index}",
            resource_arn=api.deployment_stage.stage_arn,
            web_acl_arn=acl.attr_arn,
        )
    return acl
