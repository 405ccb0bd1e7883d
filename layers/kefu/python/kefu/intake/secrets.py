"""The platform secret: from the settings locally, from Secrets Manager in AWS (cached by Powertools)."""

from __future__ import annotations

from kefu.settings import Settings


class SecretUnavailable(RuntimeError):
    pass


def platform_secret(settings: Settings) -> str:
    if settings.platform_secret:
        return settings.platform_secret
    if settings.platform_secret_arn:
        from aws_lambda_powertools.utilities import parameters

        # Cached for 5 minutes per container: rotation is picked up without a cold start.
        return str(parameters.get_secret(settings.platform_secret_arn, max_age=300))
    raise SecretUnavailable("no platform secret configured: set KEFU_PLATFORM_SECRET or KEFU_PLATFORM_SECRET_ARN")
