"""The sandbox process parses each service model once, shared by its clients and moto,
except where moto amends a model (SQS), whose clients must keep botocore's own."""

from __future__ import annotations

import subprocess
import sys

from moto.core import utils
from moto.core.base_backend import AccountSpecificBackend

from todotui.sandbox import sdk
from todotui.sandbox.provision import sandbox_client


def test_moto_and_the_sandbox_clients_share_one_parse_but_not_motos_amendments(monkeypatch):
    monkeypatch.setattr(utils, "_load_service_model", utils._load_service_model)  # restored after
    monkeypatch.setattr(
        AccountSpecificBackend, "get_session", AccountSpecificBackend.__dict__["get_session"]
    )
    utils.get_service_model.cache_clear()
    sdk.share_models_with_moto()
    try:
        assert AccountSpecificBackend.get_session() is sdk.shared_session()  # moto's regions
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


URLS_ON_DEMAND = """
from werkzeug.routing import Map, Rule
from todotui.sandbox.sdk import build_urls_on_demand

def routes():
    return Map([Rule("/functions/<name>/aliases/<path:alias>", endpoint="alias")]).bind("x")

eager = routes().build("alias", {"name": "todo api", "alias": "live/1", "q": "1"})
build_urls_on_demand()
lazy = routes()
rule = next(lazy.map.iter_rules())
before = rule._build.__name__
built = lazy.build("alias", {"name": "todo api", "alias": "live/1", "q": "1"})
print(eager == built, before, rule._build_unknown.__name__ != "build", built)
"""


def test_routes_compile_their_url_builders_when_they_first_build_a_url():
    """moto's routes are added without werkzeug's builders; a URL built later is the same."""
    out = subprocess.run(
        [sys.executable, "-c", URLS_ON_DEMAND], capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == [
        "True",
        "build",
        "True",
        "/functions/todo%20api/aliases/live/1?q=1",
    ]
