"""Constructs named after the flow of a customer message (docs/deploy.md).

Not called ``constructs``: ``python infra/app.py`` puts infra/ first on sys.path, and a folder
of that name would shadow the ``constructs`` library the CDK imports.
"""
