"""The AWS deployment: a CDK app (one stack per concern) and the Lambda entry points.

``cloud.handlers`` and ``cloud.lambda_config`` run inside Lambda and never import the CDK; the
stack modules (network, secrets, mail, service, alarms, app) run only on the deployer's machine.
"""
