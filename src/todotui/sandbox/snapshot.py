"""The provisioned stack kept on disk, so the demo's next start loads it instead of making it.

Provisioning is ~70 calls through moto (a Cognito pool alone validates an RSA key; API Gateway
compiles its routes; each service's model is parsed and its client built): 1.3 s of the
demo's 2.75 s to first data, on a 2-core machine. Its result depends only on the code that
makes it and the settings it is made for, so after a fresh provisioning the state it left
(moto's backends for the services it wrote, the gap filler's alias revisions and
provisioned-concurrency configs, the event history of its calls) is pickled to one file,
keyed by a fingerprint of all of that. A later start with the same fingerprint unpickles it
(the cost left is importing moto's models for those services) and moves the event history's
times to the new start, so "what changed lately" reads as it does after a fresh one. The
resources' own creation times are left as they were: a stack made days ago is what an
account has.

Anything else (another todotui, moto, botocore or Python; other names, region, period or
candidate; a file that is missing, unreadable or from an older format) means a fresh
provisioning, which then writes a new file. Used only where asked (`todotui sandbox
--stack-cache DIR`; the demo asks, in todotui's cache directory): tests provision afresh.
The file is pickle, so it is read only from that directory of the user's own, written with
mode 0600.
"""

from __future__ import annotations

import collections
import hashlib
import importlib
import io
import os
import pickle
import sys
import tempfile
import threading
import weakref
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from todotui.sandbox.gaps import GapFiller
    from todotui.sandbox.provision import Stack
    from todotui.sandbox.scenarios import Candidate
    from todotui.stack_names import StackNames

FORMAT = 1
"""Bumped when what the file holds changes shape."""
KEEP_FILES = 4
"""Stacks kept (for as many code versions or settings); older files are deleted."""
BACKENDS = {
    "apigateway": ("moto.apigateway.models", "apigateway_backends"),
    "cloudwatch": ("moto.cloudwatch.models", "cloudwatch_backends"),
    "cognito-idp": ("moto.cognitoidp.models", "cognitoidp_backends"),
    "dynamodb": ("moto.dynamodb.models", "dynamodb_backends"),
    "iam": ("moto.iam.models", "iam_backends"),
    "lambda": ("moto.awslambda.models", "lambda_backends"),
    "lambda without docker": ("moto.awslambda_simple.models", "lambda_simple_backends"),
    "logs": ("moto.logs.models", "logs_backends"),
    "sns": ("moto.sns.models", "sns_backends"),
    "sqs": ("moto.sqs.models", "sqs_backends"),
    "sts": ("moto.sts.models", "sts_backends"),
}
"""moto's backends that provisioning writes to, each saved whole. Lambda has two: moto's
responses use the second when Docker is off, as the sandbox has it (`awslambda.utils`)."""


@dataclass(frozen=True)
class Snapshot:
    """What one file holds."""

    fingerprint: str
    saved_at: datetime
    stack: Stack
    backends: dict[str, dict[str, Any]]
    """Service -> moto's per-account backends, as in its BackendDict."""
    gaps: dict[str, Any]
    """The gap filler's own state (`GapFiller.provisioned_state`)."""


