"""Monthly AWS cost of one kefu shop, from published list prices (a model, not a bill).

    python benchmarks/cost_model.py [--buyers 10000] [--messages 8] [--promo-factor 5]

Prices: AWS public list prices for us-east-1 (on-demand, no free tier, no discounts), written into
PRICES below on PRICE_DATE from the AWS pricing pages as known to the author; they were not fetched
live by this script. Other regions cost roughly 5-30% more. Check https://aws.amazon.com/pricing/
before you quote a figure. The OpenSearch Serverless NextGen OCU price is ASSUMED equal to the
classic one: the author had no published NextGen rate at hand.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

PRICE_DATE = "2026-11-25"
PRICE_SOURCE = f"published AWS list prices, us-east-1, as written into this table on {PRICE_DATE} (not live)"

# USD. One line per billed dimension.
PRICES: dict[str, float] = {
    "lambda_request": 0.20 / 1e6,
    "lambda_gb_s_arm64": 0.0000133334,
    "apigw_rest_request": 3.50 / 1e6,
    "sqs_fifo_request": 0.50 / 1e6,
    "ddb_write_request_unit": 0.625 / 1e6,
    "ddb_read_request_unit": 0.125 / 1e6,
    "ddb_storage_gb_month": 0.25,
    "ddb_pitr_gb_month": 0.20,
    "s3_storage_gb_month": 0.023,
    "s3_put_request": 0.005 / 1000,
    "s3_get_request": 0.0004 / 1000,
    "logs_ingest_gb": 0.50,
    "logs_storage_gb_month": 0.03,
    "cw_alarm_month": 0.10,
    "cw_custom_metric_month": 0.30,
    "cw_dashboard_month": 3.00,  # the first 3 dashboards of an account are free
    "secret_month": 0.40,
    "secret_api_call": 0.05 / 10_000,
    "kms_key_month": 1.00,
    "kms_request": 0.03 / 10_000,
    "cognito_mau": 0.0,  # Essentials tier: the first 10,000 monthly active users are free
    "waf_acl_month": 5.00,
    "waf_rule_month": 1.00,
    "waf_request": 0.60 / 1e6,
    "bedrock_haiku3_input_token": 0.25 / 1e6,  # anthropic.claude-3-haiku
    "bedrock_haiku3_output_token": 1.25 / 1e6,
    "bedrock_titan_embed_v2_token": 0.02 / 1e6,
    "aoss_ocu_hour": 0.24,  # classic; NextGen assumed the same (see module docstring)
    "aoss_storage_gb_month": 0.024,
    "os_t3_small_search_hour": 0.036,
    "os_gp3_gb_month": 0.122,
}

HOURS_PER_MONTH = 730
DAYS_PER_MONTH = 30

# Assumptions per customer message (stated, adjustable; measured figures belong in benchmarks/).
ASSUMPTIONS: dict[str, float] = {
    "auto_reception_rate": 0.80,  # share of messages the bot answers (the rest go to a human)
    "webhook_gb_s": 0.512 * 0.08,  # 512 MB x 80 ms
    "responder_gb_s_offline": 1.024 * 0.15,  # 1 GB x 150 ms (embedded index, offline composer)
    "responder_gb_s_bedrock": 1.536 * 1.2,  # 1.5 GB x 1.2 s, mostly waiting on Bedrock
    "responder_messages_per_invocation": 2.0,  # FIFO batches are small at a shop's rate
    "sqs_requests_per_message": 2.2,  # send + share of receive/delete batches
    "sqs_idle_poll_requests_month": 650_000,  # event source mapping long polls, busy or not
    "ddb_wru_per_message": 6.0,  # ledger (2), turn, state, dedupe
    "ddb_rru_per_message": 3.0,
    "ddb_wru_per_handoff": 4.0,  # agent queue item + index, agent reply, resolve
    "agent_api_calls_per_handoff": 6.0,
    "log_kb_per_message": 2.0,  # structured logs + EMF metrics of all functions
    "bedrock_input_tokens": 900.0,  # question + retrieved knowledge + instructions
    "bedrock_output_tokens": 90.0,
    "embed_tokens_per_message": 30.0,
    "data_gb": 2.0,  # tables (TTL keeps them small) + bundles + index snapshots
    "alarms": 7.0,
    "custom_metrics": 12.0,  # kefu metrics x dimension sets (handoff reasons)
    "kms_requests_month": 60_000.0,  # data keys are cached: SQS 15 min reuse, S3 bucket key
    "secret_calls_month": 20_000.0,  # once per cold start
    "s3_gets_month": 220_000.0,  # index snapshot freshness checks (every 60 s per warm container)
    "aoss_active_hours_per_day": 18.0,  # NextGen: a shop's chat never pauses 10 min during the day
    "aoss_search_ocu_active": 1.0,  # two 0.5-OCU search workers once awake
    "aoss_index_ocu_hours_month": 30.0,  # knowledge re-ingests
    "aoss_classic_floor_ocu": 1.0,  # 0.5 indexing + 0.5 search, standby replicas off
}


@dataclass(frozen=True)
class Shape:
    name: str
    search: str  # embedded | aoss_nextgen | aoss_classic | domain
    bedrock: bool
    waf: bool


SHAPES = (
    Shape("demo: embedded index, offline composer", "embedded", bedrock=False, waf=False),
    Shape("tea-garden: OpenSearch Serverless NextGen, Bedrock, WAF", "aoss_nextgen", bedrock=True, waf=True),
    Shape("OpenSearch Serverless classic, Bedrock", "aoss_classic", bedrock=True, waf=False),
    Shape("managed OpenSearch t3.small, Bedrock", "domain", bedrock=True, waf=False),
)


def fixed_month(shape: Shape) -> dict[str, float]:
    """What a month costs with no message at all: the idle floor."""
    p, a = PRICES, ASSUMPTIONS
    lines = {
        "KMS key": p["kms_key_month"],
        "Secrets Manager secret": p["secret_month"],
        "CloudWatch alarms + dashboard": a["alarms"] * p["cw_alarm_month"] + p["cw_dashboard_month"],
        "SQS idle polling": a["sqs_idle_poll_requests_month"] * p["sqs_fifo_request"],
        "DynamoDB + S3 storage, PITR": a["data_gb"]
        * (p["ddb_storage_gb_month"] + p["ddb_pitr_gb_month"] + p["s3_storage_gb_month"]),
    }
    if shape.waf:
        lines["WAF web ACL + rules"] = p["waf_acl_month"] + 2 * p["waf_rule_month"]
    if shape.search == "aoss_classic":
        lines["OpenSearch Serverless OCU floor"] = (
            a["aoss_classic_floor_ocu"] * HOURS_PER_MONTH * p["aoss_ocu_hour"]
        )
    if shape.search in ("aoss_classic", "aoss_nextgen"):
        lines["OpenSearch Serverless storage"] = 1.0 * p["aoss_storage_gb_month"]
    if shape.search == "domain":
        lines["OpenSearch domain t3.small + 10 GB gp3"] = (
            HOURS_PER_MONTH * p["os_t3_small_search_hour"] + 10 * p["os_gp3_gb_month"]
        )
    return lines


def traffic(shape: Shape, messages: float, days: float) -> dict[str, float]:
    """Costs that scale with messages (for ``messages`` over ``days`` days)."""
    p, a = PRICES, ASSUMPTIONS
    handoffs = messages * (1 - a["auto_reception_rate"])
    answered = messages - handoffs
    responder_gb_s = a["responder_gb_s_bedrock"] if shape.bedrock else a["responder_gb_s_offline"]
    invocations = (
        messages * (1 + 1 / a["responder_messages_per_invocation"])
        + handoffs * a["agent_api_calls_per_handoff"]
    )
    gb_s = (
        messages * (a["webhook_gb_s"] + responder_gb_s) + handoffs * a["agent_api_calls_per_handoff"] * 0.05
    )
    lines = {
        "Lambda (arm64)": invocations * p["lambda_request"] + gb_s * p["lambda_gb_s_arm64"],
        "API Gateway REST": (messages + handoffs * a["agent_api_calls_per_handoff"])
        * p["apigw_rest_request"],
        "SQS FIFO": messages * a["sqs_requests_per_message"] * p["sqs_fifo_request"],
        "DynamoDB on-demand": (messages * a["ddb_wru_per_message"] + handoffs * a["ddb_wru_per_handoff"])
        * p["ddb_write_request_unit"]
        + messages * a["ddb_rru_per_message"] * p["ddb_read_request_unit"],
        "CloudWatch Logs + metrics": messages
        * a["log_kb_per_message"]
        / 1e6
        * (p["logs_ingest_gb"] + p["logs_storage_gb_month"])
        + a["custom_metrics"] * p["cw_custom_metric_month"] * days / DAYS_PER_MONTH,
        "KMS + Secrets Manager + S3 requests": (
            a["kms_requests_month"] * p["kms_request"]
            + a["secret_calls_month"] * p["secret_api_call"]
            + a["s3_gets_month"] * p["s3_get_request"]
        )
        * days
        / DAYS_PER_MONTH,
    }
    if shape.bedrock:
        lines["Bedrock (Haiku 3 + Titan v2 embeddings)"] = (
            answered
            * (
                a["bedrock_input_tokens"] * p["bedrock_haiku3_input_token"]
                + a["bedrock_output_tokens"] * p["bedrock_haiku3_output_token"]
            )
            + messages * a["embed_tokens_per_message"] * p["bedrock_titan_embed_v2_token"]
        )
    if shape.waf:
        lines["WAF requests"] = (messages + handoffs * a["agent_api_calls_per_handoff"]) * p["waf_request"]
    if shape.search == "aoss_nextgen":
        ocu_hours = (
            days * a["aoss_active_hours_per_day"] * a["aoss_search_ocu_active"]
            + a["aoss_index_ocu_hours_month"] * days / DAYS_PER_MONTH
        )
        lines["OpenSearch Serverless NextGen OCU (active hours)"] = ocu_hours * p["aoss_ocu_hour"]
    return lines


def _table(title: str, lines: dict[str, float]) -> float:
    total = sum(lines.values())
    print(f"  {title}")
    for name, value in sorted(lines.items(), key=lambda item: -item[1]):
        print(f"    {name:<52} ${value:>9.2f}")
    print(f"    {'total':<52} ${total:>9.2f}")
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buyers", type=int, default=10_000, help="buyers per day")
    parser.add_argument("--messages", type=float, default=8, help="messages per buyer")
    parser.add_argument("--promo-factor", type=float, default=5, help="traffic multiple on a promotion day")
    args = parser.parse_args(argv)
    per_day = args.buyers * args.messages
    print("kefu cost model (USD)")
    print(f"Prices: {PRICE_SOURCE}. No free tier, no data transfer, no tax.")
    print(
        f"Traffic: {args.buyers:,} buyers/day x {args.messages:g} messages = {per_day:,.0f} messages/day; "
        f"a promotion day has {args.promo_factor:g}x that ({per_day * args.promo_factor:,.0f})."
    )
    print("Assumptions: " + ", ".join(f"{k}={v:g}" for k, v in ASSUMPTIONS.items()))
    print()
    summary = []
    for shape in SHAPES:
        print(f"== {shape.name}")
        floor = _table("idle floor (a month with no messages)", fixed_month(shape))
        usage = _table(
            f"usage, a normal month ({DAYS_PER_MONTH} days)",
            traffic(shape, per_day * DAYS_PER_MONTH, DAYS_PER_MONTH),
        )
        promo_extra = sum(traffic(shape, per_day * (args.promo_factor - 1), 1).values())
        print(f"  one {args.promo_factor:g}x promotion day adds ${promo_extra:.2f}")
        print()
        summary.append((shape.name, floor, floor + usage, floor + usage + promo_extra))
    print("== summary (USD per month)")
    print(f"  {'shape':<58} {'idle floor':>10} {'normal':>9} {'+1 promo day':>13}")
    for name, floor, month, with_promo in summary:
        print(f"  {name:<58} {floor:>10.2f} {month:>9.2f} {with_promo:>13.2f}")
    peak = per_day * args.promo_factor * 0.12 / 3600  # 12% of a day's messages in its busiest hour
    print(
        f"\nPromotion-day peak: about {peak:.0f} messages/s in the busiest hour; at 1.2 s per Bedrock reply "
        f"that needs about {peak * 1.2:.0f} concurrent responders "
        "(reserved concurrency caps it; SQS holds the rest)."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
