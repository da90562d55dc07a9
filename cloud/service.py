"""The service: the API Lambda behind an HTTP API, the hourly sweep, and migrations on deploy.

Every Lambda runs the same bundle (``python -m cloud package``) in the VPC's private subnets, so
each reaches the database and, through the NAT instance, the internet and AWS's APIs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_cdk import Aws, CfnOutput, Duration, Stack, triggers
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_rds as rds
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

HANDLERS = {
    "Api": "cloud.handlers.handler",
    "Sweep": "cloud.handlers.sweep_handler",
    "Migrate": "cloud.handlers.migrate_handler",
    "Admin": "cloud.handlers.admin_handler",
}


class ServiceStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        code: lambda_.Code,
        vpc: ec2.IVpc,
        service_security_group: ec2.ISecurityGroup,
        database: rds.DatabaseInstance,
        signing_key: secretsmanager.ISecret,
        openai_api_key: secretsmanager.ISecret,
        send_mail_policy: iam.IManagedPolicy,
        mail_from: str,
        # x86_64: the python3.11 runtime is Amazon Linux 2 (glibc 2.26) and psycopg-binary's
        # arm64 wheels need glibc 2.27; its x86_64 wheels are manylinux2014 (glibc 2.17).
        architecture: lambda_.Architecture = lambda_.Architecture.X86_64,
        api_memory_mb: int = 1024,
        api_timeout: Duration = Duration.seconds(29),  # API Gateway gives up at 30 s
        sweep_memory_mb: int = 1024,
        sweep_timeout: Duration = Duration.minutes(10),
        sweep_schedule: events.Schedule = events.Schedule.rate(Duration.hours(1)),
        migrate_timeout: Duration = Duration.minutes(10),
        throttle_rate_limit: int = 100,
        throttle_burst_limit: int = 200,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
        extra_environment: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        if database.secret is None:
            raise ValueError("the database needs generated credentials in Secrets Manager")

        # Created first: its URL is where the students' links point (FSP_PUBLIC_URL).
        self.http_api = apigwv2.HttpApi(
            self, "HttpApi", api_name="fsp-dispatcher", description="FSP Dispatcher sync service",
        )
        environment = {
            "FSP_ENV": "production",
            "FSP_PUBLIC_URL": self.http_api.api_endpoint,
            # EventBridge runs the sweep; no in-process scheduler in a Lambda.
            "FSP_SWEEP_INTERVAL_SECONDS": "0",
            "DATABASE_SECRET_ARN": database.secret.secret_arn,
            "FSP_SECRET_KEY_SECRET_ARN": signing_key.secret_arn,
            "OPENAI_API_KEY_SECRET_ARN": openai_api_key.secret_arn,
            "FSP_MAIL": "ses",
            "FSP_MAIL_FROM": mail_from,
            "FSP_SES_REGION": Aws.REGION,
            **(extra_environment or {}),
        }

        def function(name: str, *, memory_mb: int, timeout: Duration, description: str) -> lambda_.Function:
            log_group = logs.LogGroup(self, f"{name}Logs", retention=log_retention)
            fn = lambda_.Function(
                self, f"{name}Function",
                description=description,
                runtime=lambda_.Runtime.PYTHON_3_11,
                architecture=architecture,
                code=code,
                handler=HANDLERS[name],
                memory_size=memory_mb,
                timeout=timeout,
                environment=environment,
                vpc=vpc,
                vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
                security_groups=[service_security_group],
                log_group=log_group,
                # The sweep runs again within the hour; a retry of a failed (or 10-minute) run
                # would only overlap it. The others are invoked synchronously.
                retry_attempts=0,
            )
            for secret in (database.secret, signing_key, openai_api_key):
                secret.grant_read(fn)
            return fn

        self.api_function = function("Api", memory_mb=api_memory_mb, timeout=api_timeout,
                                     description="FSP Dispatcher HTTP API (FastAPI via Mangum)")
        self.sweep_function = function("Sweep", memory_mb=sweep_memory_mb, timeout=sweep_timeout,
                                       description="FSP Dispatcher hourly weather sweep and mail")
        self.migrate_function = function("Migrate", memory_mb=512, timeout=migrate_timeout,
                                         description="FSP Dispatcher: db upgrade, run on deploy")
        self.admin_function = function("Admin", memory_mb=512, timeout=Duration.minutes(2),
                                       description="FSP Dispatcher: fsp-sync commands, by hand")
        for fn in (self.api_function, self.sweep_function):
            fn.role.add_managed_policy(send_mail_policy)

        # `db upgrade` on every deploy whose code changed, before the API and the sweep get the
        # new code; a failed migration fails the deployment (and CloudFormation rolls back).
        self.migration = triggers.Trigger(
            self, "MigrateOnDeploy",
            handler=self.migrate_function,
            timeout=migrate_timeout,
            execute_on_handler_change=True,
            execute_before=[self.api_function, self.sweep_function],
        )

        apigwv2.HttpRoute(
            self, "DefaultRoute",
            http_api=self.http_api,
            route_key=apigwv2.HttpRouteKey.DEFAULT,
            integration=integrations.HttpLambdaIntegration("ApiIntegration", self.api_function),
        )
        default_stage = self.http_api.default_stage.node.default_child
        default_stage.default_route_settings = apigwv2.CfnStage.RouteSettingsProperty(
            throttling_rate_limit=throttle_rate_limit, throttling_burst_limit=throttle_burst_limit
        )

        self.sweep_rule = events.Rule(
            self, "HourlySweep",
            description="Run the FSP Dispatcher weather sweep",
            schedule=sweep_schedule,
        )
        self.sweep_rule.add_target(targets.LambdaFunction(self.sweep_function, retry_attempts=0))

        CfnOutput(self, "ApiUrl", value=self.http_api.api_endpoint,
                  description="point the desktops at this URL")
        CfnOutput(self, "AdminFunctionName", value=self.admin_function.function_name,
                  description="invoke with {\"args\": [...fsp-sync arguments], \"stdin\": \"...\"}")
