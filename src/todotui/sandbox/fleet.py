"""A fleet in the sandbox: N more functions (each with a PROD alias) and some tables, tagged,
with a cheap per-member traffic model and incidents on a few members.

The Todo stack keeps its full closed-loop model; fleet members get only the series the
fleet view reads (by FunctionName / TableName). They are not sent as PutMetricData: the
backfill's 60 periods of a 100-function fleet are 37,000 datapoints, which kept the server
busy parsing requests for 10 s while the demo waited; like the stack's, they go straight into
moto's store in this process (`fast_metrics.moto_store`). Incidents are
fixed by member index, so tests know who should rank first.
"""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from todotui.sandbox import FLEET_TAG
from todotui.sandbox.model import Stat
from todotui.sandbox.provision import handler_zip, sandbox_client
from todotui.sandbox.simulator import Datum
from todotui.telemetry.catalogue import DYNAMODB, LAMBDA

FLEET_ROLE = "todotui-fleet-role"
PROVISION_WORKERS = 8

FUNCTION_INCIDENTS = (("errors", 7), ("throttles", 23), ("latency", 42))
"""(kind, member index): taken modulo the fleet's size; a smaller fleet has fewer."""
TABLE_INCIDENT = 3
"""The table index (modulo the table count) whose reads are throttled."""


def function_name(index: int) -> str:
    return f"fleet-fn-{index:03d}"


def table_name(index: int) -> str:
    return f"fleet-table-{index:02d}"


