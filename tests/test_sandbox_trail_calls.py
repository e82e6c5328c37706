"""How the sandbox names the calls it records (pure: WSGI environs, no server)."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from urllib.parse import urlencode

from todotui.sandbox.trail import HIDDEN, Trail, recorded_call, redact

AUTH = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261202/{region}/{service}/aws4_request, ..."


def environ(service: str, method: str, path: str, body: bytes = b"", **headers: str) -> dict:
    env = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "HTTP_AUTHORIZATION": AUTH.format(region="us-west-2", service=service),
        "HTTP_USER_AGENT": "aws-cli/1.45",
        "REMOTE_ADDR": "127.0.0.1",
    }
    env.update({f"HTTP_{k.upper()}": v for k, v in headers.items()})
    if "content_type" in headers:
        env["CONTENT_TYPE"] = headers["content_type"]
    return env


def test_rest_calls_are_named_from_botocores_models_with_their_path_parameters():
    body = json.dumps({"MemorySize": 512}).encode()
    env = environ("lambda", "PUT", "/2015-03-31/functions/todo-handler/configuration", body)
    call = recorded_call(env)
    assert call is not None and call.operation == "UpdateFunctionConfiguration"
    assert (
        call.parameters["FunctionName"] == "todo-handler" and call.parameters["MemorySize"] == 512
    )
    assert env["wsgi.input"].read() == body  # still readable for moto
    stage = recorded_call(
        environ("apigateway", "PATCH", "/restapis/abc123/stages/prod", b'{"patchOperations": []}')
    )
    assert stage is not None and stage.operation == "UpdateStage"
    assert (stage.parameters["restApiId"], stage.parameters["stageName"]) == ("abc123", "prod")


def test_reads_and_data_events_are_not_recorded():
    assert recorded_call(environ("lambda", "GET", "/2015-03-31/functions/todo-handler")) is None
    put = environ(
        "monitoring", "POST", "/service/GraniteServiceVersion20100801/operation/PutMetricData"
    )
    assert recorded_call(put) is None
    item = environ("dynamodb", "POST", "/", b"{}", x_amz_target="DynamoDB_20120810.PutItem")
    assert recorded_call(item) is None
    table = environ(
        "dynamodb", "POST", "/", b'{"TableName": "t"}', x_amz_target="DynamoDB_20120810.UpdateTable"
    )
    call = recorded_call(table)
    assert call is not None and call.parameters == {"TableName": "t"}


def test_query_protocol_calls_read_their_action_from_the_form():
    body = urlencode({"Action": "CreateUser", "Version": "2010-05-08", "UserName": "x"}).encode()
    env = environ("iam", "POST", "/", body, content_type="application/x-www-form-urlencoded")
    call = recorded_call(env)
    assert call is not None and (call.operation, call.parameters) == (
        "CreateUser",
        {"UserName": "x"},
    )


def test_secrets_are_hidden_at_any_depth_and_keys_are_lower_camel_case():
    params = {
        "UserPoolId": "p",
        "AuthParameters": {"USERNAME": "u", "PASSWORD": "p"},
        "Nested": {"ClientSecret": "s", "Keep": [{"Password": "x"}]},
    }
    assert redact(params) == {
        "userPoolId": "p",
        "authParameters": HIDDEN,
        "nested": {"clientSecret": HIDDEN, "keep": [{"password": HIDDEN}]},
    }


def test_the_seeded_week_ends_before_now_and_includes_a_sign_in_without_mfa():
    now = datetime(2026, 12, 2, 6, 0, tzinfo=UTC)
    events = Trail(lambda: now).seeded_events(now)
    assert all(
        now.toordinal() - 7 <= e.event_time.toordinal() and e.event_time < now for e in events
    )
    no_mfa = [e for e in events if e.record.get("additionalEventData", {}).get("MFAUsed") == "No"]
    assert {e.username for e in no_mfa} == {"bob"}
    assert {e.event_name for e in events} >= {"CreateUser", "CreateAccessKey", "AttachUserPolicy"}
