"""Finds the Python code generated from proto/ and makes it importable as
``portcullis.v1``.

The stubs are never committed. They come, in this order, from:
1. ``$PORTCULLIS_STUBS_DIR``: a directory the build wrote with protoc and
   grpc_python_plugin (CMake target ``portcullis_python_stubs``, in
   ``<build>/clients/python/stubs``);
2. otherwise a per-user cache, generated on first use from the repository's
   ``proto/`` (or ``$PORTCULLIS_PROTO_DIR``) with ``protoc`` and
   ``grpc_python_plugin`` from Debian's protobuf-compiler-grpc, under a
   directory named by the hash of the .proto files, so a changed API gets
   fresh stubs.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import os
import shutil
import subprocess
import sys
import tempfile
import types
from typing import List

# The Gate API and what it imports; admin.proto is for operators' tools.
PROTOS = ["portcullis/v1/action.proto", "portcullis/v1/decision.proto",
          "portcullis/v1/gate.proto", "portcullis/v1/admin.proto",
          "portcullis/ledger/v1/export.proto"]
_MARKER = os.path.join("portcullis", "v1", "gate_pb2_grpc.py")


class StubsUnavailable(ImportError):
    """Neither built stubs nor the tools to generate them were found."""


def _proto_root() -> str:
    configured = os.environ.get("PORTCULLIS_PROTO_DIR")
    if configured:
        return configured
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.normpath(os.path.join(here, "..", "..", "..", "proto"))


def _cache_root() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "portcullis", "python-stubs")


def _generate(proto_root: str, out_dir: str) -> None:
    protoc = shutil.which("protoc")
    plugin = shutil.which("grpc_python_plugin")
    if not protoc or not plugin:
        raise StubsUnavailable(
            "portcullis: no generated stubs. Build them (cmake --build BUILD --target "
            "portcullis_python_stubs; set PORTCULLIS_STUBS_DIR=BUILD/clients/python/stubs) "
            "or install protobuf-compiler and protobuf-compiler-grpc")
    subprocess.run(
        [protoc, f"--proto_path={proto_root}", f"--python_out={out_dir}",
         f"--grpc_python_out={out_dir}", f"--plugin=protoc-gen-grpc_python={plugin}",
         *PROTOS], cwd=proto_root, check=True, capture_output=True)


def _cached_stubs() -> str:
    proto_root = _proto_root()
    hasher = hashlib.sha256()
    try:
        for proto in PROTOS:
            with open(os.path.join(proto_root, proto), "rb") as f:
                hasher.update(proto.encode() + b"\0" + f.read())
    except OSError as error:
        raise StubsUnavailable(f"portcullis: no stubs and no .proto files at {proto_root} "
                               f"({error}); set PORTCULLIS_STUBS_DIR") from error
    final = os.path.join(_cache_root(), hasher.hexdigest()[:32])
    if os.path.exists(os.path.join(final, _MARKER)):
        return final
    os.makedirs(_cache_root(), exist_ok=True)
    staging = tempfile.mkdtemp(dir=_cache_root(), prefix=".staging-")
    try:
        _generate(proto_root, staging)
        try:
            os.rename(staging, final)  # atomic; another process may have won
        except OSError:
            if not os.path.exists(os.path.join(final, _MARKER)):
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return final


def stubs_dir() -> str:
    """The directory holding ``portcullis/v1/*_pb2*.py``. Raises
    ``StubsUnavailable`` when there is none and none can be generated."""
    built = os.environ.get("PORTCULLIS_STUBS_DIR")
    if built:
        if not os.path.exists(os.path.join(built, _MARKER)):
            raise StubsUnavailable(f"portcullis: PORTCULLIS_STUBS_DIR={built} holds no "
                                   f"{_MARKER}; build the portcullis_python_stubs target")
        return built
    return _cached_stubs()


@functools.lru_cache(maxsize=None)
def load() -> types.SimpleNamespace:
    """Imports the generated modules once and returns them as ``action``,
    ``decision``, ``gate``, ``gate_grpc``, ``admin``, ``admin_grpc``.

    The generated code imports itself as ``portcullis.v1.*``: this package's
    ``__path__`` is extended with the stubs' ``portcullis/`` directory so that
    ``portcullis.v1`` resolves there.
    """
    package = sys.modules["portcullis"]
    extra = os.path.join(stubs_dir(), "portcullis")
    path: List[str] = package.__path__  # type: ignore[assignment]
    if extra not in path:
        path.append(extra)
    modules = {name: importlib.import_module(f"portcullis.v1.{name}_pb2")
               for name in ("action", "decision", "gate", "admin")}
    modules["gate_grpc"] = importlib.import_module("portcullis.v1.gate_pb2_grpc")
    modules["admin_grpc"] = importlib.import_module("portcullis.v1.admin_pb2_grpc")
    return types.SimpleNamespace(**modules)
