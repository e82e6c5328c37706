"""The sandbox process parses each service model once, shared by its clients and moto,
except where moto amends a model (SQS), whose clients must keep botocore's own."""

from __future__ import annotations

import subprocess
import sys

from moto.core import utils

from todotui.sandbox import sdk
from todotui.sandbox.provision import sandbox_client


def test_moto_and_the_sandbox_clients_share_one_parse_but_not_motos_amendments(monkeypatch):
    monkeypatch.setattr(utils, "_load_service_model", utils._load_service_model)  # restored after
    utils.get_service_model.cache_clear()
    sdk.share_models_with_moto()
    try:
        client = sandbox_client("lambda", "http://127.0.0.1:9")  # never called: no request sent
        ours = client.meta.service_model._service_description
        assert utils.get_service_model("lambda")._service_description is ours

        sqs = sandbox_client("sqs", "http://127.0.0.1:9")
        moto_sqs = utils.get_service_model("sqs")
        assert moto_sqs._service_description is not sqs.meta.service_model._service_description
        assert moto_sqs.metadata["protocols"] == ["json", "query"]  # moto's amendment...
        assert sqs.meta.service_model.protocol == "json"  # ...is not the client's
    finally:
        utils.get_service_model.cache_clear()


DEFERRED_VALIDATOR = """
import sys
from todotui.sandbox.sdk import defer_openapi_validator
defer_openapi_validator()
import moto.apigateway.models as apigateway
loaded_at_import = "openapi_spec_validator.shortcuts" in sys.modules
bad = {"openapi": "3.0.0", "info": {"title": "t", "version": "1"},
       "paths": {"/x": {"get": {"responses": "not an object"}}}}
try:
    apigateway.validate(bad)
    refused = False
except apigateway.OpenAPIValidationError:
    refused = True
apigateway.validate({"openapi": "3.0.0", "info": {"title": "t", "version": "1"}, "paths": {}})
print(loaded_at_import, refused, "openapi_spec_validator.shortcuts" in sys.modules)
"""


def test_moto_api_gateway_loads_its_openapi_validator_only_when_it_validates():
    """The sandbox starts without the validator's 170 ms import; a document moto does
    validate is still refused with the validator's own error (the class moto catches)."""
    out = subprocess.run(
        [sys.executable, "-c", DEFERRED_VALIDATOR], capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["False", "True", "True"]
