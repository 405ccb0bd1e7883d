"""kefu's development tooling, never deployed: the local twin of the AWS edges (local/), the CLI (cli/) and the
evaluation grader and replay (evaluation/). What deploys is the ``kefu`` package in layers/kefu/python."""
