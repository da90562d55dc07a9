"""Mail: the SES identity the service sends from, and a policy to send from it and nothing else."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_ses as ses
from constructs import Construct

SEND_ACTIONS = ["ses:SendEmail", "ses:SendRawEmail"]


class MailStack(Stack):
    """``sender_domain`` is verified through DKIM: publish the three CNAMEs this stack outputs."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        sender_domain: str,
        sender_local_part: str = "dispatch",
        sender_name: str = "Flight Schedule Pro Dispatcher",
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.identity = ses.EmailIdentity(
            self, "SenderIdentity", identity=ses.Identity.domain(sender_domain)
        )
        self.identity_arn = self.format_arn(
            service="ses", resource="identity", resource_name=sender_domain
        )
        self.mail_from = f"{sender_name} <{sender_local_part}@{sender_domain}>"
        self.send_policy = iam.ManagedPolicy(
            self, "SendMailPolicy",
            description=f"Send mail from {sender_domain} through SES, and nothing else",
            statements=[iam.PolicyStatement(actions=SEND_ACTIONS, resources=[self.identity_arn])],
        )
        for number in (1, 2, 3):
            name = getattr(self.identity, f"dkim_dns_token_name{number}")
            value = getattr(self.identity, f"dkim_dns_token_value{number}")
            CfnOutput(self, f"DkimRecord{number}", value=f"{name} CNAME {value}",
                      description="publish in the sender domain's DNS to verify it with SES")
