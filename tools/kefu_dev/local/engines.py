"""Which engine serves the local runtime's SQS endpoint (light: the CLI imports it to build its parser).

moto: kefu's emulation (moto + kefu_dev.local.moto_fixes) in a Python process of its own.
elasticmq: ElasticMQ, a real SQS-protocol server with FIFO queues, from Maven Central (kefu_dev.local.elasticmq).
"""

from __future__ import annotations

SQS_ENGINES = ("moto", "elasticmq")
DEFAULT_SQS_ENGINE = "moto"
