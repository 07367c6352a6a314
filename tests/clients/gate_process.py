"""A real portcullisd for the Python client's tests: started on port 0 and
a Unix socket in a temporary directory, with a test policy, principals
(bearer tokens and the test's own uid) and an approver key.

usage in a test: ``with GateProcess(binary) as running: ...``
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from typing import List, Optional

import nacl.signing

POLICY = """
policy "shop" version "py-client-1"
tenant "al-noor" {
  tool create_coupon {
    class write
    arg code: string
    arg value: money(SAR)
    rule coupon-cap "coupons are capped at 50 SAR"
      deny when args.value > 50 SAR
    rule coupons "coupons within the cap are fine"
      allow
  }
  tool refund_order {
    class write
    arg order_id: string
    arg amount: money(SAR)
    rule refunds "refunds need the owner"
      approve by owner expires 1h
  }
  tool tag_order {
    class write
    arg order_id: string
    arg tags: list(of string)
    arg urgent: bool
    arg count: int
    rule tags "tags are fine"
      allow
  }
}
"""


def new_token() -> "tuple[str, str]":
    """A bearer token and the hash the gate's configuration holds
    (docs/security.md)."""
    token = "pcl_" + base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")
    digest = hashlib.blake2b(b"portcullis/token/v1\x00" + token.encode(),
                             digest_size=32).hexdigest()
    return token, "blake2b:" + digest


def _make_certificates(directory: str) -> None:
    """A CA and a server certificate for 127.0.0.1, as tests/server/tls_test.cc makes."""
    subprocess.run(
        "set -e; "
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
        "-keyout ca.key -out ca.crt -days 2 -subj /CN=test-ca; "
        "openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
        "-keyout server.key -out server.csr -subj /CN=127.0.0.1; "
        "printf 'subjectAltName=IP:127.0.0.1' > san.ext; "
        "openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key "
        "-CAcreateserial -out server.crt -days 2 -extfile san.ext; "
        "chmod 600 server.key ca.key",
        shell=True, cwd=directory, check=True, capture_output=True)


class GateProcess:
    """Starts portcullisd; ``port``, ``unix_target``, ``agent_token``,
    ``approver_token``, ``alice`` (the owner's signing key) and
    ``gate_public_key`` are set once it serves. ``stop()`` sends SIGTERM and
    returns the exit code. ``policy`` replaces the test policy;
    ``extra_config`` is YAML appended to the configuration (e.g. an
    ``approvals:`` block)."""

    def __init__(self, binary: str, *, tls: bool = False, policy: str = POLICY,
                 extra_config: str = "") -> None:
        self.binary = binary
        self.workdir = tempfile.mkdtemp(prefix="pcl-py-")
        listen = ""
        if tls:
            _make_certificates(self.workdir)
            listen = ("listen:\n"
                      "  tls:\n"
                      "    certFile: server.crt\n"
                      "    keyFile: server.key\n")
        self.agent_token, agent_hash = new_token()
        self.approver_token, approver_hash = new_token()
        self.any_tenant_token, any_hash = new_token()
        self.alice = nacl.signing.SigningKey.generate()
        alice_pub = base64.b64encode(bytes(self.alice.verify_key)).decode()
        with open(os.path.join(self.workdir, "shop.policy"), "w") as f:
            f.write(policy)
        with open(os.path.join(self.workdir, "gate.yaml"), "w") as f:
            f.write("policy: shop.policy\n" + listen +
                    "principals:\n"
                    "  - name: python-agent\n"
                    "    roles: [agent]\n"
                    "    agents: ['*']\n"
                    "    tenants: [al-noor]\n"
                    f"    tokenHashes: ['{agent_hash}']\n"
                    f"    unixUids: [{os.getuid()}]\n"
                    "  - name: python-any-tenant\n"
                    "    roles: [agent]\n"
                    "    agents: ['*']\n"
                    "    tenants: ['*']\n"
                    f"    tokenHashes: ['{any_hash}']\n"
                    "  - name: python-approver\n"
                    "    roles: [approver]\n"
                    "    tenants: [al-noor]\n"
                    f"    tokenHashes: ['{approver_hash}']\n"
                    "approvers:\n"
                    "  - id: alice\n"
                    f"    publicKey: {alice_pub}\n"
                    "    roles: [owner]\n"
                    "    tenants: [al-noor]\n" + extra_config)
        self.data_dir = os.path.join(self.workdir, "data")
        self.socket_path = os.path.join(self.workdir, "gate.sock")
        self.proc: "Optional[subprocess.Popen[str]]" = None
        self.port = 0
        self.log: List[str] = []

    @property
    def ca_certificate(self) -> bytes:
        """The CA that signed the TLS server certificate (for 127.0.0.1)."""
        with open(os.path.join(self.workdir, "ca.crt"), "rb") as f:
            return f.read()

    @property
    def tcp_target(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def unix_target(self) -> str:
        return f"unix:{self.socket_path}"

    @property
    def gate_public_key(self) -> bytes:
        with open(os.path.join(self.data_dir, "gate.pub"), "rb") as f:
            return base64.b64decode(f.read().strip())

    def start(self) -> "GateProcess":
        self.proc = subprocess.Popen(
            [self.binary, "--config", os.path.join(self.workdir, "gate.yaml"),
             "--data_dir", self.data_dir, "--listen", "127.0.0.1:0",
             "--unix_socket", self.socket_path],
            stderr=subprocess.PIPE, text=True)
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.log.append(line)
            match = re.search(r"serving on 127\.0\.0\.1:(\d+)", line)
            if match:
                self.port = int(match.group(1))
                return self
        raise RuntimeError("portcullisd exited before serving:\n" + "".join(self.log))

    def stop(self) -> int:
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else 0
        self.proc.send_signal(signal.SIGTERM)
        assert self.proc.stderr is not None
        self.log.append(self.proc.stderr.read())
        self.proc.stderr.close()
        return self.proc.wait(timeout=60)

    def __enter__(self) -> "GateProcess":
        return self.start()

    def __exit__(self, *_: object) -> None:
        code = self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)
        if code != 0:
            sys.stderr.write("".join(self.log))
            raise AssertionError(f"portcullisd exited {code}")
