"""The CDK app: the five stacks, wired together. Everything configurable is a keyword argument."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import App, Environment, Tags
from aws_cdk import aws_lambda as lambda_

from cloud.alarms import AlarmsStack
from cloud.mail import MailStack
from cloud.network import NetworkDatabaseStack
from cloud.secrets import SecretsStack
from cloud.service import ServiceStack


@dataclass
class Deployment:
    network: NetworkDatabaseStack
    secrets: SecretsStack
    mail: MailStack
    service: ServiceStack
    alarms: AlarmsStack

    @property
    def stacks(self) -> list:
        return [self.network, self.secrets, self.mail, self.service, self.alarms]


def build_deployment(
    app: App,
    *,
    code: lambda_.Code,
    sender_domain: str,
    alarm_email: str | None = None,
    prefix: str = "Fsp",
    env: Environment | None = None,
    deletion_protection: bool = True,
) -> Deployment:
    """``env=None`` keeps the stacks environment-agnostic: account, region and availability
    zones are resolved by CloudFormation at deploy time, so synthesis needs no AWS credentials."""
    network = NetworkDatabaseStack(app, f"{prefix}Network", env=env,
                                   deletion_protection=deletion_protection,
                                   description="FSP Dispatcher: VPC (NAT instance) and RDS PostgreSQL")
    secrets = SecretsStack(app, f"{prefix}Secrets", env=env,
                           description="FSP Dispatcher: signing key and OpenAI API key")
    mail = MailStack(app, f"{prefix}Mail", env=env, sender_domain=sender_domain,
                     description="FSP Dispatcher: SES identity and its send policy")
    service = ServiceStack(
        app, f"{prefix}Service", env=env,
        code=code,
        vpc=network.vpc,
        service_security_group=network.service_security_group,
        database=network.database,
        signing_key=secrets.signing_key,
        openai_api_key=secrets.openai_api_key,
        send_mail_policy=mail.send_policy,
        mail_from=mail.mail_from,
        description="FSP Dispatcher: API, hourly sweep, migrations",
    )
    alarms = AlarmsStack(
        app, f"{prefix}Alarms", env=env,
        api_function=service.api_function,
        sweep_function=service.sweep_function,
        migrate_function=service.migrate_function,
        http_api=service.http_api,
        alarm_email=alarm_email,
        description="FSP Dispatcher: alarms",
    )
    deployment = Deployment(network, secrets, mail, service, alarms)
    for stack in deployment.stacks:
        Tags.of(stack).add("application", "fsp-dispatcher")
    return deployment
