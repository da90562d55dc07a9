"""``python -m cloud synth --out DIR`` works without AWS credentials, and cfn-lint passes."""

from __future__ import annotations

import pytest

from tests.cloud.conftest import STACKS


def test_synth_writes_every_stack_without_validation_warnings(synthesized):
    for path in synthesized.paths.values():
        assert path.is_file() and path.stat().st_size > 0
    # aws-cdk-lib validates templates itself and reports what CloudFormation would refuse.
    assert "Template validation found issues" not in synthesized.stderr, synthesized.stderr


@pytest.mark.parametrize("name", list(STACKS))
def test_template_passes_cfn_lint(synthesized, name):
    from cfnlint.api import ManualArgs, lint_file

    # Errors fail; warnings do not: W3005 (a DependsOn already implied by a GetAtt) is how
    # aws-cdk-lib writes every Lambda's role.
    matches = lint_file(synthesized.paths[name], config=ManualArgs(regions=["us-east-1"]))
    errors = [f"{m.rule.id} {m.message} (line {m.linenumber})"
              for m in matches if m.rule.severity == "error"]
    assert errors == []
