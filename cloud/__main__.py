"""``python -m cloud``: synthesize or package the AWS deployment.

- ``python -m cloud synth --out DIR``: write the CloudFormation templates, with no AWS
  credentials (the stacks are environment-agnostic). Without ``--code`` and without a bundle in
  build/lambda, the templates reference a placeholder bundle: fine to read and lint, not to deploy.
- ``python -m cloud package [--out build/lambda]``: build the Lambda bundle.
- ``python -m cloud`` (no command): the app the CDK CLI runs (cdk.json); needs the bundle.

Configuration for the CDK CLI comes from context (``cdk deploy -c sender_domain=…``) or from
the environment (FSP_SENDER_DOMAIN, FSP_ALARM_EMAIL).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from cloud.packaging import PROJECT_ROOT, build_bundle, placeholder_bundle

DEFAULT_BUNDLE = PROJECT_ROOT / "build" / "lambda"


def synthesize(out: Path, *, code_folder: Path, sender_domain: str, alarm_email: str | None) -> list[Path]:
    # Imported here: `package` must work without loading the CDK (and node).
    from aws_cdk import App
    from aws_cdk import aws_lambda as lambda_

    from cloud.app import build_deployment

    app = App(outdir=str(out))
    build_deployment(app, code=lambda_.Code.from_asset(str(code_folder)),
                     sender_domain=sender_domain, alarm_email=alarm_email)
    assembly = app.synth()
    return [Path(stack.template_full_path) for stack in assembly.stacks]


def _run_for_cdk_cli() -> int:
    from aws_cdk import App
    from aws_cdk import aws_lambda as lambda_

    from cloud.app import build_deployment

    app = App()
    sender_domain = app.node.try_get_context("sender_domain") or os.environ.get("FSP_SENDER_DOMAIN")
    if not sender_domain:
        print("Set the sender domain: cdk deploy -c sender_domain=mail.example.com "
              "(or FSP_SENDER_DOMAIN)", file=sys.stderr)
        return 2
    bundle = Path(app.node.try_get_context("bundle") or DEFAULT_BUNDLE)
    if not (bundle / "sync").is_dir():
        print(f"No Lambda bundle in {bundle}: run `python -m cloud package` first.", file=sys.stderr)
        return 2
    build_deployment(app, code=lambda_.Code.from_asset(str(bundle)), sender_domain=sender_domain,
                     alarm_email=app.node.try_get_context("alarm_email")
                     or os.environ.get("FSP_ALARM_EMAIL"))
    app.synth()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cloud", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command")
    synth = commands.add_parser("synth", help="write the CloudFormation templates")
    synth.add_argument("--out", required=True, type=Path, help="folder for the cloud assembly")
    synth.add_argument("--code", type=Path, help=f"the Lambda bundle (default {DEFAULT_BUNDLE} "
                                                 "if built, else a placeholder)")
    synth.add_argument("--sender-domain", default=os.environ.get("FSP_SENDER_DOMAIN", "example.com"))
    synth.add_argument("--alarm-email", default=os.environ.get("FSP_ALARM_EMAIL"))
    package = commands.add_parser("package", help="build the Lambda bundle")
    package.add_argument("--out", type=Path, default=DEFAULT_BUNDLE)
    package.add_argument("--architecture", choices=["x86_64", "arm64"], default="x86_64")
    args = parser.parse_args(argv)

    if args.command is None:
        return _run_for_cdk_cli()
    if args.command == "package":
        bundle = build_bundle(args.out, architecture=args.architecture)
        print(f"Lambda bundle written to {bundle}")
        return 0
    code_folder = args.code or (DEFAULT_BUNDLE if (DEFAULT_BUNDLE / "sync").is_dir() else None)
    placeholder = None
    if code_folder is None:
        code_folder = placeholder = placeholder_bundle()
        print("No Lambda bundle: the templates reference a placeholder; run "
              "`python -m cloud package` before deploying.", file=sys.stderr)
    # Synthesis needs no account, but some tools read these; never real credentials.
    os.environ.setdefault("CDK_DEFAULT_ACCOUNT", "000000000000")
    os.environ.setdefault("CDK_DEFAULT_REGION", "us-east-1")
    try:
        templates = synthesize(args.out, code_folder=code_folder,
                               sender_domain=args.sender_domain, alarm_email=args.alarm_email)
    finally:
        if placeholder is not None:  # synthesis copied it into the assembly
            shutil.rmtree(placeholder, ignore_errors=True)
    for template in templates:
        print(template)
    return 0


if __name__ == "__main__":
    sys.exit(main())
