"""The fleet's IO: members discovered by tag (its series are read with
`metrics.fetch_metrics_blocking`, in at most two calls).

Discovery uses the Resource Groups Tagging API (GetResources, paginated with botocore's
paginator): one request a page of 100 across Lambda functions and DynamoDB tables. API Gateway
REST APIs are named in the settings only (the tagging API lists their stages by ARN, which
is not CloudWatch's ApiName).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from todotui.telemetry.fleet import Member

RESOURCE_TYPES = ("lambda:function", "dynamodb:table")


@dataclass(frozen=True, slots=True)
class Discovery:
    members: tuple[Member, ...]
    requests: int
    """GetResources pages read."""


async def discover_tagged(tagging: Any, key: str, value: str, alias: str) -> Discovery:
    """Every Lambda function and DynamoDB table tagged `key=value`, in ARN order."""
    paginator = tagging.get_paginator("get_resources")
    members: list[Member] = []
    pages = 0
    async for page in paginator.paginate(
        TagFilters=[{"Key": key, "Values": [value]}],
        ResourceTypeFilters=list(RESOURCE_TYPES),
        ResourcesPerPage=100,
    ):
        pages += 1
        for mapping in page.get("ResourceTagMappingList", []):
            member = member_of_arn(mapping["ResourceARN"], alias)
            if member is not None:
                members.append(member)
    members.sort(key=lambda m: (m.kind, m.name))
    return Discovery(tuple(members), pages)


def member_of_arn(arn: str, alias: str) -> Member | None:
    """arn:aws:lambda:r:a:function:NAME -> a function; arn:aws:dynamodb:r:a:table/NAME -> a table."""
    parts = arn.split(":", 5)
    if len(parts) < 6:
        return None
    service, resource = parts[2], parts[5]
    if service == "lambda" and resource.startswith("function:"):
        name = resource.split(":")[1]
        return Member("function", name, alias, "tag")
    if service == "dynamodb" and resource.startswith("table/"):
        return Member("table", resource.split("/")[1], source="tag")
    return None
