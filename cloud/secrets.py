"""The service's own secrets: the token signing key and the OpenAI API key."""

from __future__ import annotations

from typing import Any

from aws_cdk import RemovalPolicy, SecretValue, Stack
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

# What the OpenAI secret holds until an operator puts a key in it; cloud.lambda_config reads it
# as "no model configured", so the deterministic ranker is used (never a made-up key).
OPENAI_KEY_PLACEHOLDER = "not-configured"


class SecretsStack(Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, signing_key_length: int = 64, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.signing_key = secretsmanager.Secret(
            self, "SigningKey",
            description="FSP Dispatcher: the key that signs access tokens and student links "
                        "(FSP_SECRET_KEY)",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=signing_key_length, exclude_punctuation=True
            ),
            # Rotating it signs everyone out; losing it with the stack would do the same.
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.openai_api_key = secretsmanager.Secret(
            self, "OpenAiApiKey",
            description="FSP Dispatcher: OpenAI API key (OPENAI_API_KEY); "
                        f"'{OPENAI_KEY_PLACEHOLDER}' means the deterministic ranker only",
            secret_string_value=SecretValue.unsafe_plain_text(OPENAI_KEY_PLACEHOLDER),
            removal_policy=RemovalPolicy.RETAIN,
        )
