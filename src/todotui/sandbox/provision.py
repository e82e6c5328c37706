"""Create the Todo stack in a sandbox through the plain AWS API (boto3), under configured names.

Everything goes through the endpoint, as a user's own infrastructure code would, so the
stack is exactly what any client (todotui, boto3, the aws CLI) sees. Each step first looks
for what already exists, so provisioning twice against the same server is harmless.

The function gets two codes: the stable code (version 1, behind the alias) and a candidate's
(`scenarios.Candidate`), uploaded to $LATEST and published as the next version with the alias
left alone. Each candidate's package is built byte for byte the same every time, so its
CodeSha256 names it: the simulator knows which versions run which code from that alone.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import math
import zipfile
from dataclasses import asdict, dataclass
from typing import Any

from botocore.config import Config
from botocore.exceptions import ClientError

from todotui.sandbox import (
    DUMMY_ACCESS_KEY_ID,
    DUMMY_SECRET_ACCESS_KEY,
    SANDBOX_REGION,
    SANDBOX_USER_AGENT,
)
from todotui.sandbox.in_process import app_for, attach
from todotui.sandbox.scenarios import CANDIDATES, DEFAULT_CANDIDATE, Candidate
from todotui.sandbox.sdk import SESSION_LOCK, shared_session
from todotui.stack_names import StackNames

TEST_USERS = ("test@example.com", "alice@example.com", "mallory@example.com")
"""The user pool's people; the runbook signs in as test@example.com."""
COMPROMISED_USER = "mallory@example.com"
"""The user whose account the auth-attack scenario abuses."""
TEST_PASSWORD = "TestPassword123!"
"""The runbook's test password; a sandbox-only dummy, never a real secret."""

_HANDLER_SOURCE = '''\
import json


def handler(event, context):
    """The Todo API's single entry point (the sandbox never runs it: traffic is simulated)."""
    return {"statusCode": 200, "body": json.dumps([])}
'''
_ZIP_DATE = (2025, 1, 1, 0, 0, 0)
"""Every package's file date: the same source always zips to the same bytes (and CodeSha256)."""
STABLE_DESCRIPTION = "stable release"

_ASSUME_ROLE_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}

# (path under /todos, HTTP methods): the REST API's shape.
_API_ROUTES = (("", ("GET", "POST")), ("{id}", ("GET", "PUT", "DELETE")))


@dataclass(frozen=True, slots=True)
class Stack:
    """Identifiers of the provisioned stack that are not simply its configured names."""

    region: str
    account_id: str
    role_arn: str
    function_arn: str
    alias_arn: str
    versions: tuple[str, ...]
    """Published Lambda versions, oldest first."""
    stable_version: str
    """The version the alias routes all traffic to after provisioning (the stable code)."""
    candidate_version: str
    """The version that runs the current candidate's code, not behind the alias: the one a
    blue-green shift sends traffic to. Choosing a deploy scenario publishes its candidate
    (bad-deploy, good-deploy, subtle-regression), so this moves on."""
    table_arn: str
    ondemand_table_arn: str
    api_id: str
    authorizer_id: str
    user_pool_id: str
    user_pool_arn: str
    user_pool_client_id: str
    users: tuple[str, ...]
    compromised_user: str
    topic_arn: str
    queue_url: str
    """An SQS queue subscribed to the alerts topic: read alarm notifications back from it."""
    queue_arn: str
    api_log_group: str
    """API Gateway's execution log group for the stage."""
    alarm_period: int
    """The Period of the provisioned alarms, in seconds."""

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["versions"] = list(self.versions)
        data["users"] = list(self.users)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Stack:
        values = dict(data)
        values["versions"] = tuple(values["versions"])
        values["users"] = tuple(values["users"])
        return cls(**values)


def alarm_period_for(period: float) -> int:
    """The shortest valid CloudWatch alarm period (10, 30 or a multiple of 60) covering `period`."""
    if period <= 10:
        return 10
    if period <= 30:
        return 30
    return 60 * math.ceil(period / 60)