def default_tables(functions: int) -> int:
    """Tables for a fleet of `functions`: one for every five, at least one, at most 20."""
    return max(1, min(20, functions // 5))


def incidents(functions: int, tables: int) -> dict[str, str]:
    """Member name -> incident kind, for a fleet of this size."""
    out: dict[str, str] = {}
    for kind, index in FUNCTION_INCIDENTS:
        name = function_name(index % functions) if functions else None
        if name is not None and name not in out:
            out[name] = kind
    if tables:
        out[table_name(TABLE_INCIDENT % tables)] = "table-throttles"
    return out


@dataclass(frozen=True, slots=True)
class FleetSpec:
    functions: int
    tables: int
    alias: str = "PROD"

    @property
    def function_names(self) -> tuple[str, ...]:
        return tuple(function_name(i) for i in range(self.functions))

    @property
    def table_names(self) -> tuple[str, ...]:
        return tuple(table_name(i) for i in range(self.tables))


def provision_fleet(endpoint: str, region: str, spec: FleetSpec) -> None:
    """Create the fleet's functions (version 1, the alias on it) and tables, tagged, in
    parallel; members that exist already are left as they are. In the sandbox's own process
    the calls skip the socket (`in_process.py`), as the stack's provisioning does."""
    iam = sandbox_client("iam", endpoint, region, in_process=True)
    try:
        role = iam.get_role(RoleName=FLEET_ROLE)["Role"]["Arn"]
    except ClientError:
        role = iam.create_role(
            RoleName=FLEET_ROLE,
            AssumeRolePolicyDocument=(
                '{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
                '"Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
            ),
        )["Role"]["Arn"]
    lam = sandbox_client("lambda", endpoint, region, in_process=True)
    ddb = sandbox_client("dynamodb", endpoint, region, in_process=True)
    package = handler_zip()
    key, value = FLEET_TAG

    def make_function(name: str) -> None:
        try:
            lam.create_function(
                FunctionName=name,
                Runtime="python3.12",
                Role=role,
                Handler="app.handler",
                Code={"ZipFile": package},
                Description="sandbox fleet member",
                MemorySize=128,
                Timeout=30,
                Tags={key: value},
                Publish=True,
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ResourceConflictException":
                raise
            return
        lam.create_alias(FunctionName=name, Name=spec.alias, FunctionVersion="1")

    def make_table(name: str) -> None:
        try:
            ddb.create_table(
                TableName=name,
                AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                BillingMode="PROVISIONED",
                ProvisionedThroughput={"ReadCapacityUnits": 10, "WriteCapacityUnits": 5},
                Tags=[{"Key": key, "Value": value}],
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ResourceInUseException":
                raise

    with ThreadPoolExecutor(PROVISION_WORKERS, thread_name_prefix="fleet") as pool:
        jobs = [pool.submit(make_function, n) for n in spec.function_names]
        jobs += [pool.submit(make_table, n) for n in spec.table_names]
        for job in jobs:
            job.result()


class FleetTraffic:
    """Each member's requests a period from its own steady rate, noise and, for a few,
    an incident; the datapoints AWS would publish for them (by FunctionName / TableName)."""

    def __init__(self, spec: FleetSpec, *, seed: int = 0) -> None:
        self.spec = spec
        self.incidents = incidents(spec.functions, spec.tables)
        self._rng = random.Random(f"{seed}/fleet")
        self._rates = {
            name: 20 + (i * 37) % 180 for i, name in enumerate(spec.function_names)
        }  # requests a minute
        self._latency = {name: 60 + (i * 53) % 400 for i, name in enumerate(spec.function_names)}

    def metric_data(self, at: datetime, period: float) -> list[Datum]:
        del at  # the model is steady: every period looks alike but for its noise
        rng, out = self._rng, []
        minutes = period / 60
        for name in self.spec.function_names:
            incident = self.incidents.get(name)
            dims = (("FunctionName", name),)
            asked = max(1, round(self._rates[name] * minutes * rng.uniform(0.8, 1.2)))
            throttled = round(asked * 0.4) if incident == "throttles" else 0
            served = asked - throttled
            error_share = 0.15 if incident == "errors" else 0.002
            errors = sum(1 for _ in range(served) if rng.random() < error_share)
            base = self._latency[name] * (30 if incident == "latency" else 1)
            durations = [base * rng.uniform(0.6, 1.6) for _ in range(min(served, 20))]
            mean = sum(durations) / len(durations)
            concurrency = max(1.0, served / max(period, 1) * mean / 1000)
            out += [
                Datum(LAMBDA, "Invocations", dims, Stat(served, served, 1, 1)),
                Datum(LAMBDA, "Errors", dims, Stat.of_counts(errors, served)),
                Datum(LAMBDA, "Throttles", dims, Stat.of_counts(throttled, asked)),
                Datum(
                    LAMBDA,
                    "Duration",
                    dims,
                    Stat(served, mean * served, min(durations), max(durations)),
                ),
                Datum(
                    LAMBDA,
                    "ConcurrentExecutions",
                    dims,
                    Stat(1, concurrency, concurrency, concurrency),
                ),
            ]
        for name in self.spec.table_names:
            dims = (("TableName", name),)
            throttled = self.incidents.get(name) == "table-throttles"
            reads = (12.0 if throttled else rng.uniform(1, 4)) * period  # units a period
            writes = rng.uniform(0.5, 2) * period
            read_throttles = round(rng.uniform(20, 40) * period / 60) if throttled else 0
            out += [
                Datum(DYNAMODB, "ConsumedReadCapacityUnits", dims, Stat(1, reads, reads, reads)),
                Datum(
                    DYNAMODB, "ConsumedWriteCapacityUnits", dims, Stat(1, writes, writes, writes)
                ),
                Datum(DYNAMODB, "ProvisionedReadCapacityUnits", dims, Stat(1, 10, 10, 10)),
                Datum(DYNAMODB, "ProvisionedWriteCapacityUnits", dims, Stat(1, 5, 5, 5)),
                Datum(
                    DYNAMODB,
                    "ReadThrottleEvents",
                    dims,
                    Stat(1, read_throttles, read_throttles, read_throttles),
                ),
                Datum(DYNAMODB, "WriteThrottleEvents", dims, Stat(1, 0, 0, 0)),
            ]
        return out


def describe(spec: FleetSpec) -> dict[str, Any]:
    """For the sandbox's status: the fleet's size, tag and who has an incident."""
    return {
        "functions": spec.functions,
        "tables": spec.tables,
        "tag": "=".join(FLEET_TAG),
        "incidents": incidents(spec.functions, spec.tables),
    }
