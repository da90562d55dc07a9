"""Every stack, synthesized once (conftest ``synthesized``), checked with aws_cdk.assertions."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Match

from tests.cloud.conftest import ALARM_EMAIL, SENDER_DOMAIN

SES_ACTIONS = {"ses:SendEmail", "ses:SendRawEmail"}


def _resources(template: Any, kind: str) -> dict[str, dict[str, Any]]:
    return template.find_resources(kind)


def _statements(template: Any) -> list[dict[str, Any]]:
    found = []
    for kind in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::Role"):
        for resource in _resources(template, kind).values():
            properties = resource["Properties"]
            documents = [properties.get("PolicyDocument")] + [
                policy.get("PolicyDocument") for policy in properties.get("Policies", [])
            ]
            for document in filter(None, documents):
                found.extend(document["Statement"])
    return found


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


# -- network and database ----------------------------------------------------------------------


def test_no_nat_gateway_but_one_small_nat_instance(synthesized):
    network = synthesized.templates["network"]
    network.resource_count_is("AWS::EC2::NatGateway", 0)
    network.resource_count_is("AWS::EC2::Instance", 1)
    network.has_resource_properties("AWS::EC2::Instance", {
        "InstanceType": "t4g.nano", "SourceDestCheck": False,
    })
    # Both service subnets route to the internet through that instance.
    routes = [route["Properties"] for route in _resources(network, "AWS::EC2::Route").values()
              if "InstanceId" in route["Properties"]]
    assert len(routes) == 2


def test_database_is_private_encrypted_backed_up_and_protected(synthesized):
    network = synthesized.templates["network"]
    network.resource_count_is("AWS::RDS::DBInstance", 1)
    network.has_resource_properties("AWS::RDS::DBInstance", {
        "Engine": "postgres",
        "PubliclyAccessible": False,
        "DeletionProtection": True,
        "BackupRetentionPeriod": 7,
        "StorageEncrypted": True,
        "MasterUsername": Match.any_value(),  # from the generated secret, never a literal password
        "MasterUserPassword": Match.object_like({"Fn::Join": Match.any_value()}),
    })
    network.has_resource("AWS::RDS::DBInstance", {
        "DeletionPolicy": "Snapshot", "UpdateReplacePolicy": "Snapshot",
    })


def test_database_subnets_are_the_isolated_ones(synthesized):
    network = synthesized.templates["network"]
    subnets = _resources(network, "AWS::EC2::Subnet")
    isolated = {
        name for name, subnet in subnets.items()
        if {"Key": "aws-cdk:subnet-type", "Value": "Isolated"} in subnet["Properties"]["Tags"]
    }
    assert len(isolated) == 2
    (group,) = _resources(network, "AWS::RDS::DBSubnetGroup").values()
    assert {ref["Ref"] for ref in group["Properties"]["SubnetIds"]} == isolated
    # Isolated: no route out of their route tables at all.
    associations = _resources(network, "AWS::EC2::SubnetRouteTableAssociation").values()
    isolated_tables = {a["Properties"]["RouteTableId"]["Ref"] for a in associations
                       if a["Properties"]["SubnetId"]["Ref"] in isolated}
    routed_tables = {r["Properties"]["RouteTableId"]["Ref"]
                     for r in _resources(network, "AWS::EC2::Route").values()}
    assert isolated_tables and not isolated_tables & routed_tables


def test_database_accepts_postgresql_from_the_service_only(synthesized):
    network = synthesized.templates["network"]
    ingress = [rule["Properties"] for rule in
               _resources(network, "AWS::EC2::SecurityGroupIngress").values()
               if rule["Properties"].get("FromPort") == 5432]
    assert len(ingress) == 1
    assert ingress[0]["SourceSecurityGroupId"]["Fn::GetAtt"][0].startswith("ServiceSecurityGroup")
    assert "CidrIp" not in ingress[0]


def test_database_credentials_are_in_secrets_manager(synthesized):
    network = synthesized.templates["network"]
    network.resource_count_is("AWS::SecretsManager::Secret", 1)
    network.resource_count_is("AWS::SecretsManager::SecretTargetAttachment", 1)


# -- secrets and mail --------------------------------------------------------------------------


def test_signing_key_is_generated_and_openai_key_is_a_placeholder(synthesized):
    secrets = synthesized.templates["secrets"]
    secrets.resource_count_is("AWS::SecretsManager::Secret", 2)
    secrets.has_resource_properties("AWS::SecretsManager::Secret", {
        "GenerateSecretString": {"PasswordLength": 64, "ExcludePunctuation": True},
    })
    secrets.has_resource_properties("AWS::SecretsManager::Secret", {
        "SecretString": "not-configured",
    })


def test_ses_identity_and_a_send_policy_scoped_to_it(synthesized):
    mail = synthesized.templates["mail"]
    mail.resource_count_is("AWS::SES::EmailIdentity", 1)
    mail.has_resource_properties("AWS::SES::EmailIdentity", {"EmailIdentity": SENDER_DOMAIN})
    statements = [s for s in _statements(mail) if SES_ACTIONS & set(_as_list(s["Action"]))]
    assert len(statements) == 1
    (resource,) = _as_list(statements[0]["Resource"])
    assert json.dumps(resource).endswith(f':identity/{SENDER_DOMAIN}"]]}}')


@pytest.mark.parametrize("stack", ["network", "secrets", "mail", "service", "alarms"])
def test_no_stack_grants_ses_on_every_resource(synthesized, stack):
    for statement in _statements(synthesized.templates[stack]):
        actions = set(_as_list(statement["Action"]))
        if any(action.startswith("ses:") or action == "*" for action in actions):
            assert "*" not in _as_list(statement["Resource"]), statement


# -- the service -------------------------------------------------------------------------------


def _python_functions(service: Any) -> dict[str, dict[str, Any]]:
    return {name: fn["Properties"] for name, fn in
            _resources(service, "AWS::Lambda::Function").items()
            if fn["Properties"].get("Runtime") == "python3.11"}


def test_four_python_lambdas_in_the_vpc_with_secret_arns_not_values(synthesized):
    functions = _python_functions(synthesized.templates["service"])
    assert sorted(fn["Handler"] for fn in functions.values()) == [
        "cloud.handlers.admin_handler", "cloud.handlers.handler",
        "cloud.handlers.migrate_handler", "cloud.handlers.sweep_handler",
    ]
    for fn in functions.values():
        assert fn["VpcConfig"]["SubnetIds"]
        variables = fn["Environment"]["Variables"]
        assert variables["FSP_ENV"] == "production"
        assert variables["FSP_MAIL"] == "ses"
        assert variables["FSP_SWEEP_INTERVAL_SECONDS"] == "0"  # EventBridge runs the sweep
        # Students' links point at the API.
        assert variables["FSP_PUBLIC_URL"]["Fn::GetAtt"][1] == "ApiEndpoint"
        assert {"DATABASE_SECRET_ARN", "FSP_SECRET_KEY_SECRET_ARN",
                "OPENAI_API_KEY_SECRET_ARN"} <= set(variables)
        assert not {"DATABASE_URL", "FSP_SECRET_KEY", "OPENAI_API_KEY"} & set(variables)


def test_sweep_runs_every_hour_with_room_for_a_sweep(synthesized):
    service = synthesized.templates["service"]
    service.resource_count_is("AWS::Events::Rule", 1)
    service.has_resource_properties("AWS::Events::Rule", {
        "ScheduleExpression": "rate(1 hour)",
        "State": "ENABLED",
        "Targets": [Match.object_like({
            "Arn": {"Fn::GetAtt": [Match.string_like_regexp("^SweepFunction"), "Arn"]},
        })],
    })
    service.has_resource_properties("AWS::Lambda::Function", {
        "Handler": "cloud.handlers.sweep_handler", "Timeout": 600,
    })
    service.has_resource_properties("AWS::Lambda::Permission", {
        "Principal": "events.amazonaws.com", "Action": "lambda:InvokeFunction",
    })


def test_migrations_run_on_deploy_before_the_api_gets_new_code(synthesized):
    service = synthesized.templates["service"]
    triggers = service.find_resources("Custom::Trigger")
    assert len(triggers) == 1
    (trigger_name,) = triggers
    (trigger,) = triggers.values()
    assert "MigrateFunction" in json.dumps(trigger["Properties"]["HandlerArn"])
    for name, fn in _resources(service, "AWS::Lambda::Function").items():
        if fn["Properties"].get("Handler") in ("cloud.handlers.handler",
                                               "cloud.handlers.sweep_handler"):
            assert trigger_name in fn.get("DependsOn", []), name


def test_http_api_invokes_the_api_lambda_and_outputs_its_url(synthesized):
    service = synthesized.templates["service"]
    service.resource_count_is("AWS::ApiGatewayV2::Api", 1)
    service.has_resource_properties("AWS::ApiGatewayV2::Api", {"ProtocolType": "HTTP"})
    service.has_resource_properties("AWS::ApiGatewayV2::Route", {"RouteKey": "$default"})
    service.has_resource_properties("AWS::ApiGatewayV2::Integration", {
        "IntegrationType": "AWS_PROXY", "PayloadFormatVersion": "2.0",
    })
    service.has_resource_properties("AWS::ApiGatewayV2::Stage", {
        "StageName": "$default", "AutoDeploy": True,
        "DefaultRouteSettings": {"ThrottlingRateLimit": 100, "ThrottlingBurstLimit": 200},
    })
    service.has_output("ApiUrl", {"Value": {"Fn::GetAtt": [Match.any_value(), "ApiEndpoint"]}})


def test_only_the_api_and_the_sweep_may_send_mail(synthesized):
    service = synthesized.templates["service"]
    roles_with_mail = [
        name for name, role in _resources(service, "AWS::IAM::Role").items()
        if "SendMailPolicy" in json.dumps(role["Properties"].get("ManagedPolicyArns", []))
    ]
    assert sorted(name.split("Function")[0] for name in roles_with_mail) == ["Api", "Sweep"]


# -- alarms ------------------------------------------------------------------------------------


def test_alarms_exist_and_notify_the_operator(synthesized):
    alarms = synthesized.templates["alarms"]
    alarms.resource_count_is("AWS::CloudWatch::Alarm", 6)
    alarms.has_resource_properties("AWS::SNS::Subscription", {
        "Protocol": "email", "Endpoint": ALARM_EMAIL,
    })
    for alarm in _resources(alarms, "AWS::CloudWatch::Alarm").values():
        assert alarm["Properties"]["AlarmActions"]


def test_sweep_that_did_not_run_alarms(synthesized):
    synthesized.templates["alarms"].has_resource_properties("AWS::CloudWatch::Alarm", {
        "Namespace": "AWS/Lambda", "MetricName": "Invocations", "Statistic": "Sum",
        "Period": 3600, "EvaluationPeriods": 2, "Threshold": 1,
        "ComparisonOperator": "LessThanThreshold", "TreatMissingData": "breaching",
    })


def test_lambda_errors_and_api_5xx_alarm(synthesized):
    alarms = synthesized.templates["alarms"]
    errors = [a for a in _resources(alarms, "AWS::CloudWatch::Alarm").values()
              if a["Properties"]["MetricName"] == "Errors"]
    assert len(errors) == 3  # API, sweep, migrations
    alarms.has_resource_properties("AWS::CloudWatch::Alarm", {
        "Namespace": "AWS/ApiGateway", "MetricName": "5xx",
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
    })
