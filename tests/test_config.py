import re
import tomllib
from pathlib import Path

import pytest

from todotui.cli import main
from todotui.config import ConfigError, Settings, load_settings
from todotui.stack_names import StackNames, read_sandbox_target


def test_defaults_are_the_runbooks_names():
    settings = Settings()
    assert settings.stack.function_name == "todo-handler"
    assert settings.stack.table_name == "todos-table"
    assert settings.stack.error_alarm == "todo-lambda-error-rate-dev"
    assert settings.thresholds.duration_crit_ms == 8000


def test_file_overrides_names(tmp_path: Path):
    path = tmp_path / "c.toml"
    path.write_text('[stack]\nfunction_name = "orders-fn"\n[cadence]\nrefresh_seconds = 2\n')
    settings = load_settings(path)
    assert settings.stack.function_name == "orders-fn"
    assert settings.stack.table_name == "todos-table"
    assert settings.cadence.refresh_seconds == 2


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("[stack]\nfuncton_name = 'x'\n", "stack.funct"),
        ("[cadence]\nrefresh_seconds = 'fast'\n", "cadence.refresh_seconds"),
        ("[thresholds]\nerror_rate_warn_pct = 9\nerror_rate_crit_pct = 5\n", "must not exceed"),
        ("[stack\n", "not valid TOML"),
    ],
)
def test_malformed_config_names_the_key(tmp_path: Path, text, fragment):
    path = tmp_path / "c.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=fragment):
        load_settings(path)


def test_cli_config_error_is_one_line_and_status_2(tmp_path: Path, capsys):
    path = tmp_path / "c.toml"
    path.write_text("[cadence]\nrefresh_seconds = -1\n")
    assert main(["--config", str(path), "config"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("todotui: ") and "cadence.refresh_seconds" in err
    assert "Traceback" not in err


def test_cli_config_prints_resolved_values(capsys):
    assert main(["--region", "eu-west-1", "config"]) == 0
    out = capsys.readouterr().out
    assert 'region = "eu-west-1"' in out
    assert 'function_name = "todo-handler"' in out


def test_a_profile_listed_as_read_only_makes_the_session_read_only(tmp_path: Path):
    path = tmp_path / "c.toml"
    path.write_text('[aws]\nread_only_profiles = ["prod"]\n')
    settings = load_settings(path)
    assert not settings.aws.effective_read_only
    assert settings.with_overrides(aws={"profile": "prod"}).aws.effective_read_only
    assert not settings.with_overrides(aws={"profile": "staging"}).aws.effective_read_only


def _printed_config(capsys, argv: list[str]) -> str:
    assert main([*argv, "config"]) == 0
    return capsys.readouterr().out


def test_config_prints_toml_that_loads_back_to_the_defaults(tmp_path: Path, capsys):
    text = _printed_config(capsys, [])
    assert text.startswith("# settings file: ")
    assert "# profile = (not set)" in text and "read_only_profiles = []" in text
    tomllib.loads(text)  # valid TOML, header and unset values included
    pasted = tmp_path / "pasted.toml"
    pasted.write_text(text, encoding="utf-8")
    assert load_settings(pasted) == Settings()


def test_config_prints_toml_that_round_trips_custom_names(tmp_path: Path, capsys):
    path = tmp_path / "custom.toml"
    path.write_text(
        "[stack]\n"
        'function_name = "orders-fn"\n'
        "table_name = 'quote\" back\\\\slash ünï tab\t'\n"
        "[cadence]\nrefresh_seconds = 2\nperiod_seconds = 300\n"
        "[thresholds]\nduration_crit_ms = 1e4\n"
        '[aws]\nprofile = "ops"\nregion = "eu-west-1"\nread_only_profiles = ["ops", "audit"]\n',
        encoding="utf-8",
    )
    expected = load_settings(path)
    assert expected.stack.table_name == 'quote" back\\\\slash ünï tab\t'
    text = _printed_config(capsys, ["--config", str(path)])
    assert 'read_only_profiles = ["ops", "audit"]' in text
    assert "# endpoint_url = (not set)" in text
    pasted = tmp_path / "pasted.toml"
    pasted.write_text(text, encoding="utf-8")
    assert load_settings(pasted) == expected


# -- what the sandbox reads without the settings model --------------------------------------


def test_the_sandbox_reads_stack_names_and_region_from_a_file_of_only_those(tmp_path):
    path = tmp_path / "stack.toml"
    path.write_text(
        '[stack]\nfunction_name = "orders-fn"\nalias = "LIVE"\n[aws]\nregion = "eu-west-1"\n'
    )
    names, region = read_sandbox_target(path)
    assert (names.function_name, names.alias, names.table_name) == (
        "orders-fn",
        "LIVE",
        "todos-table",
    )
    assert region == "eu-west-1"
    assert names == load_settings(path).stack  # the same names the full model reads


def test_the_sandbox_leaves_any_other_settings_file_to_the_full_model(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text('[stack]\nfunction_name = "orders-fn"\n[thresholds]\nerror_rate_warn_pct = 2\n')
    assert read_sandbox_target(path) is None
    path.write_text('[aws]\nregion = "eu-west-1"\nprofile = "ops"\n')
    assert read_sandbox_target(path) is None
    assert read_sandbox_target(tmp_path / "absent.toml") == (StackNames(), None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[stack]\nfunction_nmae = "x"\n', "stack.function_nmae: not a setting"),
        ("[stack]\nalias = 3\n", "stack.alias: should be a string"),
        ("[aws]\nregion = true\n", "aws.region: should be a string"),
        ("[stack\n", "not valid TOML"),
    ],
)
def test_the_sandboxs_reading_refuses_a_bad_file_naming_the_key(tmp_path, text, expected):
    path = tmp_path / "stack.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=re.escape(expected)):
        read_sandbox_target(path)
