"""Answer the AWS calls that moto gets wrong or lacks, as AWS would (AWS_FACTS: moto's gaps).

- Lambda provisioned concurrency (put, get, delete, list): moto answers 404. Here configs are
  kept per function and qualifier, `$LATEST` and unknown versions or aliases are refused with
  AWS's errors, and allocation goes IN_PROGRESS -> READY over a minute of simulated time.
- Lambda GetAccountSettings: moto answers 404. Here the default 1,000 concurrent executions,
  less what the account's functions reserve.
- Lambda aliases: moto gives an alias one RevisionId for life and never checks it. Here every
  CreateAlias/UpdateAlias gives it a new one, each alias answer (Get, List, Create, Update)
  carries it, and an UpdateAlias with a stale RevisionId is refused (412). Routing is checked
  as AWS checks it (moto stores anything): one additional version at most, a weight from 0.0
  to 1.0, a published version that exists and is not the primary, never $LATEST.
- Lambda PublishVersion: moto ignores CodeSha256. Here a CodeSha256 that is not $LATEST's is
  refused, so the version published is the code that was reviewed.
- CloudWatch Logs FilterLogEvents: moto matches one term or one quoted phrase and every event
  for anything else (`?ERROR ?"Task timed out"`, JSON patterns). Here the pattern is matched
  as AWS matches it (`filter_patterns`), and one it cannot parse is refused with AWS's error.
- CloudWatch Logs Insights (StartQuery, GetQueryResults, StopQuery, DescribeQueries): moto
  returns every line, with no `@duration`, whatever the query. Here the query is parsed and
  evaluated as AWS does (`insights`, `insights_api`): fields Lambda's REPORT lines and JSON
  messages carry, `filter`, `sort`, `limit`, `stats ... by bin()`; anything outside that
  subset is refused with MalformedQueryException, never answered with wrong rows.
- DynamoDB UpdateTable: moto accepts throughput on a PAY_PER_REQUEST table and "changes" that
  equal the current capacity; AWS refuses both.
- API Gateway UpdateStage: moto accepts any patch path and ignores unknown ones (the runbook's
  `/caching/enabled`); AWS refuses them. Valid paths go on to moto.
- Cost Explorer GetCostAndUsage: moto answers nothing unless seeded. Here costs come from
  the simulated usage at public prices (`costs.py`).
- CloudTrail LookupEvents: moto answers 500. Here every write the sandbox serves is recorded
  on the way through (`__call__`), with a week of seeded history (`trail.py`).
- X-Ray GetTraceSummaries and BatchGetTraces: moto answers 500 for any filter expression,
  counts `"fault": false` as a fault, gives durations in whole seconds and leaves out Http,
  Annotations and paging. Here both are answered from moto's stored segment documents, with
  the filter expressions the cockpit uses and refusals for the rest (`traces`).

Where the sandbox cannot be faithful it answers an error, never silently wrong data. Lookups
(does this version exist?) go through the sandbox's own AWS API, as any client's would.
"""

from __future__ import annotations

import io
import json
import re
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, unquote

from botocore.exceptions import ClientError
from werkzeug.wrappers import Response

from todotui.sandbox import SANDBOX_REGION, traces
from todotui.sandbox.costs import CostError, CostExplorer
from todotui.sandbox.filter_patterns import InvalidFilterPattern, compile_pattern
from todotui.sandbox.insights_api import TARGETS as INSIGHTS_TARGETS
from todotui.sandbox.insights_api import InsightsApi, InsightsError
from todotui.sandbox.trail import Trail, TrailError, recorded_call

PROVISIONING_TIME = timedelta(seconds=60)
"""How long, in simulated time, provisioned concurrency takes to go from IN_PROGRESS to READY."""

