"""The real Prometheus server scrapes a real gate.

Starts portcullisd with its operators' HTTP listener on a free loopback
port (port 0), starts Debian's `prometheus` on another loopback port with
a scrape config pointing at the gate (scrape_interval 1s), drives known
traffic through the gate with a Python gRPC client, then asks Prometheus's
HTTP query API for the counters and for a histogram quantile, polling with
a bounded deadline until the scrape that carries them has happened.

usage: prometheus_scrape_test.py PORTCULLISD PROTOSET PROMETHEUS
"""

import json
import math
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

import grpc
from google.protobuf import json_format

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "clients"))
from python_client_test import load_types, new_token  # noqa: E402

PORTCULLISD, PROTOSET, PROMETHEUS = sys.argv[1:4]
DEADLINE_SECONDS = 90

POLICY = """
policy "shop" version "prom-1"
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

ALLOWED, DENIED, UNDECLARED, UNAUTHENTICATED = 7, 3, 2, 1


def free_loopback_port():
    """A port nothing listens on now (Prometheus cannot be given port 0
    and report the port it took)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LineReader:
    """Collects a child's stderr on a thread, so its pipe never fills."""

    def __init__(self, stream):
        self.lines = []
        self.cond = threading.Condition()
        self.thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self.thread.start()

    def _read(self, stream):
        for line in stream:
            with self.cond:
                self.lines.append(line)
                self.cond.notify_all()
        with self.cond:
            self.lines.append(None)  # end of stream
            self.cond.notify_all()

    def wait_for(self, pattern, deadline):
        with self.cond:
            seen = 0
            while time.monotonic() < deadline:
                for line in self.lines[seen:]:
                    if line is None:
                        raise RuntimeError("the process exited:\n" + self.text())
                    match = re.search(pattern, line)
                    if match:
                        return match
                seen = len(self.lines)
                self.cond.wait(timeout=deadline - time.monotonic())
        raise TimeoutError(f"no line matching {pattern!r}:\n" + self.text())

    def text(self):
        return "".join(l for l in self.lines if l is not None)


def http_get(url, token=None):
    request = urllib.request.Request(url)
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def prometheus_quantile(q, buckets):
    """histogram_quantile as Prometheus computes it (promql/quantile.go):
    linear interpolation inside the bucket that holds rank q*count; the
    lowest bucket starts at 0; a rank in +Inf gives the highest finite
    bound. `buckets` is [(upper bound, cumulative count)], sorted."""
    count = buckets[-1][1]
    rank = q * count
    for i, (bound, cumulative) in enumerate(buckets):
        if cumulative >= rank:
            break
    if math.isinf(bound):
        return buckets[-2][0]
    lower, below = (0.0, 0.0) if i == 0 else (buckets[i - 1][0], buckets[i - 1][1])
    if i == 0 and bound <= 0:
        return bound
    return lower + (bound - lower) * (rank - below) / (cumulative - below)


def buckets_from_exposition(text, name):
    out = []
    for line in text.splitlines():
        match = re.fullmatch(name + r'_bucket\{le="([^"]+)"\} (\d+)', line)
        if match:
            out.append((float(match.group(1)), int(match.group(2))))
    return sorted(out)


