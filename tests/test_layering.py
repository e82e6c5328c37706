"""The shape of the code, as it runs: no import cycles, and the layers import what they may.

`lint-imports` checks the contracts in pyproject.toml statically; these tests check what a
user would hit: a cycle makes a module's import order matter, and Textual loaded by the
core would make every headless verb pay for (and depend on) the UI.
"""

from __future__ import annotations

import graphlib
import subprocess
import sys

import grimp
import pytest


def test_no_module_imports_itself_back():
    graph = grimp.build_graph("todotui", exclude_type_checking_imports=True)
    sorter = graphlib.TopologicalSorter(
        {module: graph.find_modules_directly_imported_by(module) for module in graph.modules}
    )
    try:
        sorter.prepare()
    except graphlib.CycleError as exc:
        pytest.fail("import cycle: " + " -> ".join(exc.args[1]))


def loaded_after_import(module: str) -> set[str]:
    """Top-level packages in sys.modules after importing `module` in a fresh interpreter."""
    code = (
        f"import sys, {module}; print(' '.join(sorted({{m.split('.')[0] for m in sys.modules}})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


@pytest.mark.parametrize(
    "module",
    [
        "todotui.core.cockpit",
        "todotui.actions.runner",
        "todotui.sandbox.simulator",
        "todotui.cli",
        "todotui.headless",
    ],
)
def test_below_the_ui_nothing_loads_textual(module):
    assert not {"textual", "rich"} & loaded_after_import(module)


@pytest.mark.parametrize(
    "module",
    [
        "todotui.telemetry.panes",
        "todotui.alerts.alarms",
        "todotui.alerts.logs",
        "todotui.rollout.controller",
        "todotui.rollout.drift",
    ],
)
def test_the_pure_layers_load_no_aws_sdk(module):
    assert not {"aiobotocore", "botocore", "boto3"} & loaded_after_import(module)