_PC_PATH = re.compile(r"^/2019-09-30/functions/(?P<function>[^/]+)/provisioned-concurrency/?$")
_ACCOUNT_SETTINGS_PATH = re.compile(r"^/2016-08-19/account-settings/?$")
_ALIAS_PATH = re.compile(r"^/2015-03-31/functions/(?P<function>[^/]+)/aliases/(?P<alias>[^/]+)/?$")
_ALIASES_PATH = re.compile(r"^/2015-03-31/functions/(?P<function>[^/]+)/aliases/?$")
_VERSIONS_PATH = re.compile(r"^/2015-03-31/functions/(?P<function>[^/]+)/versions/?$")
_STALE_REVISION = (
    "The Revision Id provided does not match the latest Revision Id. "
    "Call the GetAlias API to retrieve the latest Revision Id"
)
_WEIGHT_CONSTRAINT = (
    "Map value must satisfy constraint: [Member must have value less than or equal to 1.0, "
    "Member must have value greater than or equal to 0.0, Member must not be null]"
)
_VERSION_KEY_CONSTRAINT = (
    "Map keys must satisfy constraint: [Member must have length less than or equal to 1024, "
    "Member must have length greater than or equal to 1, Member must satisfy regular "
    "expression pattern: [0-9]+, Member must not be null]"
)
ACCOUNT_CONCURRENCY = 1000
"""Lambda's default concurrency limit per account and region."""
_STAGE_PATH = re.compile(r"^/restapis/(?P<api>[^/]+)/stages/(?P<stage>[^/]+)/?$")
_XRAY_PATHS = {
    "/TraceSummaries": traces.get_trace_summaries,
    "/Traces": traces.batch_get_traces,
}
_CREDENTIAL_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/(?P<region>[^/]+)/(?P<service>[^/]+)/")

# Stage patch paths AWS accepts (API Gateway's UpdateStage reference); anything else is refused.
_STAGE_PATHS = (
    "/deploymentId",
    "/description",
    "/cacheClusterEnabled",
    "/cacheClusterSize",
    "/clientCertificateId",
    "/accessLogSettings",
    "/accessLogSettings/destinationArn",
    "/accessLogSettings/format",
    "/tracingEnabled",
    "/variables/{variable_name}",
)
_METHOD_SETTINGS = (
    "metrics/enabled",
    "logging/dataTrace",
    "logging/loglevel",
    "throttling/burstLimit",
    "throttling/rateLimit",
    "caching/ttlInSeconds",
    "caching/enabled",
    "caching/dataEncrypted",
    "caching/requireAuthorizationForCacheControl",
    "caching/unauthorizedCacheControlHeaderStrategy",
)
_METHOD_SETTING_PATH = re.compile(
    r"^/[^/]+/[^/]+/(?:" + "|".join(re.escape(s) for s in _METHOD_SETTINGS) + r")$"
)