def fingerprint(names: StackNames, region: str, period: float, candidate: Candidate) -> str:
    """Everything a provisioning's result depends on: the sandbox's code, the libraries that
    serve it, and what it is asked to make."""
    import botocore
    import moto

    digest = hashlib.sha256()
    for part in (FORMAT, sys.version, moto.__version__, botocore.__version__, region, period):
        digest.update(f"{part}\0".encode())
    digest.update(repr(names).encode())
    digest.update(repr(candidate).encode())
    package = Path(__file__).parent
    for source in [*sorted(package.glob("*.py")), package.parent / "stack_names.py"]:
        digest.update(source.name.encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()


def file_for(directory: Path, key: str) -> Path:
    return directory / f"stack-{key[:16]}.pickle"


def save(path: Path, key: str, stack: Stack, gaps: GapFiller) -> None:
    """Write the state provisioning left (atomically: a reader never sees half a file).
    Raises OSError or pickle's errors; the caller says so and carries on."""
    snapshot = Snapshot(
        fingerprint=key,
        saved_at=datetime.now(UTC),
        stack=stack,
        backends={name: dict(_backend_dict(name)) for name in BACKENDS},
        gaps=gaps.provisioned_state(),
    )
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(snapshot)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".stack-", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(buffer.getvalue())  # mkstemp made it 0600
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _prune(path.parent, keep=path)


def _prune(directory: Path, *, keep: Path) -> None:
    """Only the newest few files stay: each upgrade or settings change writes another."""
    kept = sorted(directory.glob("stack-*.pickle"), key=_modified, reverse=True)
    for old in kept[KEEP_FILES:]:
        if old != keep:
            old.unlink(missing_ok=True)


def _modified(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def restore(path: Path, key: str, gaps: GapFiller, *, now: datetime, endpoint: str) -> Stack | None:
    """The stack saved at `path` for `key`, its state put back into moto and `gaps`; None if
    there is no such file or it is not for `key` (nothing is changed then). Raises what
    reading or unpickling a damaged file raises, before anything is changed. `endpoint`:
    where this start serves (the queue's URL named the last one's)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    snapshot = pickle.loads(data)
    if not isinstance(snapshot, Snapshot) or snapshot.fingerprint != key:
        return None
    for name, accounts in snapshot.backends.items():
        backends = _backend_dict(name)
        backends.clear()
        backends.update(accounts)
    gaps.restore_provisioned(snapshot.gaps, moved_by=now - snapshot.saved_at)
    queue = urlsplit(snapshot.stack.queue_url)
    return replace(snapshot.stack, queue_url=endpoint.rstrip("/") + queue.path)


def _backend_dict(name: str) -> dict[str, Any]:
    """moto's BackendDict for `name` (account -> region -> backend)."""
    module, attribute = BACKENDS[name]
    backends: dict[str, Any] = getattr(importlib.import_module(module), attribute)
    return backends


# -- what plain pickle cannot take ---------------------------------------------------------------

_RLOCK = type(threading.RLock())
_LOCK = type(threading.Lock())


def _new_rlock() -> Any:
    return threading.RLock()


def _new_lock() -> Any:
    return threading.Lock()


def _weak_values(items: list[tuple[Any, Any]]) -> weakref.WeakValueDictionary[Any, Any]:
    return weakref.WeakValueDictionary(items)


def _default_dict(kind: type, items: dict[Any, Any]) -> collections.defaultdict[Any, Any]:
    return collections.defaultdict(kind, items)


def _rsa_key(pem: bytes) -> Any:
    from cryptography.hazmat.primitives import serialization

    # it was validated when it was first loaded; validating again is most of a pool's cost
    return serialization.load_pem_private_key(pem, None, unsafe_skip_rsa_key_validation=True)


class _Pickler(pickle.Pickler):
    """Pickle, plus the few objects in moto's backends it refuses: locks (new ones: nothing
    holds them between requests), WeakValueDictionary and `defaultdict(lambda: {})` (Lambda's
    storage), and RSA private keys (Cognito's signing key, as PEM)."""

    def reducer_override(self, obj: Any) -> Any:
        kind = type(obj)
        if kind is _RLOCK:
            return _new_rlock, ()
        if kind is _LOCK:
            return _new_lock, ()
        if kind is weakref.WeakValueDictionary:
            return _weak_values, (list(obj.items()),)
        if kind is collections.defaultdict and getattr(obj.default_factory, "__name__", "") == (
            "<lambda>"
        ):
            made = obj.default_factory()
            if type(made) in (dict, list, set) and not made:
                return _default_dict, (type(made), dict(obj))
        if _is_rsa_private_key(obj):
            from cryptography.hazmat.primitives import serialization

            pem = obj.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            return _rsa_key, (pem,)
        return NotImplemented


def _is_rsa_private_key(obj: Any) -> bool:
    from cryptography.hazmat.primitives.asymmetric import rsa

    return isinstance(obj, rsa.RSAPrivateKey)
