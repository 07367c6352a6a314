"""End-to-end test with a real Python gRPC client (Debian's python3-grpcio).

Starts the portcullisd binary on a temporary data directory, calls
portcullis.v1.Gate/Evaluate with message types loaded from the API's
descriptor set (no generated code needed), checks that the decision's digest
equals the one the Python reference computes, that bad input gets a clear
INVALID_ARGUMENT, and that SIGTERM stops the daemon cleanly.

usage: python_client_test.py PORTCULLISD PROTOSET
"""

import json
import os
import re
import signal
import subprocess
import sys
import tempfile

import base64
import hashlib
import grpc
from google.protobuf import descriptor_pb2, json_format, message_factory

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "examples", "python"))
from action_digest import action_digest  # noqa: E402

POLICY = """
policy "shop" version "py-1"
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
}
"""


def load_types(protoset_path):
    files = descriptor_pb2.FileDescriptorSet()
    with open(protoset_path, "rb") as f:
        files.ParseFromString(f.read())
    return message_factory.GetMessages(files.file)


def new_token():
    """A bearer token and the hash the gate's configuration holds
    (identity/token.h)."""
    token = "pcl_" + base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")
    digest = hashlib.blake2b(b"portcullis/token/v1\x00" + token.encode(),
                             digest_size=32).hexdigest()
    return token, "blake2b:" + digest


def start_daemon(binary, workdir, token_hash):
    with open(os.path.join(workdir, "shop.policy"), "w") as f:
        f.write(POLICY)
    with open(os.path.join(workdir, "gate.yaml"), "w") as f:
        f.write("policy: shop.policy\n"
                "principals:\n"
                "  - name: python-agent\n"
                "    roles: [agent]\n"
                    "    agents: ['*']\n"
                "    tenants: [al-noor]\n"
                f"    tokenHashes: ['{token_hash}']\n")
    proc = subprocess.Popen(
        [binary, "--config", os.path.join(workdir, "gate.yaml"),
         "--data_dir", os.path.join(workdir, "data"), "--listen", "127.0.0.1:0"],
        stderr=subprocess.PIPE, text=True)
    for line in proc.stderr:
        sys.stderr.write(line)
        match = re.search(r"serving on 127\.0\.0\.1:(\d+)", line)
        if match:
            return proc, int(match.group(1))
    raise RuntimeError("portcullisd exited before serving")


def main():
    binary, protoset = sys.argv[1], sys.argv[2]
    types = load_types(protoset)
    request_type = types["portcullis.v1.EvaluateRequest"]
    response_type = types["portcullis.v1.EvaluateResponse"]
    outcome_allow = 1
    outcome_deny = 2

    with tempfile.TemporaryDirectory() as workdir:
        token, token_hash = new_token()
        auth = [("authorization", f"Bearer {token}")]
        proc, port = start_daemon(binary, workdir, token_hash)
        try:
            channel = grpc.insecure_channel(f"127.0.0.1:{port}")
            evaluate = channel.unary_unary(
                "/portcullis.v1.Gate/Evaluate",
                request_serializer=lambda m: m.SerializeToString(),
                response_deserializer=response_type.FromString)

            action = {
                "tenant": "al-noor", "agent": "support-bot", "tool": "create_coupon",
                "arguments": {"code": {"stringValue": "WELCOME10"},
                              "value": {"moneyValue": {"amount": "50.00", "currency": "SAR"}}},
                "context": {"requestId": "py-1", "runMode": "RUN_MODE_INTERACTIVE"},
                "idempotencyKey": "coupon-7",
            }
            request = json_format.ParseDict({"action": action}, request_type())
            decision = evaluate(request, timeout=30, metadata=auth).decision
            assert decision.outcome == outcome_allow, decision
            assert decision.action_digest == action_digest(action), (
                decision.action_digest.hex(), action_digest(action).hex())
            assert [r.id for r in decision.decided_by] == ["coupons"], decision

            action["arguments"]["value"]["moneyValue"]["amount"] = "50.01"
            denied = evaluate(json_format.ParseDict({"action": action}, request_type()),
                              timeout=30, metadata=auth).decision
            assert denied.outcome == outcome_deny, denied
            assert [r.id for r in denied.decided_by] == ["coupon-cap"], denied

            bad = json.loads(json.dumps(action))
            bad["tool"] = ""
            try:
                evaluate(json_format.ParseDict({"action": bad}, request_type()), timeout=30,
                         metadata=auth)
                raise AssertionError("an empty tool name was accepted")
            except grpc.RpcError as error:
                assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, error
                assert "action.tool" in error.details(), error.details()
            # Without the token the gate does not know the caller.
            try:
                evaluate(request, timeout=30)
                raise AssertionError("a call without credentials was accepted")
            except grpc.RpcError as error:
                assert error.code() == grpc.StatusCode.UNAUTHENTICATED, error
            channel.close()
        finally:
            proc.send_signal(signal.SIGTERM)
            rest = proc.stderr.read()
            sys.stderr.write(rest)
            code = proc.wait(timeout=60)
        assert code == 0, f"portcullisd exited {code}"
        assert "stopped" in rest, rest
    print("python client: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