class PrometheusScrapeTest(unittest.TestCase):
    def setUp(self):
        self.workdir = tempfile.TemporaryDirectory()
        self.addCleanup(self.workdir.cleanup)
        self.deadline = time.monotonic() + DEADLINE_SECONDS
        self.token, token_hash = new_token()
        # Prometheus scrapes as an auditor (observability.metricsAuth).
        self.scrape_token, scrape_hash = new_token()
        self.start_gate(token_hash, scrape_hash)
        self.start_prometheus()

    def stop(self, proc, reader):
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        reader.thread.join(timeout=10)
        proc.stderr.close()

    def start_gate(self, token_hash, scrape_hash):
        work = self.workdir.name
        with open(os.path.join(work, "shop.policy"), "w") as f:
            f.write(POLICY)
        with open(os.path.join(work, "gate.yaml"), "w") as f:
            f.write("policy: shop.policy\n"
                    "principals:\n"
                    "  - name: prometheus-test-agent\n"
                    "    roles: [agent]\n"
                    "    agents: ['*']\n"
                    "    tenants: [al-noor]\n"
                    f"    tokenHashes: ['{token_hash}']\n"
                    "  - name: prometheus-scraper\n"
                    "    roles: [auditor]\n"
                    "    tenants: [al-noor]\n"
                    f"    tokenHashes: ['{scrape_hash}']\n"
                    "listen:\n"
                    "  disableUnixSocket: true\n"
                    "observability:\n"
                    "  httpAddress: 127.0.0.1:0\n"
                    "  metricsAuth: true\n")
        self.gate = subprocess.Popen(
            [PORTCULLISD, "--config", os.path.join(work, "gate.yaml"),
             "--data_dir", os.path.join(work, "data"), "--listen", "127.0.0.1:0"],
            stderr=subprocess.PIPE, text=True)
        self.gate_log = LineReader(self.gate.stderr)
        self.addCleanup(self.stop, self.gate, self.gate_log)
        self.http_port = int(self.gate_log.wait_for(
            r"HTTP listener on http://127\.0\.0\.1:(\d+)", self.deadline).group(1))
        self.grpc_port = int(self.gate_log.wait_for(
            r"serving on 127\.0\.0\.1:(\d+)", self.deadline).group(1))

    def start_prometheus(self):
        work = self.workdir.name
        self.prom_port = free_loopback_port()
        config = os.path.join(work, "prometheus.yml")
        with open(config, "w") as f:
            f.write("global:\n"
                    "  scrape_interval: 1s\n"
                    "  scrape_timeout: 1s\n"
                    "scrape_configs:\n"
                    "  - job_name: portcullis\n"
                    "    authorization:\n"
                    f"      credentials: '{self.scrape_token}'\n"
                    "    static_configs:\n"
                    f"      - targets: ['127.0.0.1:{self.http_port}']\n")
        self.prometheus = subprocess.Popen(
            [PROMETHEUS, f"--config.file={config}",
             f"--storage.tsdb.path={os.path.join(work, 'tsdb')}",
             f"--web.listen-address=127.0.0.1:{self.prom_port}",
             "--log.level=warn"],
            stderr=subprocess.PIPE, text=True)
        self.prom_log = LineReader(self.prometheus.stderr)
        self.addCleanup(self.stop, self.prometheus, self.prom_log)
        self.eventually(lambda: http_get(self.prom_url("/-/ready"))[0] == 200,
                        "Prometheus is ready")

    def prom_url(self, path):
        return f"http://127.0.0.1:{self.prom_port}{path}"

    def query(self, promql):
        """The single value of an instant query, or None when empty."""
        url = self.prom_url("/api/v1/query?" + urllib.parse.urlencode({"query": promql}))
        status, body = http_get(url)
        answer = json.loads(body)
        self.assertEqual(answer["status"], "success", body)
        result = answer["data"]["result"]
        if not result:
            return None
        self.assertEqual(len(result), 1, body)
        return float(result[0]["value"][1])

    def eventually(self, check, what):
        """Polls `check` until it is true, up to the test's deadline."""
        last_error = None
        while time.monotonic() < self.deadline:
            try:
                if check():
                    return
            except (OSError, ValueError) as error:  # not up yet
                last_error = error
            prometheus = getattr(self, "prometheus", None)
            if prometheus is not None and prometheus.poll() is not None:
                self.fail("prometheus exited:\n" + self.prom_log.text())
            time.sleep(0.2)  # polling interval, not ordering
        prom_log = getattr(self, "prom_log", None)
        self.fail(f"timed out waiting until {what} (last error: {last_error})\n"
                  + (prom_log.text() if prom_log else ""))

    def drive_traffic(self):
        types = load_types(PROTOSET)
        request_type = types["portcullis.v1.EvaluateRequest"]
        response_type = types["portcullis.v1.EvaluateResponse"]
        channel = grpc.insecure_channel(f"127.0.0.1:{self.grpc_port}")
        self.addCleanup(channel.close)
        evaluate = channel.unary_unary(
            "/portcullis.v1.Gate/Evaluate",
            request_serializer=lambda m: m.SerializeToString(),
            response_deserializer=response_type.FromString)
        auth = [("authorization", f"Bearer {self.token}")]

        def action(tool, amount):
            return json_format.ParseDict({"action": {
                "tenant": "al-noor", "agent": "bot", "tool": tool,
                "arguments": {"code": {"stringValue": "C1"},
                              "value": {"moneyValue": {"amount": amount,
                                                       "currency": "SAR"}}}}},
                request_type())

        for _ in range(ALLOWED):
            self.assertEqual(evaluate(action("create_coupon", "10.00"), timeout=30,
                                      metadata=auth).decision.outcome, 1)
        for _ in range(DENIED):
            self.assertEqual(evaluate(action("create_coupon", "99.00"), timeout=30,
                                      metadata=auth).decision.outcome, 2)
        for i in range(UNDECLARED):
            self.assertEqual(evaluate(action(f"wire_money_{i}", "1.00"), timeout=30,
                                      metadata=auth).decision.outcome, 2)
        for _ in range(UNAUTHENTICATED):
            with self.assertRaises(grpc.RpcError) as refused:
                evaluate(action("create_coupon", "10.00"), timeout=30)
            self.assertEqual(refused.exception.code(), grpc.StatusCode.UNAUTHENTICATED)

    def test_prometheus_scrapes_the_counters_and_latency_histogram(self):
        self.eventually(lambda: self.query('up{job="portcullis"}') == 1,
                        "Prometheus has scraped the gate")
        self.drive_traffic()
        total = ALLOWED + DENIED + UNDECLARED
        expected = {
            'portcullis_decisions_total{outcome="allow",tool="create_coupon"}': ALLOWED,
            'portcullis_decisions_total{outcome="deny",tool="create_coupon"}': DENIED,
            'portcullis_decisions_total{outcome="deny",tool="other"}': UNDECLARED,
            'portcullis_auth_failures_total{reason="unauthenticated"}': UNAUTHENTICATED,
            "portcullis_evaluate_duration_seconds_count": total,
            'count(portcullis_decisions_total{tool=~"wire_money.*"})': None,
            'portcullis_policy_info{version="prom-1"}': 1,
            "portcullis_pending_approvals": 0,
        }
        seen = {}

        def all_scraped():
            for promql, value in expected.items():
                seen[promql] = self.query(promql)
            return seen == expected

        try:
            self.eventually(all_scraped, "every counter is scraped")
        finally:
            print(json.dumps(seen, indent=1))

        # The median and the maximum of Evaluate latency, as Prometheus
        # computes them from the scraped buckets, equal what the same
        # algorithm gives on the gate's own exposition (no traffic since).
        status, exposition = http_get(f"http://127.0.0.1:{self.http_port}/metrics",
                                      self.scrape_token)
        self.assertEqual(status, 200)
        buckets = buckets_from_exposition(exposition,
                                          "portcullis_evaluate_duration_seconds")
        self.assertEqual(buckets[-1][1], total)
        for q in (0.5, 0.99):
            promql = ("histogram_quantile(%s, sum by (le) "
                      "(portcullis_evaluate_duration_seconds_bucket))" % q)
            value = self.query(promql)
            self.assertIsNotNone(value, promql)
            self.assertGreater(value, 0)
            self.assertLessEqual(value, 2.5)
            self.assertAlmostEqual(value, prometheus_quantile(q, buckets), places=9)

        # Without the token the gate refuses the scrape.
        status, _ = http_get(f"http://127.0.0.1:{self.http_port}/metrics")
        self.assertEqual(status, 401)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
