"""cdk-nag (v3) acknowledgments: every one carries a one-line reason, in code next to its cause."""

from __future__ import annotations

from aws_cdk import Acknowledgment, Validations
from constructs import IConstruct


def acknowledge(scope: IConstruct, rule: str, reason: str) -> None:
    """Acknowledge ``rule`` (e.g. ``AwsSolutions-L1`` or ``AwsSolutions-IAM5[Resource::*]``) under scope."""
    Validations.of(scope).acknowledge(Acknowledgment(id=rule, reason=reason))