class AwsError(Exception):
    """An error answered in the calling service's own wire format."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass(slots=True)
class _Allocation:
    """One provisioned concurrency config: what was asked, when, and from what it ramps."""

    qualified_arn: str
    requested: int
    previous: int
    requested_at: datetime

    def progress(self, now: datetime) -> float:
        elapsed = (now - self.requested_at) / PROVISIONING_TIME
        return min(max(elapsed, 0.0), 1.0)

    def allocated(self, now: datetime) -> int:
        share = self.progress(now)
        return round(self.previous + (self.requested - self.previous) * share)

    def describe(self, now: datetime) -> dict[str, Any]:
        ready = self.progress(now) >= 1.0
        allocated = self.allocated(now)
        return {
            "RequestedProvisionedConcurrentExecutions": self.requested,
            "AvailableProvisionedConcurrentExecutions": allocated,
            "AllocatedProvisionedConcurrentExecutions": allocated,
            "Status": "READY" if ready else "IN_PROGRESS",
            "LastModified": self.requested_at.strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
        }


def _wall_clock() -> datetime:
    return datetime.now(UTC)


class GapFiller:
    """WSGI middleware in front of moto that answers the calls listed in the module docstring."""

    def __init__(self, app: Any, clock: Callable[[], datetime] = _wall_clock) -> None:
        self.app = app
        self.clock = clock
        """Simulated time; the runner points it at the simulator's clock."""
        self._endpoint: str | None = None
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()
        self._allocations: dict[tuple[str, str, str], _Allocation] = {}
        self._revisions: dict[tuple[str, str, str], str] = {}
        """(region, function name, alias name) -> the alias's RevisionId."""
        self._alias_writes = threading.Lock()
        """Held from an alias write's revision check until its new revision is set."""
        self._insights = InsightsApi(self._client, lambda: self.clock())
        self._trail: Trail | None = None
        self._costs: CostExplorer | None = None

    def provisioned_state(self) -> dict[str, Any]:
        """What provisioning left here, for `snapshot.save`: alias revisions, provisioned
        concurrency configs, the event history."""
        with self._lock:
            return {
                "allocations": dict(self._allocations),
                "revisions": dict(self._revisions),
                "trail": self.trail.saved_state(),
            }

    def restore_provisioned(self, state: dict[str, Any], *, moved_by: timedelta) -> None:
        """Put back `provisioned_state`'s, its times `moved_by` later (to this start)."""
        with self._lock:
            self._allocations = {
                key: replace(config, requested_at=config.requested_at + moved_by)
                for key, config in state["allocations"].items()
            }
            self._revisions = dict(state["revisions"])
        self.trail.restore_state(state["trail"], moved_by=moved_by)

    def connect(self, endpoint: str) -> None:
        """Where the sandbox's own AWS API listens (lookups go through it)."""
        self._endpoint = endpoint

    @property
    def trail(self) -> Trail:
        """CloudTrail's event history of the calls served here (`trail.py`)."""
        if self._trail is None:
            self._trail = Trail(lambda: self.clock(), key_owner=self._access_key_owner)
        return self._trail

    @property
    def costs(self) -> CostExplorer:
        """Cost Explorer over the simulated usage (`costs.py`); the runner feeds it."""
        if self._costs is None:
            self._costs = CostExplorer(
                lambda: self.clock(), region=SANDBOX_REGION, alarms=self._alarm_counts
            )
        return self._costs

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        """CloudTrail and Cost Explorer answered here; every other call served, and recorded
        in the event history when it is a write (`trail.py`)."""
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if target == "AWSInsightsIndexService.GetCostAndUsage":
            return self._cost_and_usage(environ)(environ, start_response)
        if target.endswith("CloudTrail_20131101.LookupEvents"):
            return self._lookup_events(environ)(environ, start_response)
        call = recorded_call(environ)
        if call is None:
            return self._serve(environ, start_response)
        status, headers, body = _captured(self._serve, environ)
        self.trail.observe(call, status, headers, body)
        start_response(_status_line(status), headers)
        return [body]

    def _serve(self, environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        scope = _CREDENTIAL_SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
        region = scope["region"] if scope else SANDBOX_REGION
        service = scope["service"] if scope else ""
        try:
            if service == "lambda" and method == "GET" and _ACCOUNT_SETTINGS_PATH.match(path):
                return self._account_settings(region)(environ, start_response)
            if service == "lambda" and (match := _PC_PATH.match(path)):
                return self._provisioned_concurrency(
                    environ, start_response, method, unquote(match["function"]), region
                )
            if service == "lambda" and (match := _ALIAS_PATH.match(path)):
                function, alias = _function_name(match["function"]), unquote(match["alias"])
                return self._alias(environ, method, function, alias, region)(
                    environ, start_response
                )
            if service == "lambda" and (match := _ALIASES_PATH.match(path)):
                function = _function_name(match["function"])
                return self._aliases(environ, method, function, region)(environ, start_response)
            if service == "lambda" and method == "POST" and (match := _VERSIONS_PATH.match(path)):
                self._check_publish_version(_json_body(environ), match["function"], region)
            if service == "xray" and method == "POST" and path in _XRAY_PATHS:
                return self._xray(environ, path)(environ, start_response)
            target = environ.get("HTTP_X_AMZ_TARGET", "")
            if target == "Logs_20140328.FilterLogEvents":
                return self._filter_log_events(environ)(environ, start_response)
            if target in INSIGHTS_TARGETS:
                answer = self._insights.answer(target, _json_body(environ), region)
                return Response(
                    json.dumps(answer),
                    status=200,
                    mimetype="application/x-amz-json-1.1",
                    headers={"x-amzn-RequestId": str(uuid.uuid4())},
                )(environ, start_response)
            if target == "DynamoDB_20120810.UpdateTable":
                self._check_update_table(_json_body(environ), region)
            elif service == "apigateway" and method == "PATCH" and _STAGE_PATH.match(path):
                self._check_stage_patch(_json_body(environ))
        except InsightsError as refused:
            body = {"__type": refused.code, "message": refused.message, **refused.extra}
            return Response(
                json.dumps(body),
                status=refused.status,
                mimetype="application/x-amz-json-1.1",
                headers={"x-amzn-RequestId": str(uuid.uuid4())},
            )(environ, start_response)
        except traces.XRayRefusal as refused:
            error = AwsError(400, refused.code, refused.message)
            return _error_response(error, service, target_header=None)(environ, start_response)
        except InvalidFilterPattern as refused:
            error = AwsError(400, "InvalidParameterException", refused.message)
            return _error_response(error, service, target_header=environ.get("HTTP_X_AMZ_TARGET"))(
                environ, start_response
            )
        except AwsError as error:
            return _error_response(error, service, target_header=environ.get("HTTP_X_AMZ_TARGET"))(
                environ, start_response
            )
        return self.app(environ, start_response)

    # -- plumbing -----------------------------------------------------------------------------

    def _client(self, service: str, region: str) -> Any:
        from todotui.sandbox.provision import sandbox_client

        if self._endpoint is None:
            raise AwsError(503, "ServiceUnavailableException", "the sandbox is still starting")
        key = (service, region)
        with self._lock:
            if key not in self._clients:
                self._clients[key] = sandbox_client(service, self._endpoint, region)
            return self._clients[key]

    def _forward(self, environ: dict[str, Any]) -> tuple[int, list[tuple[str, str]], bytes]:
        """moto's answer to the request: status, headers and body (to be rewritten)."""
        captured: dict[str, Any] = {}
        chunks: list[bytes] = []

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Any:
            captured["status"], captured["headers"] = status, headers
            return chunks.append

        result: Iterable[bytes] = self.app(environ, start_response)
        try:
            chunks.extend(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        return int(str(captured["status"]).split(" ", 1)[0]), captured["headers"], b"".join(chunks)

    # -- Lambda aliases: revision ids and routing ------------------------------------------------

    def _alias(
        self, environ: dict[str, Any], method: str, function: str, name: str, region: str
    ) -> Response:
        """GetAlias, UpdateAlias, DeleteAlias on one alias."""
        key = (region, function, name)
        if method == "PUT":
            return self._update_alias(environ, function, name, region)
        status, headers, raw = self._forward(environ)
        if not 200 <= status < 300:
            return _passed_on(status, headers, raw)
        if method == "DELETE":
            with self._lock:
                self._revisions.pop(key, None)
            return Response(status=204, headers=_kept_headers(headers))
        if method == "GET":
            return _rewritten(self._alias_out(json.loads(raw), function, region), 200, headers)
        return _passed_on(status, headers, raw)

    def _aliases(
        self, environ: dict[str, Any], method: str, function: str, region: str
    ) -> Response:
        """ListAliases (GET) and CreateAlias (POST)."""
        if method == "GET":
            status, headers, raw = self._forward(environ)
            if not 200 <= status < 300:
                return _passed_on(status, headers, raw)
            answer = json.loads(raw)
            answer["Aliases"] = [
                self._alias_out(a, function, region) for a in answer.get("Aliases", [])
            ]
            return _rewritten(answer, 200, headers)
        if method != "POST":
            return _passed_on(*self._forward(environ))
        body = _json_body(environ)
        with self._alias_writes:
            weights = _routing_weights(body)
            if weights is not None:
                primary = str(body.get("FunctionVersion", ""))
                self._check_routing(function, primary, weights, region)
            status, headers, raw = self._forward(environ)
            if not 200 <= status < 300:
                return _passed_on(status, headers, raw)
            created = json.loads(raw)
            self._new_revision((region, function, str(created.get("Name", ""))))
        return _rewritten(self._alias_out(created, function, region), 201, headers)

    def _update_alias(
        self, environ: dict[str, Any], function: str, name: str, region: str
    ) -> Response:
        body = _json_body(environ)
        with self._alias_writes:
            try:  # through the API, as any client: the current revision, version and routing
                current = self._client("lambda", region).get_alias(FunctionName=function, Name=name)
            except ClientError as exc:
                raise _as_aws_error(exc) from None
            given = body.get("RevisionId")
            if given and given != current.get("RevisionId"):
                raise AwsError(412, "PreconditionFailedException", _STALE_REVISION)
            primary = str(body.get("FunctionVersion") or current["FunctionVersion"])
            weights = _routing_weights(body)
            if weights is None:  # RoutingConfig left out: the weights stay as they are
                weights = (current.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
            self._check_routing(function, primary, weights, region)
            status, headers, raw = self._forward(environ)
            if not 200 <= status < 300:
                return _passed_on(status, headers, raw)
            self._new_revision((region, function, name))
        return _rewritten(self._alias_out(json.loads(raw), function, region), 200, headers)

    def _alias_out(self, alias: dict[str, Any], function: str, region: str) -> dict[str, Any]:
        """moto's alias as AWS shows it: the sandbox's RevisionId, no empty RoutingConfig."""
        out = dict(alias)
        key = (region, function, str(alias.get("Name", "")))
        with self._lock:
            out["RevisionId"] = self._revisions.setdefault(key, str(uuid.uuid4()))
        if not (out.get("RoutingConfig") or {}).get("AdditionalVersionWeights"):
            out.pop("RoutingConfig", None)
        return out

    def _new_revision(self, key: tuple[str, str, str]) -> None:
        with self._lock:
            self._revisions[key] = str(uuid.uuid4())

    def _check_routing(
        self, function: str, primary: str, weights: dict[str, Any], region: str
    ) -> None:
        """AWS's rules for an alias's routing. Codes, words and order are AWS's answers as
        LocalStack's snapshot-tested provider reproduces them: the constraint checks are
        ValidationException, the rules InvalidParameterValueException, an unknown version
        ResourceNotFoundException (404)."""
        if not weights:
            return
        if len(weights) > 1:
            raise AwsError(
                400,
                "InvalidParameterValueException",
                "Number of items in AdditionalVersionWeights cannot be greater than 1",
            )
        version, weight = next(iter(weights.items()))
        version = str(version)
        number = isinstance(weight, int | float) and not isinstance(weight, bool)
        if not number or not 0.0 <= weight <= 1.0:
            raise AwsError(
                400,
                "ValidationException",
                f"1 validation error detected: Value '{{{version}={weight}}}' at "
                f"'routingConfig.additionalVersionWeights' failed to satisfy constraint: "
                f"{_WEIGHT_CONSTRAINT}",
            )
        if version == primary:
            raise AwsError(
                400,
                "InvalidParameterValueException",
                f"Invalid function version {primary}. Function version {primary} is already "
                "included in routing configuration.",
            )
        if primary == "$LATEST":
            raise AwsError(
                400,
                "InvalidParameterValueException",
                "$LATEST is not supported for an alias pointing to more than 1 version",
            )
        if not version.isdigit():
            raise AwsError(
                400,
                "ValidationException",
                f"1 validation error detected: Value '{{{version}={weight}}}' at "
                f"'routingConfig.additionalVersionWeights' failed to satisfy constraint: "
                f"{_VERSION_KEY_CONSTRAINT}",
            )
        try:  # the additional version must be published: moto's not-found answer is AWS's
            self._client("lambda", region).get_function_configuration(
                FunctionName=function, Qualifier=version
            )
        except ClientError as exc:
            raise _as_aws_error(exc) from None

    # -- Lambda PublishVersion -----------------------------------------------------------------

    def _check_publish_version(self, body: dict[str, Any], function: str, region: str) -> None:
        given = body.get("CodeSha256")
        if not given:
            return
        try:
            latest = self._client("lambda", region).get_function_configuration(
                FunctionName=_function_name(function)
            )
        except ClientError:
            return  # moto answers unknown functions itself
        current = latest.get("CodeSha256")
        if given != current:
            raise AwsError(
                400,
                "InvalidParameterValueException",
                f"CodeSHA256 ({given}) is different from current CodeSHA256 in $LATEST "
                f"({current}). Please try again with the CodeSHA256 in $LATEST.",
            )

    # -- Lambda account settings ---------------------------------------------------------------

    def _account_settings(self, region: str) -> Response:
        """GetAccountSettings (moto answers 404): the default limit, less what functions reserve."""
        lam = self._client("lambda", region)
        reserved = 0
        code_size = 0
        functions = [
            f for page in lam.get_paginator("list_functions").paginate() for f in page["Functions"]
        ]
        for function in functions:
            code_size += int(function.get("CodeSize") or 0)
            answer = lam.get_function_concurrency(FunctionName=function["FunctionName"])
            reserved += int(answer.get("ReservedConcurrentExecutions") or 0)
        return _lambda_response(
            {
                "AccountLimit": {
                    "TotalCodeSize": 80530636800,
                    "CodeSizeUnzipped": 262144000,
                    "CodeSizeZipped": 52428800,
                    "ConcurrentExecutions": ACCOUNT_CONCURRENCY,
                    "UnreservedConcurrentExecutions": ACCOUNT_CONCURRENCY - reserved,
                },
                "AccountUsage": {"TotalCodeSize": code_size, "FunctionCount": len(functions)},
            },
            200,
        )

    # -- Lambda provisioned concurrency ----------------------------------------------------------

    def _provisioned_concurrency(
        self, environ: dict[str, Any], start_response: Any, method: str, function: str, region: str
    ) -> Any:
        query = {k: v[-1] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        function_arn = self._function_arn(function, region)
        name = function_arn.rsplit(":", 1)[-1]
        now = self.clock()
        if method == "GET" and "Qualifier" not in query:
            with self._lock:
                configs = [
                    {"FunctionArn": a.qualified_arn, **a.describe(now)}
                    for (r, f, _), a in sorted(self._allocations.items())
                    if (r, f) == (region, name)
                ]
            return _lambda_response({"ProvisionedConcurrencyConfigs": configs}, 200)(
                environ, start_response
            )
        qualifier = query.get("Qualifier", "")
        key = (region, name, qualifier)
        if method == "GET":
            with self._lock:
                allocation = self._allocations.get(key)
            if allocation is None:
                raise AwsError(
                    404,
                    "ProvisionedConcurrencyConfigNotFoundException",
                    "No Provisioned Concurrency Config found for this function",
                )
            return _lambda_response(allocation.describe(now), 200)(environ, start_response)
        if method == "DELETE":
            with self._lock:
                self._allocations.pop(key, None)
            return Response(status=204)(environ, start_response)
        if method != "PUT":
            raise AwsError(405, "MethodNotAllowedException", f"{method} is not supported here")
        requested = _requested_executions(_json_body(environ))
        qualified_arn = self._published_qualifier_arn(function_arn, name, qualifier, region)
        with self._lock:
            before = self._allocations.get(key)
            previous = before.allocated(now) if before else 0
            allocation = _Allocation(qualified_arn, requested, previous, now)
            self._allocations[key] = allocation
        return _lambda_response(allocation.describe(now), 202)(environ, start_response)

    def _function_arn(self, function: str, region: str) -> str:
        """The unqualified ARN of `function` (a name or an ARN), or AWS's not-found error."""
        name = function
        if function.startswith("arn:"):
            name = function.split(":function:", 1)[-1].split(":", 1)[0]
        try:
            arn = self._client("lambda", region).get_function(FunctionName=name)["Configuration"][
                "FunctionArn"
            ]
        except ClientError as exc:
            raise _as_aws_error(exc) from None
        return ":".join(arn.split(":")[:7])  # arn:aws:lambda:region:account:function:name

    def _published_qualifier_arn(
        self, function_arn: str, name: str, qualifier: str, region: str
    ) -> str:
        if not qualifier or qualifier == "$LATEST":
            raise AwsError(
                400,
                "InvalidParameterValueException",
                "Provisioned Concurrency Configs cannot be applied to unpublished function "
                "versions.",
            )
        lam = self._client("lambda", region)
        try:
            if qualifier.isdigit():
                lam.get_function(FunctionName=name, Qualifier=qualifier)
            else:
                lam.get_alias(FunctionName=name, Name=qualifier)
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ResourceNotFoundException":
                raise AwsError(
                    404,
                    "ResourceNotFoundException",
                    f"Function not found: {function_arn}:{qualifier}",
                ) from None
            raise _as_aws_error(exc) from None
        return f"{function_arn}:{qualifier}"

    # -- CloudWatch Logs FilterLogEvents ---------------------------------------------------------

    def _filter_log_events(self, environ: dict[str, Any]) -> Response:
        """moto's answer without a pattern (all events in the range), then filtered as AWS
        filters. moto's nextToken names the last event of its unfiltered page, so paging goes
        on from there; a page may hold fewer events than `limit`, or none with a nextToken
        (as on AWS)."""
        body = _json_body(environ)
        pattern = compile_pattern(_pattern_text(body.get("filterPattern")))
        body.pop("filterPattern", None)
        raw_body = json.dumps(body).encode()
        environ["wsgi.input"] = io.BytesIO(raw_body)
        environ["CONTENT_LENGTH"] = str(len(raw_body))
        status, headers, raw = self._forward(environ)
        if not 200 <= status < 300:
            return _passed_on(status, headers, raw)
        answer = json.loads(raw)
        answer["events"] = [
            e for e in answer.get("events", []) if pattern.matches(str(e.get("message", "")))
        ]
        return Response(
            json.dumps(answer),
            status=status,
            mimetype="application/x-amz-json-1.1",
            headers=_kept_headers(headers),
        )

    # -- Cost Explorer and CloudTrail ------------------------------------------------------------

    def _cost_and_usage(self, environ: dict[str, Any]) -> Response:
        try:
            answer = self.costs.get_cost_and_usage(_json_body(environ))
        except CostError as refused:
            return _json_error(refused.code, refused.message)
        return Response(json.dumps(answer), status=200, mimetype="application/x-amz-json-1.1")

    def _lookup_events(self, environ: dict[str, Any]) -> Response:
        scope = _CREDENTIAL_SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
        region = scope["region"] if scope else SANDBOX_REGION
        try:
            answer = self.trail.lookup(_json_body(environ), region)
        except TrailError as refused:
            return _json_error(refused.code, refused.message)
        return Response(json.dumps(answer), status=200, mimetype="application/x-amz-json-1.1")

    def _access_key_owner(self, access_key_id: str) -> str | None:
        """Whose key it is, as IAM says (a key made with CreateAccessKey names its user)."""
        try:
            answer = self._client("iam", "us-east-1").get_access_key_last_used(
                AccessKeyId=access_key_id
            )
        except (ClientError, AwsError):
            return None
        return answer.get("UserName") or None

    def _alarm_counts(self) -> tuple[int, int]:
        """(standard, high-resolution) alarms in the sandbox's region, for their cost."""
        try:
            cw = self._client("cloudwatch", self.costs.region)
            alarms = [
                a
                for page in cw.get_paginator("describe_alarms").paginate()
                for a in page.get("MetricAlarms", [])
            ]
        except (ClientError, AwsError):
            return 0, 0
        high = sum(1 for a in alarms if int(a.get("Period") or 60) < 60)
        return len(alarms) - high, high

    # -- X-Ray -----------------------------------------------------------------------------------

    def _xray(self, environ: dict[str, Any], path: str) -> Response:
        handler = _XRAY_PATHS[path]
        answer = handler(self.app, environ, _json_body(environ))
        return Response(
            json.dumps(answer),
            status=200,
            mimetype="application/json",
            headers={"x-amzn-RequestId": str(uuid.uuid4())},
        )

    # -- DynamoDB --------------------------------------------------------------------------------

    def _check_update_table(self, body: dict[str, Any], region: str) -> None:
        throughput = body.get("ProvisionedThroughput")
        billing_mode = body.get("BillingMode")
        if throughput is None and billing_mode is None:
            return
        try:
            ddb = self._client("dynamodb", region)
            table = ddb.describe_table(TableName=body.get("TableName", ""))["Table"]
        except ClientError:
            return  # moto answers unknown tables itself
        current_mode = table.get("BillingModeSummary", {}).get("BillingMode", "PROVISIONED")
        mode = billing_mode or current_mode
        if mode == "PAY_PER_REQUEST" and throughput is not None:
            raise AwsError(
                400,
                "ValidationException",
                "One or more parameter values were invalid: Neither ReadCapacityUnits nor "
                "WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST",
            )
        if mode == "PROVISIONED" and current_mode == "PAY_PER_REQUEST" and throughput is None:
            raise AwsError(
                400,
                "ValidationException",
                "One or more parameter values were invalid: ProvisionedThroughput must be "
                "specified when BillingMode is PROVISIONED",
            )
        other_changes = set(body) - {"TableName", "ProvisionedThroughput", "BillingMode"}
        if mode == current_mode == "PROVISIONED" and throughput is not None and not other_changes:
            current = table.get("ProvisionedThroughput", {})
            now_read = current.get("ReadCapacityUnits")
            now_write = current.get("WriteCapacityUnits")
            read, write = throughput.get("ReadCapacityUnits"), throughput.get("WriteCapacityUnits")
            if (read, write) == (now_read, now_write):
                raise AwsError(
                    400,
                    "ValidationException",
                    "The provisioned throughput for the table will not change. The requested value "
                    "equals the current value. "
                    f"Current ReadCapacityUnits provisioned for the table: {now_read}. "
                    f"Requested ReadCapacityUnits: {read}. "
                    f"Current WriteCapacityUnits provisioned for the table: {now_write}. "
                    f"Requested WriteCapacityUnits: {write}. "
                    "Refer to the Amazon DynamoDB Developer Guide for current limits and how to "
                    "request higher limits.",
                )

    # -- API Gateway -----------------------------------------------------------------------------

    def _check_stage_patch(self, body: dict[str, Any]) -> None:
        for operation in body.get("patchOperations") or []:
            path = str(operation.get("path", ""))
            if (
                path in _STAGE_PATHS
                or _METHOD_SETTING_PATH.match(path)
                or path.startswith(("/variables/", "/canarySettings"))
            ):
                continue
            per_method = (f"/{{resourcePath}}/{{httpMethod}}/{s}" for s in _METHOD_SETTINGS)
            valid = [*_STAGE_PATHS, *per_method]
            raise AwsError(
                400,
                "BadRequestException",
                f"Invalid method setting path: {path}. Must be one of: [{', '.join(valid)}]",
            )


def _pattern_text(value: Any) -> str:
    if value is None or isinstance(value, str):
        return value or ""
    raise AwsError(400, "SerializationException", "filterPattern must be a string")


def _requested_executions(body: dict[str, Any]) -> int:
    value = body.get("ProvisionedConcurrentExecutions")
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise AwsError(
            400,
            "ValidationException",
            f"1 validation error detected: Value '{value}' at 'provisionedConcurrentExecutions' "
            "failed to satisfy constraint: Member must have value greater than or equal to 1",
        )
    return value


def _function_name(function: str) -> str:
    """A function's name from the path's FunctionName (a name, an ARN or a partial ARN)."""
    name = unquote(function)
    if ":function:" in name:
        name = name.split(":function:", 1)[1]
    return name.split(":", 1)[0]  # without a qualifier


def _routing_weights(body: dict[str, Any]) -> dict[str, Any] | None:
    """The AdditionalVersionWeights a request sets ({} clears them), or None when it leaves
    RoutingConfig out."""
    if "RoutingConfig" not in body:
        return None
    routing = body.get("RoutingConfig") or {}
    weights = routing.get("AdditionalVersionWeights") if isinstance(routing, dict) else None
    return dict(weights) if isinstance(weights, dict) else {}


def _passed_on(status: int, headers: list[tuple[str, str]], raw: bytes) -> Response:
    """moto's answer, unchanged."""
    return Response(raw, status=status, headers=headers)


def _kept_headers(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """moto's headers (its request id among them) without those of the body it sent."""
    return [(k, v) for k, v in headers if k.lower() not in ("content-length", "content-type")]


def _rewritten(data: dict[str, Any], status: int, headers: list[tuple[str, str]]) -> Response:
    """A rewritten answer in AWS's status, keeping moto's request id."""
    return Response(
        json.dumps(data), status=status, mimetype="application/json", headers=_kept_headers(headers)
    )


def _json_error(code: str, message: str) -> Response:
    """A refusal in the JSON protocol's shape (Cost Explorer, CloudTrail)."""
    return Response(
        json.dumps({"__type": code, "message": message}),
        status=400,
        mimetype="application/x-amz-json-1.1",
        headers={"x-amzn-RequestId": str(uuid.uuid4())},
    )


def _captured(app: Any, environ: dict[str, Any]) -> tuple[int, list[tuple[str, str]], bytes]:
    """What `app` answers: status, headers and the whole body."""
    captured: dict[str, Any] = {}
    chunks: list[bytes] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        captured["status"], captured["headers"] = status, headers
        return chunks.append

    result: Iterable[bytes] = app(environ, start_response)
    try:
        chunks.extend(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return int(str(captured["status"]).split(" ", 1)[0]), captured["headers"], b"".join(chunks)


def _status_line(status: int) -> str:
    from http import HTTPStatus

    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} UNKNOWN"


def _json_body(environ: dict[str, Any]) -> dict[str, Any]:
    """The request's JSON body, leaving the stream readable for the next application."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    raw = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(raw)
    try:
        body = json.loads(raw or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError):
        return {}
    return body if isinstance(body, dict) else {}


def _as_aws_error(exc: ClientError) -> AwsError:
    error = exc.response.get("Error", {})
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 400)
    return AwsError(int(status), str(error.get("Code", "")), str(error.get("Message", "")))


def _lambda_response(data: dict[str, Any], status: int) -> Response:
    return Response(json.dumps(data), status=status, mimetype="application/json")


def _error_response(error: AwsError, service: str, target_header: str | None) -> Response:
    request_id = {"x-amzn-RequestId": str(uuid.uuid4())}  # AWS names every answer, refusals too
    if target_header and target_header.startswith("DynamoDB_"):
        body = {
            "__type": f"com.amazonaws.dynamodb.v20120810#{error.code}",
            "message": error.message,
        }
        return Response(
            json.dumps(body),
            status=error.status,
            mimetype="application/x-amz-json-1.0",
            headers=request_id,
        )
    if target_header and target_header.startswith("Logs_"):
        return Response(
            json.dumps({"__type": error.code, "message": error.message}),
            status=error.status,
            mimetype="application/x-amz-json-1.1",
            headers=request_id,
        )
    body = {"message": error.message}
    if service == "lambda":
        body = {"Type": "User", "message": error.message}
    return Response(
        json.dumps(body),
        status=error.status,
        mimetype="application/json",
        headers={"x-amzn-ErrorType": error.code, **request_id},
    )
