"""Search: the backend behind the library's ``KnowledgeIndex`` interface, chosen by config.

- ``embedded``: the learned index is a snapshot in the knowledge bucket, loaded by the Lambdas
  (no search infrastructure at all: zero idle cost). Nothing to build here.
- ``opensearch_serverless``: a VECTORSEARCH collection. ``nextgen`` puts it in a NEXTGEN collection group
  (``AWS::OpenSearchServerless::CollectionGroup``, ``Generation: NEXTGEN``) whose minimum OCU is 0, so it
  scales to zero after 10 idle minutes; ``classic`` is the older always-on collection (floor 1 OCU with
  standby replicas off).
- ``opensearch_domain``: a managed OpenSearch domain (fixed instance-hours).
"""

from __future__ import annotations

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_opensearchserverless as aoss
from aws_cdk import aws_opensearchservice as opensearch
from constructs import Construct

from infra.flows.lambdas import KefuFunction
from infra.flows.state import State, log_retention, removal_policy
from infra.nag import acknowledge
from kefu.deploy_config import MerchantConfig, SearchKind
from kefu.settings import SearchBackend

READ_PERMISSIONS = ["aoss:DescribeIndex", "aoss:ReadDocument"]
WRITE_PERMISSIONS = [
    *READ_PERMISSIONS,
    "aoss:CreateIndex",
    "aoss:UpdateIndex",
    "aoss:DeleteIndex",
    "aoss:WriteDocument",
]


