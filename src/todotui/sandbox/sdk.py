"""One botocore loader for the whole sandbox process: each service model is parsed once.

The sandbox's own boto3 clients, moto's request parsing (`moto.core.utils.get_service_model`)
and the event history's REST routes (trail.py) each read a service's model. Apart, each parsed
the same JSON again with a loader of its own (5-10 services at start-up, 50-140 ms apiece on
this machine); botocore's loader caches what it loaded, so sharing one is all it takes.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import boto3.session
import botocore.session

SESSION_LOCK = threading.Lock()
"""Creating clients from one session is not thread-safe."""

_SESSION: boto3.session.Session | None = None


_BOTOCORE: botocore.session.Session | None = None


def shared_botocore_session() -> botocore.session.Session:
    """The process's one botocore session: its loader is the shared one."""
    global _BOTOCORE
    with SESSION_LOCK:
        if _BOTOCORE is None:
            _BOTOCORE = botocore.session.get_session()
        return _BOTOCORE


def shared_session() -> boto3.session.Session:
    """The process's one boto3 session for sandbox clients, on the shared botocore session."""
    global _SESSION
    botocore_session = shared_botocore_session()
    with SESSION_LOCK:
        if _SESSION is None:
            _SESSION = boto3.session.Session(botocore_session=botocore_session)
        return _SESSION


def share_models_with_moto() -> None:
    """moto reads its models through the shared loader from now on (in this process only:
    moto is a library here, running the sandbox's own server). A service moto amends with
    its own extras (SQS: another protocol) keeps moto's own loading: the clients must not
    see those amendments."""
    from moto.core import utils
    from moto.core.loaders import moto_root

    own = utils._load_service_model

    def load(service_name: str, model_name: str) -> dict[str, Any]:
        folder = Path(moto_root, service_name.replace("-", ""))
        if any(folder.glob(f"*/{model_name}.moto-extras.json*")):
            return own(service_name, model_name)
        loader = shared_botocore_session().get_component("data_loader")
        model: dict[str, Any] = loader.load_service_model(service_name, model_name)
        return model

    utils._load_service_model = load