def sandbox_client(
    service: str,
    endpoint_url: str,
    region: str = SANDBOX_REGION,
    *,
    attempts: int = 2,
    connect_timeout: float = 5,
    read_timeout: float = 60,
    in_process: bool = False,
) -> Any:
    """A boto3 client for the sandbox: dummy credentials, explicit region, no retry storms.

    `in_process`: inside the sandbox's own process, its requests go straight to the app its
    server serves, skipping the socket (see `in_process.py`); elsewhere they go over HTTP.
    In-process clients are made once per service and shared (provisioning, the simulator,
    the control API: botocore clients are thread-safe; making one copies the session's event
    hooks, most of the simulator's first tick). They make one attempt and the timeouts do not
    apply: no socket, and an answer in-process is no network blip to try again."""
    app = app_for(endpoint_url) if in_process else None
    if app is not None:
        key = (service, endpoint_url, region, app)
        with SESSION_LOCK:
            shared = _IN_PROCESS_CLIENTS.get(key)
        if shared is None:
            shared = _client(service, endpoint_url, region, 1, connect_timeout, read_timeout)
            attach(shared, app)
            with SESSION_LOCK:
                shared = _IN_PROCESS_CLIENTS.setdefault(key, shared)
        return shared
    return _client(service, endpoint_url, region, attempts, connect_timeout, read_timeout)


_IN_PROCESS_CLIENTS: dict[tuple[str, str, str, Any], Any] = {}


def _client(
    service: str,
    endpoint_url: str,
    region: str,
    attempts: int,
    connect_timeout: float,
    read_timeout: float,
) -> Any:
    session = shared_session()
    with SESSION_LOCK:
        return session.client(
            service,
            endpoint_url=endpoint_url,
            region_name=region,
            aws_access_key_id=DUMMY_ACCESS_KEY_ID,
            aws_secret_access_key=DUMMY_SECRET_ACCESS_KEY,
            config=Config(
                retries={"mode": "standard", "max_attempts": attempts},
                connect_timeout=connect_timeout,
                read_timeout=read_timeout,
                user_agent_extra=SANDBOX_USER_AGENT,  # CloudTrail names these calls its own
            ),
        )


def provision(
    endpoint_url: str,
    names: StackNames,
    *,
    region: str = SANDBOX_REGION,
    period: float = 60.0,
    candidate: Candidate = DEFAULT_CANDIDATE,
) -> Stack:
    """Create (or find) every resource of the stack and return their identifiers.

    `candidate` is the code change published as the next version (the alias stays on stable).
    """
    return _Provisioner(endpoint_url, names, region, period, candidate).run()


def handler_zip(candidate: Candidate | None = None) -> bytes:
    """The deployment package of the stable code, or of `candidate`'s (the same bytes each time)."""
    source = _HANDLER_SOURCE
    if candidate is not None:
        source += (
            f'\n\nCHANGE = {json.dumps(candidate.summary)}\n"""What this release changes."""\n'
        )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        entry = zipfile.ZipInfo("app.py", date_time=_ZIP_DATE)
        entry.compress_type = zipfile.ZIP_DEFLATED
        entry.external_attr = 0o644 << 16
        archive.writestr(entry, source)
    return buffer.getvalue()


def code_sha256(package: bytes) -> str:
    """Lambda's CodeSha256 of a deployment package: the base64 of its SHA-256."""
    return base64.b64encode(hashlib.sha256(package).digest()).decode("ascii")


def candidate_codes() -> dict[str, Candidate]:
    """CodeSha256 -> the candidate whose code it is, for every candidate the sandbox knows."""
    return {code_sha256(handler_zip(c)): c for c in CANDIDATES}


def published_versions(lam: Any, function_name: str) -> tuple[str, ...]:
    """The function's published version numbers, oldest first."""
    found: list[str] = []
    for page in lam.get_paginator("list_versions_by_function").paginate(FunctionName=function_name):
        found.extend(v["Version"] for v in page["Versions"] if v["Version"] != "$LATEST")
    return tuple(sorted(found, key=int))