class Search(Construct):
    """Builds the backend and grants readers (responder) and writers (ingest); ``environment`` is for all."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: MerchantConfig,
        state: State,
        readers: list[KefuFunction],
        writers: list[KefuFunction],
    ) -> None:
        super().__init__(scope, construct_id)
        self.config = config
        self.environment: dict[str, str] = {"KEFU_SEARCH_BACKEND": SearchBackend.EMBEDDED.value}
        backend = config.search.backend
        if backend == SearchKind.OPENSEARCH_SERVERLESS:
            self._serverless(readers, writers, state)
        elif backend == SearchKind.OPENSEARCH_DOMAIN:
            self._domain(readers, writers, state)

    # --- OpenSearch Serverless -------------------------------------------------------------
    def _serverless(self, readers: list[KefuFunction], writers: list[KefuFunction], state: State) -> None:
        config = self.config
        search = config.search
        name = f"kefu-{config.shop_id}"  # collection and policy names: 3-32 chars, [a-z][a-z0-9-]+
        to_json = Stack.of(self).to_json_string  # keeps the key and role ARN tokens resolvable
        collection_rule = {"ResourceType": "collection", "Resource": [f"collection/{name}"]}
        encryption = aoss.CfnSecurityPolicy(
            self,
            "EncryptionPolicy",
            name=f"{name}-enc",
            type="encryption",
            policy=to_json({"Rules": [collection_rule], "AWSOwnedKey": False, "KmsARN": state.key.key_arn}),
        )
        network = aoss.CfnSecurityPolicy(
            self,
            "NetworkPolicy",
            name=f"{name}-net",
            type="network",
            # A public endpoint keeps the Lambdas out of a VPC (no NAT cost); every request is still
            # SigV4-signed and must pass IAM and the data access policy below.
            policy=to_json([{"Rules": [collection_rule], "AllowFromPublic": True}]),
        )
        group: aoss.CfnCollectionGroup | None = None
        if search.serverless_generation == "nextgen":
            group = aoss.CfnCollectionGroup(
                self,
                "CollectionGroup",
                name=name,
                generation="NEXTGEN",
                standby_replicas="ENABLED" if search.standby_replicas else "DISABLED",
                capacity_limits=aoss.CfnCollectionGroup.CapacityLimitsProperty(
                    min_search_capacity_in_ocu=0,  # 0/0 = scale to zero when idle for 10 minutes
                    min_indexing_capacity_in_ocu=0,
                    max_search_capacity_in_ocu=search.max_search_ocu,
                    max_indexing_capacity_in_ocu=search.max_indexing_ocu,
                ),
                description=f"kefu {config.shop_id}: scales to zero when idle",
            )
        self.collection = aoss.CfnCollection(
            self,
            "Collection",
            name=name,
            type="VECTORSEARCH",
            description=f"kefu {config.shop_id} knowledge (k-NN + lexical)",
            standby_replicas="ENABLED" if search.standby_replicas else "DISABLED",
            collection_group_name=group.name if group else None,
        )
        self.collection.add_resource_dependency(encryption)
        self.collection.add_resource_dependency(network)
        if group is not None:
            self.collection.add_resource_dependency(group)
        self.collection.apply_removal_policy(removal_policy(config))

        rules = []
        for functions, permissions, collection_permissions in (
            (readers, READ_PERMISSIONS, ["aoss:DescribeCollectionItems"]),
            (writers, WRITE_PERMISSIONS, ["aoss:DescribeCollectionItems", "aoss:UpdateCollectionItems"]),
        ):
            if functions:
                rules.append(
                    {
                        "Rules": [
                            {
                                "ResourceType": "index",
                                "Resource": [f"index/{name}/*"],
                                "Permission": permissions,
                            },
                            {**collection_rule, "Permission": collection_permissions},
                        ],
                        "Principal": [function.role.role_arn for function in functions],
                    }
                )
        aoss.CfnAccessPolicy(
            self, "DataAccessPolicy", name=f"{name}-data", type="data", policy=to_json(rules)
        )

        for function in [*readers, *writers]:
            function.role.add_to_principal_policy(
                iam.PolicyStatement(actions=["aoss:APIAccessAll"], resources=[self.collection.attr_arn])
            )
        self.environment = {
            "KEFU_SEARCH_BACKEND": SearchBackend.OPENSEARCH.value,
            "KEFU_OPENSEARCH_ENDPOINT": self.collection.attr_collection_endpoint,
            "KEFU_OPENSEARCH_SERVICE": "aoss",
        }

    # --- managed OpenSearch domain ------------------------------------------------------------
    def _domain(self, readers: list[KefuFunction], writers: list[KefuFunction], state: State) -> None:
        config = self.config
        search = config.search
        slow_logs = logs.LogGroup(
            self,
            "SlowSearchLogs",
            retention=log_retention(config),
            removal_policy=RemovalPolicy.DESTROY,
        )
        app_logs = logs.LogGroup(
            self,
            "ApplicationLogs",
            retention=log_retention(config),
            removal_policy=RemovalPolicy.DESTROY,
        )
        multi_az = search.domain_instance_count > 1 and search.domain_instance_count % 2 == 0
        self.domain = opensearch.Domain(
            self,
            "Domain",
            version=opensearch.EngineVersion.OPENSEARCH_2_19,
            capacity=opensearch.CapacityConfig(
                data_nodes=search.domain_instance_count,
                data_node_instance_type=search.domain_instance_type,
                multi_az_with_standby_enabled=False,
            ),
            ebs=opensearch.EbsOptions(
                volume_size=search.domain_volume_gb, volume_type=ec2.EbsDeviceVolumeType.GP3
            ),
            zone_awareness=opensearch.ZoneAwarenessConfig(enabled=multi_az, availability_zone_count=2)
            if multi_az
            else None,
            encryption_at_rest=opensearch.EncryptionAtRestOptions(enabled=True, kms_key=state.key),
            node_to_node_encryption=True,
            enforce_https=True,
            tls_security_policy=opensearch.TLSSecurityPolicy.TLS_1_2,
            logging=opensearch.LoggingOptions(
                slow_search_log_enabled=True,
                slow_search_log_group=slow_logs,
                slow_index_log_enabled=True,
                slow_index_log_group=slow_logs,
                app_log_enabled=True,
                app_log_group=app_logs,
            ),
            removal_policy=removal_policy(config),
        )
        for functions, actions in (
            (readers, ["es:ESHttpGet", "es:ESHttpHead", "es:ESHttpPost"]),
            (writers, ["es:ESHttpGet", "es:ESHttpHead", "es:ESHttpPost", "es:ESHttpPut", "es:ESHttpDelete"]),
        ):
            for function in functions:
                statement = iam.PolicyStatement(actions=actions, resources=[f"{self.domain.domain_arn}/*"])
                function.role.add_to_principal_policy(statement)
                # The domain's resource policy names the same roles: no anonymous access path.
                self.domain.add_access_policies(
                    iam.PolicyStatement(
                        principals=[function.role],
                        actions=actions,
                        resources=[f"{self.domain.domain_arn}/*"],
                    )
                )
        domain_id = Stack.of(self).get_logical_id(self.domain.node.default_child)  # type: ignore[arg-type]
        for function in [*readers, *writers]:
            acknowledge(
                function.role,
                f"AwsSolutions-IAM5[Resource::<{domain_id}.Arn>/*]",
                "HTTP paths (indexes) of this shop's own domain; the index names are created at run time.",
            )
        reasons = {
            "AwsSolutions-OS1": "Outside a VPC on purpose: a VPC puts the Lambdas behind a NAT (fixed cost); "
            "access is SigV4 + IAM to the named roles only.",
            "AwsSolutions-OS3": "The domain policy admits the named IAM roles only, not IPs.",
            "AwsSolutions-OS4": "A dedicated master for a 1-2 node domain would triple a small shop's bill.",
        }
        if not multi_az:
            reasons["AwsSolutions-OS7"] = (
                "One data node by config (domain_instance_count): no second zone to use."
            )
        for rule, reason in reasons.items():
            acknowledge(self.domain, rule, reason)
        # The CDK writes the slow-log group's resource policy with its own AWS SDK custom resource.
        stack = Stack.of(self)
        for scope in (stack.node.try_find_child("AWS679f53fac002430cb0da5b7982bd2287"), self.domain):
            if scope is None:
                continue
            for rule in (
                "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
                "AwsSolutions-IAM5[Resource::*]",
                "AwsSolutions-IAM5[Action::kms:List*]",
                "AwsSolutions-IAM5[Action::kms:Describe*]",
            ):
                acknowledge(
                    scope,
                    rule,
                    "CDK's own custom resource that sets the domain's log-group policy at deploy.",
                )
        self.environment = {
            "KEFU_SEARCH_BACKEND": SearchBackend.OPENSEARCH.value,
            "KEFU_OPENSEARCH_ENDPOINT": f"https://{self.domain.domain_endpoint}",
            "KEFU_OPENSEARCH_SERVICE": "es",
        }
