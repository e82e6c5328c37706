"""One botocore loader for the whole sandbox process: each service model is parsed once.

The sandbox's own boto3 clients, moto's request parsing (`moto.core.utils.get_service_model`),
moto's list of a backend's regions (`AccountSpecificBackend.get_session`) and the event
history's REST routes (trail.py) each read a service's model. Apart, each parsed the same JSON
again with a loader of its own (5-10 services at start-up, 20-140 ms apiece on this machine);
botocore's loader caches what it loaded, so sharing one is all it takes.

Also here, the rest of what moto costs the sandbox at start-up that it never uses: the one
import it defers (`defer_openapi_validator`) and werkzeug's URL builders
(`build_urls_on_demand`).
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
import types
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

    from moto.core.base_backend import AccountSpecificBackend

    # moto asks a session of its own only which regions a service has: ours answers from the
    # models our clients already loaded. (A classmethod, as moto's is; moto only reads it.)
    AccountSpecificBackend.get_session = classmethod(lambda cls: shared_session())  # type: ignore[method-assign,assignment]


def build_urls_on_demand() -> None:
    """Werkzeug compiles two URL builders (Python code, through `ast` and `exec`) for every
    route it adds, for `url_for`; moto's server adds a route per REST operation to each
    service's Flask app and router as the service is first called (Lambda, API Gateway: ~100
    apiece) and never builds a URL. From now on a rule compiles a builder when it first
    builds (the same code, the same result): 60-80% of creating a service's routes."""
    from werkzeug.routing.rules import Rule

    compile_builder = Rule._compile_builder
    if getattr(compile_builder, "__todotui_on_demand__", False):
        return

    def on_demand(self: Rule, append_unknown: bool = True) -> Any:
        def build(rule: Rule, /, **values: Any) -> Any:
            compiled = compile_builder(rule, append_unknown)
            name = "_build_unknown" if append_unknown else "_build"
            setattr(rule, name, compiled.__get__(rule, None))  # the next build is direct
            return compiled(rule, **values)

        return build

    on_demand.__todotui_on_demand__ = True  # type: ignore[attr-defined]
    Rule._compile_builder = on_demand  # type: ignore[method-assign]


OPENAPI_VALIDATOR = "openapi_spec_validator"
"""moto's API Gateway imports this at its top for one call, `import_rest_api`'s validation
(which the sandbox never makes): importing it all costs 170 ms of the demo's first data."""


def defer_openapi_validator() -> None:
    """Let moto's API Gateway import `openapi_spec_validator` without loading it: until its
    `validate` is first called, the package is a stand-in that loads only the exceptions
    module moto catches (50 ms: jsonschema's exceptions). The first call loads the real
    package (its exception classes are the same objects) and hands over to it. Call before
    anything imports `moto.apigateway.models`; does nothing if the package is loaded."""
    if OPENAPI_VALIDATOR in sys.modules:
        return
    spec = importlib.util.find_spec(OPENAPI_VALIDATOR)
    if spec is None or spec.submodule_search_locations is None:
        return  # not installed as a package: moto's own import says what is missing
    package_path = list(spec.submodule_search_locations)

    def validate(*args: Any, **kwargs: Any) -> Any:
        for name in (OPENAPI_VALIDATOR, f"{OPENAPI_VALIDATOR}.validation"):
            if getattr(sys.modules.get(name), "__todotui_stand_in__", False):
                del sys.modules[name]
        real = importlib.import_module(OPENAPI_VALIDATOR)
        return real.validate(*args, **kwargs)

    package = types.ModuleType(OPENAPI_VALIDATOR, "stand-in until first use (todotui sandbox)")
    package.__path__ = package_path
    package.__todotui_stand_in__ = True  # type: ignore[attr-defined]
    package.validate = validate  # type: ignore[attr-defined]
    validation = types.ModuleType(f"{OPENAPI_VALIDATOR}.validation")
    validation.__path__ = [str(Path(package_path[0]) / "validation")]
    validation.__todotui_stand_in__ = True  # type: ignore[attr-defined]
    package.validation = validation  # type: ignore[attr-defined]
    sys.modules[OPENAPI_VALIDATOR] = package
    sys.modules[validation.__name__] = validation
