"""The sandbox process parses each service model once, shared by its clients and moto,
except where moto amends a model (SQS), whose clients must keep botocore's own."""

from __future__ import annotations

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
