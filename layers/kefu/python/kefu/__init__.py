"""kefu: an AI customer-service agent for Chinese e-commerce shops.

The package is the shared library deployed as a Lambda layer; every Lambda under
``functions/`` is a thin handler over it. Pure logic (understanding, knowledge,
decisions) sits in the middle; AWS, OpenSearch, Bedrock and the platform sit at
the edges behind small interfaces, each with a local twin.
"""

__version__ = "0.1.0"
