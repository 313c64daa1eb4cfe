"""The publishing workflow builds the site with the README's command and needs no secret."""

import re
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
WORKFLOW = REPO / ".github" / "workflows" / "pages.yml"


def readme_command(heading):
    text = (REPO / "README.md").read_text(encoding="utf-8")
    match = re.search(rf"^### {re.escape(heading)}\n.*?^```\n(.*?)\n```", text, re.M | re.S)
    assert match, f"README.md has no command under '### {heading}'"
    return match.group(1).strip()


def test_the_workflow_builds_with_the_readme_command_and_publishes_the_site():
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    steps = [step for job in workflow["jobs"].values() for step in job["steps"]]
    commands = [step["run"].strip() for step in steps if "run" in step]
    assert readme_command("Build the book") in commands
    uploads = [step for step in steps if step.get("uses", "").startswith("actions/upload-pages-artifact")]
    assert uploads and uploads[0]["with"]["path"] == "_build/html"
    assert any(step.get("uses", "").startswith("actions/deploy-pages") for step in steps)
    assert "secrets." not in WORKFLOW.read_text(encoding="utf-8")
