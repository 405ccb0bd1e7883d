"""Which engine serves the local runtime's SQS endpoint (light: the CLI imports it to build its parser).

moto: kefu's emulation (moto + kefu_dev.local.moto_fixes) in a Python process of its own.
elasticmq: ElasticMQ, a real SQS-protocol server with FIFO queues, from Maven Central (kefu_dev.local.elasticmq).
auto (the default of ``kefu run`` and benchmarks/load.py): elasticmq when Java and Maven are on the PATH, else
moto. In the 90 s burst of benchmarks/load.py (2 shared cores, same session) ElasticMQ handled the 50 msg/s
offered and moto 45.8 msg/s; see README "Local engines".
"""

from __future__ import annotations

import shutil
import sys

SQS_ENGINES = ("moto", "elasticmq")
DEFAULT_SQS_ENGINE = "moto"  # LocalRuntime's own default (tests); the CLI and the benchmark pick "auto"
CLI_SQS_CHOICES = ("auto", *SQS_ENGINES)


def pick_sqs_engine(requested: str) -> str:
    """``auto`` → elasticmq if Java and Maven are there, else moto (said on stderr); others as given."""
    if requested != "auto":
        return requested
    missing = [tool for tool in ("java", "mvn") if shutil.which(tool) is None]
    if not missing:
        return "elasticmq"
    print(f"kefu: {', '.join(missing)} not found, SQS runs on moto (ElasticMQ needs Java 17+ and Maven)",
          file=sys.stderr)
    return "moto"
