"""Alarms: errors in the Lambdas, 5xx from the API, and a sweep that did not run."""

from __future__ import annotations

from typing import Any

from aws_cdk import Duration, Stack
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct


class AlarmsStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        api_function: lambda_.IFunction,
        sweep_function: lambda_.IFunction,
        migrate_function: lambda_.IFunction,
        http_api: apigwv2.IHttpApi,
        sweep_interval: Duration = Duration.hours(1),
        sweep_timeout: Duration = Duration.minutes(10),
        api_5xx_threshold: int = 5,
        alarm_email: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.topic = sns.Topic(self, "AlarmTopic", display_name="FSP Dispatcher alarms")
        if alarm_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(alarm_email))
        action = cloudwatch_actions.SnsAction(self.topic)
        five_minutes = Duration.minutes(5)

        def alarm(name: str, description: str, **props: Any) -> cloudwatch.Alarm:
            created = cloudwatch.Alarm(self, name, alarm_description=description, **props)
            created.add_alarm_action(action)
            created.add_ok_action(action)
            return created

        self.api_errors = alarm(
            "ApiErrors", "The API Lambda failed (an unhandled error, a timeout or a cold start "
            "that could not read its secrets or reach the database): see its log group",
            metric=api_function.metric_errors(period=five_minutes, statistic="Sum"),
            threshold=1, evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        self.api_5xx = alarm(
            "Api5xx", "The API answered 5xx (including 503 from /health: database unreachable)",
            metric=http_api.metric_server_error(period=five_minutes, statistic="Sum"),
            threshold=api_5xx_threshold, evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        self.sweep_errors = alarm(
            "SweepErrors", "The hourly sweep failed: lessons were not checked this hour",
            metric=sweep_function.metric_errors(period=sweep_interval, statistic="Sum"),
            threshold=1, evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        # No data at all is the failure this alarm exists for (rule disabled, deleted, throttled).
        self.sweep_did_not_run = alarm(
            "SweepDidNotRun", "The hourly sweep has not been invoked for two hours: check the "
            "EventBridge rule HourlySweep",
            metric=sweep_function.metric_invocations(period=sweep_interval, statistic="Sum"),
            threshold=1, evaluation_periods=2, datapoints_to_alarm=2,
            comparison_operator=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.BREACHING,
        )
        self.sweep_slow = alarm(
            "SweepNearTimeout", "A sweep took over 80% of its timeout: raise the timeout or "
            "memory before sweeps start being cut off",
            metric=sweep_function.metric_duration(period=sweep_interval, statistic="Maximum"),
            threshold=sweep_timeout.to_milliseconds() * 0.8, evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        self.migrate_errors = alarm(
            "MigrateErrors", "A schema migration failed (the deployment was rolled back)",
            metric=migrate_function.metric_errors(period=five_minutes, statistic="Sum"),
            threshold=1, evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