def candidate_description(candidate: Candidate) -> str:
    return f"candidate: {candidate.summary}"


def publish_candidate(lam: Any, function_name: str, candidate: Candidate) -> str:
    """The version that runs `candidate`'s code: the newest published version if it already
    does; otherwise the code goes to $LATEST and is published as the next version, guarded by
    its CodeSha256 (as a careful pipeline does). No alias is touched."""
    package = handler_zip(candidate)
    sha = code_sha256(package)
    published = [
        v
        for page in lam.get_paginator("list_versions_by_function").paginate(
            FunctionName=function_name
        )
        for v in page["Versions"]
        if v["Version"] != "$LATEST"
    ]
    newest = max(published, key=lambda v: int(v["Version"]), default=None)
    if newest is not None and newest.get("CodeSha256") == sha:
        return str(newest["Version"])
    latest = lam.get_function_configuration(FunctionName=function_name)
    if latest.get("CodeSha256") != sha:
        lam.update_function_code(FunctionName=function_name, ZipFile=package)
    return str(
        lam.publish_version(
            FunctionName=function_name,
            CodeSha256=sha,
            Description=candidate_description(candidate),
        )["Version"]
    )


def deploy_to_alias(lam: Any, function_name: str, alias: str, version: str) -> str:
    """Point `alias` at `version` with all traffic, as `aws lambda update-alias
    --function-version N` does after a CLI deploy (any weighted routing is cleared). Returns
    the version the alias served before."""
    before = str(lam.get_alias(FunctionName=function_name, Name=alias)["FunctionVersion"])
    lam.update_alias(
        FunctionName=function_name,
        Name=alias,
        FunctionVersion=version,
        RoutingConfig={"AdditionalVersionWeights": {}},
    )
    return before


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


