"""Network and database: a VPC without a NAT gateway, and RDS PostgreSQL in isolated subnets.

Why a NAT *instance*: the sweep must reach aviationweather.gov and the OpenAI API, and the API's
weather endpoint must reach aviationweather.gov, so the Lambdas need internet egress *and* the
database. A Lambda outside the VPC has the internet but cannot reach a database in isolated
subnets (RDS Proxy lives in the VPC too, so it does not help), and interface endpoints only reach
AWS services (two of them, Secrets Manager and SES, in two AZs already cost more than the NAT
instance). One t4g.nano NAT instance gives the Lambdas egress for about $7 a month against the
seed's $33 NAT gateway; the price is a single instance to patch and no automatic fail-over
(the alarms say when the sweep stops). docs/deploy-aws.md has the numbers.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_rds as rds
from constructs import Construct

POSTGRES_PORT = 5432


class NetworkDatabaseStack(Stack):
    """The VPC, the service's security group, and the database the service owns."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        nat_instance_type: str = "t4g.nano",
        database_instance_type: str = "t4g.micro",
        postgres_version: rds.PostgresEngineVersion = rds.PostgresEngineVersion.VER_17_9,
        allocated_storage_gib: int = 20,
        max_allocated_storage_gib: int = 100,
        backup_retention_days: int = 7,
        deletion_protection: bool = True,
        multi_az: bool = False,
        database_name: str = "fsp",
        database_username: str = "fsp_admin",
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)

        self.nat_provider = ec2.NatProvider.instance_v2(
            instance_type=ec2.InstanceType(nat_instance_type),
            machine_image=ec2.MachineImage.latest_amazon_linux2023(
                cpu_type=ec2.AmazonLinuxCpuType.ARM_64
                if nat_instance_type.split(".")[0].endswith("g")
                else ec2.AmazonLinuxCpuType.X86_64
            ),
            default_allowed_traffic=ec2.NatTrafficDirection.OUTBOUND_ONLY,
        )
        self.vpc = ec2.Vpc(
            self, "Vpc",
            max_azs=2,  # RDS wants a subnet group in two AZs even for a single-AZ instance
            nat_gateways=1,  # one NAT instance, in the first AZ, for both AZs
            nat_gateway_provider=self.nat_provider,
            subnet_configuration=[
                ec2.SubnetConfiguration(name="Public", subnet_type=ec2.SubnetType.PUBLIC,
                                        cidr_mask=24),
                ec2.SubnetConfiguration(name="Service",
                                        subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS,
                                        cidr_mask=24),
                ec2.SubnetConfiguration(name="Database",
                                        subnet_type=ec2.SubnetType.PRIVATE_ISOLATED,
                                        cidr_mask=24),
            ],
        )
        # The NAT instance forwards what the private subnets send; nothing else may reach it.
        self.nat_provider.connections.allow_from(
            ec2.Peer.ipv4(self.vpc.vpc_cidr_block), ec2.Port.all_traffic(),
            "traffic from the VPC's private subnets to the internet",
        )

        # The Lambdas' security group lives here, beside the database's, so that the ingress
        # rule does not make this stack depend on the service stack (a cycle).
        self.service_security_group = ec2.SecurityGroup(
            self, "ServiceSecurityGroup", vpc=self.vpc,
            description="FSP Dispatcher Lambdas: egress to the database and the internet",
            allow_all_outbound=True,
        )
        self.database_security_group = ec2.SecurityGroup(
            self, "DatabaseSecurityGroup", vpc=self.vpc,
            description="FSP Dispatcher database: PostgreSQL from the service Lambdas only",
            allow_all_outbound=False,
        )
        self.database_security_group.add_ingress_rule(
            self.service_security_group, ec2.Port.tcp(POSTGRES_PORT),
            "PostgreSQL from the service's Lambdas",
        )

        self.database = rds.DatabaseInstance(
            self, "Database",
            engine=rds.DatabaseInstanceEngine.postgres(version=postgres_version),
            instance_type=ec2.InstanceType(database_instance_type),
            vpc=self.vpc,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
            security_groups=[self.database_security_group],
            publicly_accessible=False,
            credentials=rds.Credentials.from_generated_secret(database_username),
            database_name=database_name,
            port=POSTGRES_PORT,
            allocated_storage=allocated_storage_gib,
            max_allocated_storage=max_allocated_storage_gib,
            storage_type=rds.StorageType.GP3,
            storage_encrypted=True,
            multi_az=multi_az,
            backup_retention=Duration.days(backup_retention_days),
            deletion_protection=deletion_protection,
            removal_policy=RemovalPolicy.SNAPSHOT,
            auto_minor_version_upgrade=True,
        )
        self.database_secret = self.database.secret
