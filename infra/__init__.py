"""The kefu CDK app: one stack per merchant (see docs/deploy.md)."""
