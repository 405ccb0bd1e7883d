"""Monitoring: one SNS topic, the alarms of docs/deploy.md ("Alarms"), and a dashboard.

The application's metrics live in namespace ``kefu`` with a ``shop`` dimension (Handoffs also by
``reason``). Powertools adds a ``service`` dimension (POWERTOOLS_SERVICE_NAME) to what it emits, so
count alarms use Metrics Insights queries (``WHERE shop = ...`` matches whatever other dimensions
come along); the p95 latency alarm, which needs a percentile, names the exact set
``{service: kefu-responder, shop}``.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from infra.flows.answering import Answering
from infra.flows.intake import Intake
from infra.flows.state import State
from kefu.deploy_config import MerchantConfig

NAMESPACE = "kefu"
FIVE_MINUTES = Duration.minutes(5)
AT_LEAST = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD


def insights(shop_id: str, statistic: str, metric_name: str, group_by: str | None = None) -> str:
    query = f"SELECT {statistic}({metric_name}) FROM {NAMESPACE} WHERE shop = '{shop_id}'"
    return query + (f" GROUP BY {group_by}" if group_by else "")


def search_sum(shop_id: str, metric_name: str) -> str:
    # SUM over SEARCH: one series per shop whatever extra dimensions (service, reason) a metric carries.
    return (
        f'SUM(SEARCH(\'Namespace="{NAMESPACE}" MetricName="{metric_name}" shop="{shop_id}"\', \'Sum\', 300))'
    )


class Monitoring(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: MerchantConfig,
        state: State,
        intake: Intake,
        answering: Answering,
    ) -> None:
        super().__init__(scope, construct_id)
        self.config = config
        shop = config.shop_id
        thresholds = config.alarms
        self.topic = sns.Topic(
            self, "AlarmTopic", display_name=f"kefu {shop} alarms", master_key=state.key, enforce_ssl=True
        )
        if thresholds.email:
            self.topic.add_subscription(subscriptions.EmailSubscription(thresholds.email))
        self.alarms: dict[str, cloudwatch.Alarm] = {}
        responder = answering.responder.function

        self._alarm(
            "DeadLetters",
            answering.inbound_dlq.metric_approximate_number_of_messages_visible(
                period=Duration.minutes(1), statistic="Maximum"
            ),
            threshold=0,
            comparison=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            description="Messages failed 5 times and sit in the DLQ: buyers got no reply (docs/deploy.md).",
        )
        self._alarm(
            "ResponderErrors",
            responder.metric_errors(period=FIVE_MINUTES, statistic="Sum"),
            threshold=thresholds.responder_errors_per_5min,
            description="The responder Lambda failed (whole invocations, not single reported messages).",
        )
        self._alarm(
            "OldestMessageAge",
            answering.inbound.metric_approximate_age_of_oldest_message(
                period=Duration.minutes(1), statistic="Maximum"
            ),
            threshold=thresholds.oldest_message_age_s,
            evaluation_periods=3,
            description="Buyers wait: the inbound queue is not drained (concurrency cap, errors, throttles).",
        )
        self.reply_latency = cloudwatch.Metric(
            namespace=NAMESPACE,
            metric_name="ReplyLatencyMs",
            dimensions_map={"service": answering.responder.service, "shop": shop},
            statistic="p95",
            period=FIVE_MINUTES,
        )
        self._alarm(
            "ReplyLatencyP95",
            self.reply_latency,
            threshold=thresholds.reply_latency_p95_ms,
            evaluation_periods=3,
            description="p95 time from platform message to reply is above target for 15 minutes.",
        )
        self._alarm(
            "HandoffsPastSla",
            cloudwatch.MathExpression(
                expression=insights(shop, "MAX", "HandoffsPastSla"), using_metrics={}, period=FIVE_MINUTES
            ),
            threshold=0,
            comparison=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            description=f"Handoffs waited more than {thresholds.handoff_sla_minutes} min for a human agent.",
        )
        self._alarm(
            "Webhook4xx",
            intake.api.metric_client_error(period=FIVE_MINUTES, statistic="Sum"),
            threshold=thresholds.webhook_4xx_per_5min,
            description="Many rejected webhooks: bad signatures (an attack, or a rotated secret not yet put "
            "into Secrets Manager) or throttling.",
        )
        if config.models.uses_bedrock:
            self._alarm(
                "BedrockThrottles",
                cloudwatch.MathExpression(
                    expression=insights(shop, "SUM", "BedrockThrottles"),
                    using_metrics={},
                    period=FIVE_MINUTES,
                ),
                threshold=thresholds.bedrock_throttles_per_5min,
                description="Bedrock throttles kefu: replies degrade or slow down; ask for a quota raise.",
            )
        self.dashboard = self._dashboard(intake, answering)

    def _alarm(
        self,
        name: str,
        metric: cloudwatch.IMetric,
        *,
        threshold: float,
        description: str,
        evaluation_periods: int = 1,
        comparison: cloudwatch.ComparisonOperator = AT_LEAST,
    ) -> None:
        alarm = cloudwatch.Alarm(
            self,
            name,
            alarm_name=f"kefu-{self.config.shop_id}-{name}",
            alarm_description=description,
            metric=metric,
            threshold=threshold,
            evaluation_periods=evaluation_periods,
            comparison_operator=comparison,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,  # quiet shop = healthy shop
        )
        alarm.add_alarm_action(actions.SnsAction(self.topic))
        alarm.add_ok_action(actions.SnsAction(self.topic))
        self.alarms[name] = alarm

    def _dashboard(self, intake: Intake, answering: Answering) -> cloudwatch.Dashboard:
        shop = self.config.shop_id
        answered = cloudwatch.MathExpression(
            expression=search_sum(shop, "MessagesAnswered"),
            using_metrics={},
            label="answered",
            period=FIVE_MINUTES,
        )
        handed_off = cloudwatch.MathExpression(
            expression=search_sum(shop, "Handoffs"), using_metrics={}, label="handed off", period=FIVE_MINUTES
        )
        rate = cloudwatch.MathExpression(
            expression="100 * answered / (answered + handoffs)",
            using_metrics={"answered": answered, "handoffs": handed_off},
            label="auto-reception rate %",
            period=FIVE_MINUTES,
        )
        by_reason = cloudwatch.MathExpression(
            expression=insights(shop, "SUM", "Handoffs", group_by="reason"),
            using_metrics={},
            label="handoffs by reason",
            period=FIVE_MINUTES,
        )
        responder = answering.responder.function
        dashboard = cloudwatch.Dashboard(self, "Dashboard", dashboard_name=f"kefu-{shop}")
        dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Auto-reception rate (%)",
                left=[rate],
                left_y_axis=cloudwatch.YAxisProps(min=0, max=100),
            ),
            cloudwatch.GraphWidget(title="Answered vs handed off", left=[answered, handed_off], stacked=True),
            cloudwatch.GraphWidget(title="Handoffs by reason", left=[by_reason], stacked=True),
        )
        dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Reply latency (ms)",
                left=[self.reply_latency, self.reply_latency.with_(statistic="p50", label="p50")],
            ),
            cloudwatch.GraphWidget(
                title="Inbound queue",
                left=[
                    answering.inbound.metric_approximate_number_of_messages_visible(
                        period=Duration.minutes(1)
                    )
                ],
                right=[
                    answering.inbound.metric_approximate_age_of_oldest_message(period=Duration.minutes(1))
                ],
            ),
            cloudwatch.GraphWidget(
                title="Errors",
                left=[
                    responder.metric_errors(period=FIVE_MINUTES),
                    responder.metric_throttles(period=FIVE_MINUTES),
                    intake.api.metric_client_error(period=FIVE_MINUTES),
                    intake.api.metric_server_error(period=FIVE_MINUTES),
                ],
            ),
        )
        dashboard.add_widgets(
            cloudwatch.AlarmStatusWidget(title="Alarms", alarms=list(self.alarms.values()), width=24)
        )
        return dashboard