class _Provisioner:
    def __init__(
        self,
        endpoint_url: str,
        names: StackNames,
        region: str,
        period: float,
        candidate: Candidate,
    ) -> None:
        self.names = names
        self.region = region
        self.period = period
        self.candidate = candidate
        self._endpoint_url = endpoint_url
        self._clients: dict[str, Any] = {}

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = sandbox_client(
                service, self._endpoint_url, self.region, in_process=True
            )
        return self._clients[service]

    def run(self) -> Stack:
        account_id = self.client("sts").get_caller_identity()["Account"]
        role_arn = self.role()
        function_arn, versions, alias_arn, candidate_version = self.function(role_arn)
        table_arn = self.table(self.names.table_name, on_demand=False)
        ondemand_table_arn = self.table(self.names.ondemand_table_name, on_demand=True)
        user_pool_id, user_pool_arn, client_id = self.user_pool()
        api_id, authorizer_id = self.rest_api(user_pool_arn, alias_arn)
        topic_arn, queue_url, queue_arn = self.alerts()
        api_log_group = f"API-Gateway-Execution-Logs_{api_id}/{self.names.stage_name}"
        for group in (self.names.log_group, self.names.emergency_log_group, api_log_group):
            self.log_group(group)
        alarm_period = alarm_period_for(self.period)
        self.alarms(topic_arn, alarm_period)
        return Stack(
            region=self.region,
            account_id=account_id,
            role_arn=role_arn,
            function_arn=function_arn,
            alias_arn=alias_arn,
            versions=versions,
            stable_version=versions[0],
            candidate_version=candidate_version,
            table_arn=table_arn,
            ondemand_table_arn=ondemand_table_arn,
            api_id=api_id,
            authorizer_id=authorizer_id,
            user_pool_id=user_pool_id,
            user_pool_arn=user_pool_arn,
            user_pool_client_id=client_id,
            users=TEST_USERS,
            compromised_user=COMPROMISED_USER,
            topic_arn=topic_arn,
            queue_url=queue_url,
            queue_arn=queue_arn,
            api_log_group=api_log_group,
            alarm_period=alarm_period,
        )

    # -- IAM and Lambda ---------------------------------------------------------------------

    def role(self) -> str:
        iam = self.client("iam")
        role_name = f"{self.names.function_name}-role"
        try:
            return iam.get_role(RoleName=role_name)["Role"]["Arn"]
        except ClientError as exc:
            if _error_code(exc) != "NoSuchEntity":
                raise
        return iam.create_role(
            RoleName=role_name, AssumeRolePolicyDocument=json.dumps(_ASSUME_ROLE_POLICY)
        )["Role"]["Arn"]

    def function(self, role_arn: str) -> tuple[str, tuple[str, ...], str, str]:
        """The function, its published versions (stable, then the candidate), the alias on the
        stable one with no routing, and the candidate's version.

        On a fresh stack the candidate is version 2, as on the runbook's blue-green page:
        `AdditionalVersionWeights={2=0.1}` shifts traffic to it, `--function-version 1` rolls back.
        """
        lam = self.client("lambda")
        name = self.names.function_name
        try:
            function_arn = lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
        except ClientError as exc:
            if _error_code(exc) != "ResourceNotFoundException":
                raise
            function_arn = lam.create_function(
                FunctionName=name,
                Runtime="python3.12",
                Role=role_arn,
                Handler="app.handler",
                Code={"ZipFile": handler_zip()},
                Description="Todo API handler",
                MemorySize=128,
                Timeout=30,
                Environment={"Variables": {"TABLE_NAME": self.names.table_name}},
            )["FunctionArn"]
        versions = self.published_versions()
        if not versions:
            lam.publish_version(FunctionName=name, Description=STABLE_DESCRIPTION)
            versions = self.published_versions()
        try:
            alias_arn = lam.get_alias(FunctionName=name, Name=self.names.alias)["AliasArn"]
        except ClientError as exc:
            if _error_code(exc) != "ResourceNotFoundException":
                raise
            alias_arn = lam.create_alias(
                FunctionName=name,
                Name=self.names.alias,
                FunctionVersion=versions[0],
                Description="production traffic",
            )["AliasArn"]
        candidate_version = publish_candidate(lam, name, self.candidate)
        return function_arn, self.published_versions(), alias_arn, candidate_version

    def published_versions(self) -> tuple[str, ...]:
        return published_versions(self.client("lambda"), self.names.function_name)

    # -- DynamoDB ---------------------------------------------------------------------------

    def table(self, table_name: str, *, on_demand: bool) -> str:
        ddb = self.client("dynamodb")
        try:
            return ddb.describe_table(TableName=table_name)["Table"]["TableArn"]
        except ClientError as exc:
            if _error_code(exc) != "ResourceNotFoundException":
                raise
        capacity: dict[str, Any] = (
            {"BillingMode": "PAY_PER_REQUEST"}
            if on_demand
            else {
                "BillingMode": "PROVISIONED",
                "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
            }
        )
        return ddb.create_table(
            TableName=table_name,
            AttributeDefinitions=[
                {"AttributeName": "userId", "AttributeType": "S"},
                {"AttributeName": "todoId", "AttributeType": "S"},
            ],
            KeySchema=[
                {"AttributeName": "userId", "KeyType": "HASH"},
                {"AttributeName": "todoId", "KeyType": "RANGE"},
            ],
            **capacity,
        )["TableDescription"]["TableArn"]

    # -- Cognito ----------------------------------------------------------------------------

    def user_pool(self) -> tuple[str, str, str]:
        idp = self.client("cognito-idp")
        pool = next(
            (
                p
                for page in idp.get_paginator("list_user_pools").paginate(MaxResults=60)
                for p in page["UserPools"]
                if p["Name"] == self.names.user_pool_name
            ),
            None,
        )
        if pool is None:
            pool = idp.create_user_pool(
                PoolName=self.names.user_pool_name,
                AutoVerifiedAttributes=["email"],
                Policies={
                    "PasswordPolicy": {
                        "MinimumLength": 8,
                        "RequireUppercase": True,
                        "RequireLowercase": True,
                        "RequireNumbers": True,
                        "RequireSymbols": True,
                    }
                },
            )["UserPool"]
        pool_id = pool["Id"]
        pool_arn = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["Arn"]
        clients = idp.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)["UserPoolClients"]
        wanted = self.names.user_pool_client_name
        client = next((c for c in clients if c["ClientName"] == wanted), None)
        if client is None:
            client = idp.create_user_pool_client(
                UserPoolId=pool_id,
                ClientName=self.names.user_pool_client_name,
                GenerateSecret=False,
                ExplicitAuthFlows=[
                    "ALLOW_ADMIN_USER_PASSWORD_AUTH",
                    "ALLOW_USER_PASSWORD_AUTH",
                    "ALLOW_USER_SRP_AUTH",
                    "ALLOW_REFRESH_TOKEN_AUTH",
                ],
            )["UserPoolClient"]
        for user in TEST_USERS:
            self.user(pool_id, user)
        return pool_id, pool_arn, client["ClientId"]

    def user(self, pool_id: str, username: str) -> None:
        idp = self.client("cognito-idp")
        try:
            idp.admin_get_user(UserPoolId=pool_id, Username=username)
            return
        except ClientError as exc:
            if _error_code(exc) != "UserNotFoundException":
                raise
        idp.admin_create_user(
            UserPoolId=pool_id,
            Username=username,
            UserAttributes=[
                {"Name": "email", "Value": username},
                {"Name": "email_verified", "Value": "true"},
            ],
            MessageAction="SUPPRESS",
        )
        idp.admin_set_user_password(
            UserPoolId=pool_id, Username=username, Password=TEST_PASSWORD, Permanent=True
        )

    # -- API Gateway ------------------------------------------------------------------------

    def rest_api(self, user_pool_arn: str, alias_arn: str) -> tuple[str, str]:
        apigw = self.client("apigateway")
        api = next(
            (
                a
                for page in apigw.get_paginator("get_rest_apis").paginate()
                for a in page["items"]
                if a["name"] == self.names.api_name
            ),
            None,
        )
        if api is not None:
            authorizers = apigw.get_authorizers(restApiId=api["id"])["items"]
            if authorizers and self._has_stage(api["id"]):
                return api["id"], authorizers[0]["id"]
        else:
            api = apigw.create_rest_api(
                name=self.names.api_name,
                description="Todo API",
                endpointConfiguration={"types": ["REGIONAL"]},
            )
        api_id = api["id"]
        authorizer_id = apigw.create_authorizer(
            restApiId=api_id,
            name=f"{self.names.user_pool_name}-authorizer",
            type="COGNITO_USER_POOLS",
            providerARNs=[user_pool_arn],
            identitySource="method.request.header.Authorization",
        )["id"]
        resources = apigw.get_resources(restApiId=api_id)["items"]
        root_id = next(r["id"] for r in resources if r["path"] == "/")
        integration_uri = (
            f"arn:aws:apigateway:{self.region}:lambda:path/2015-03-31/functions/"
            f"{alias_arn}/invocations"
        )
        parent_id = root_id
        todos_id = ""
        for path_part, methods in (("todos", _API_ROUTES[0][1]), ("{id}", _API_ROUTES[1][1])):
            resource_id = apigw.create_resource(
                restApiId=api_id, parentId=parent_id, pathPart=path_part
            )["id"]
            for method in methods:
                apigw.put_method(
                    restApiId=api_id,
                    resourceId=resource_id,
                    httpMethod=method,
                    authorizationType="COGNITO_USER_POOLS",
                    authorizerId=authorizer_id,
                )
                apigw.put_integration(
                    restApiId=api_id,
                    resourceId=resource_id,
                    httpMethod=method,
                    type="AWS_PROXY",
                    integrationHttpMethod="POST",
                    uri=integration_uri,
                )
            todos_id = todos_id or resource_id
            parent_id = todos_id
        apigw.create_deployment(
            restApiId=api_id, stageName=self.names.stage_name, description="initial deployment"
        )
        return api_id, authorizer_id

    def _has_stage(self, api_id: str) -> bool:
        stages = self.client("apigateway").get_stages(restApiId=api_id)["item"]
        return any(s["stageName"] == self.names.stage_name for s in stages)

    # -- SNS, SQS, Logs, CloudWatch ----------------------------------------------------------

    def alerts(self) -> tuple[str, str, str]:
        sns = self.client("sns")
        sqs = self.client("sqs")
        topic_arn = sns.create_topic(Name=self.names.alerts_topic)["TopicArn"]
        queue_url = sqs.create_queue(QueueName=f"{self.names.alerts_topic}-inbox")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        subscribed = any(
            s["Endpoint"] == queue_arn
            for page in sns.get_paginator("list_subscriptions_by_topic").paginate(
                TopicArn=topic_arn
            )
            for s in page["Subscriptions"]
        )
        if not subscribed:
            sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
        return topic_arn, queue_url, queue_arn

    def log_group(self, name: str) -> None:
        try:
            self.client("logs").create_log_group(logGroupName=name)
        except ClientError as exc:
            if _error_code(exc) != "ResourceAlreadyExistsException":
                raise

    def alarms(self, topic_arn: str, period: int) -> None:
        """The runbook's two Lambda alarms and one on the table's throttling, all to the topic."""
        cw = self.client("cloudwatch")
        names = self.names
        actions = {"AlarmActions": [topic_arn], "OKActions": [topic_arn]}
        cw.put_metric_alarm(
            AlarmName=names.duration_alarm,
            AlarmDescription=(
                "Average Lambda duration above 8 seconds (runbook: High Latency Alert)"
            ),
            Namespace="AWS/Lambda",
            MetricName="Duration",
            Dimensions=[{"Name": "FunctionName", "Value": names.function_name}],
            Statistic="Average",
            Period=period,
            EvaluationPeriods=2,
            Threshold=8000.0,
            ComparisonOperator="GreaterThanThreshold",
            TreatMissingData="missing",
            Unit="Milliseconds",
            **actions,
        )
        cw.put_metric_alarm(
            AlarmName=names.error_alarm,
            AlarmDescription=(
                "Lambda errors above 5% of invocations (runbook: High Error Rate Alert)"
            ),
            Metrics=[
                _metric_query(
                    "m1", "AWS/Lambda", "Errors", "FunctionName", names.function_name, period
                ),
                _metric_query(
                    "m2", "AWS/Lambda", "Invocations", "FunctionName", names.function_name, period
                ),
                {
                    "Id": "e1",
                    "Expression": "100*m1/m2",
                    "Label": "Error rate (%)",
                    "ReturnData": True,
                },
            ],
            EvaluationPeriods=2,
            Threshold=5.0,
            ComparisonOperator="GreaterThanThreshold",
            TreatMissingData="notBreaching",
            **actions,
        )
        cw.put_metric_alarm(
            AlarmName=names.throttle_alarm,
            AlarmDescription=(
                f"Requests to {names.table_name} throttled "
                "(runbook: High Error Rate Alert -> DynamoDB throttling)"
            ),
            Namespace="AWS/DynamoDB",
            MetricName="ThrottledRequests",
            Dimensions=[{"Name": "TableName", "Value": names.table_name}],
            Statistic="Sum",
            Period=period,
            EvaluationPeriods=1,
            Threshold=0.0,
            ComparisonOperator="GreaterThanThreshold",
            TreatMissingData="notBreaching",
            **actions,
        )


def _metric_query(
    query_id: str, namespace: str, metric: str, dimension: str, value: str, period: int
) -> dict[str, Any]:
    return {
        "Id": query_id,
        "MetricStat": {
            "Metric": {
                "Namespace": namespace,
                "MetricName": metric,
                "Dimensions": [{"Name": dimension, "Value": value}],
            },
            "Period": period,
            "Stat": "Sum",
        },
        "ReturnData": False,
    }
