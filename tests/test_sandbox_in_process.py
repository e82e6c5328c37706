"""The sandbox's own calls answered in its process: the same app, middleware and backends as
HTTP, with no socket. Runs the sandbox's server in this test process, as the runner does."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from todotui.sandbox.control import ControlApi
from todotui.sandbox.gaps import GapFiller
from todotui.sandbox.in_process import serve_in_process, stop_in_process
from todotui.sandbox.provision import sandbox_client
from todotui.sandbox.server import SandboxServer, moto_app

pytestmark = pytest.mark.sandbox


@pytest.fixture
def served() -> Iterator[tuple[SandboxServer, str]]:
    gaps = GapFiller(moto_app())
    control = ControlApi(gaps)
    server = SandboxServer(control)
    server.start()
    endpoint = server.endpoint
    gaps.connect(endpoint)
    serve_in_process(endpoint, control)
    try:
        yield server, endpoint
    finally:
        stop_in_process(endpoint)
        server.stop()


def test_an_in_process_write_is_what_http_clients_see_and_cloudtrail_records(served):
    _, endpoint = served
    local = sandbox_client("sqs", endpoint, in_process=True)
    url = local.create_queue(QueueName="in-process-queue")["QueueUrl"]
    assert url.startswith(endpoint)  # moto built it from the same Host as over HTTP
    remote = sandbox_client("sqs", endpoint)
    assert url in remote.list_queues()["QueueUrls"]
    events = sandbox_client("cloudtrail", endpoint).lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "CreateQueue"}]
    )["Events"]
    assert len(events) == 1  # through the gap filler's recorder, as an HTTP call would be


def test_aws_refusals_come_back_in_aws_words(served):
    _, endpoint = served
    local = sandbox_client("dynamodb", endpoint, in_process=True)
    with pytest.raises(ClientError) as refused:
        local.describe_table(TableName="no-such-table")
    assert refused.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_the_in_process_client_needs_no_socket(served):
    server, endpoint = served
    local = sandbox_client("sns", endpoint, in_process=True)
    remote = sandbox_client("sns", endpoint, attempts=1, connect_timeout=1)
    server.stop()  # nothing listens any more
    assert local.create_topic(Name="still-answered")["TopicArn"].endswith(":still-answered")
    with pytest.raises(EndpointConnectionError):
        remote.list_topics()


def test_without_a_served_app_in_process_clients_use_http(served):
    _, endpoint = served
    stop_in_process(endpoint)
    client = sandbox_client("sqs", endpoint, in_process=True)
    client.create_queue(QueueName="over-http")
    assert any(q.endswith("/over-http") for q in client.list_queues()["QueueUrls"])
