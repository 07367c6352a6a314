"""`portcullis activity tail` forwards the activity stream to a real rsyslog.

Starts Debian's rsyslogd in the foreground with a configuration of its own
in a temporary directory (imtcp on a free loopback port, omfile to a file in
that directory, its own pid file and work directory, no system inputs such
as imuxsock or imklog), a real portcullisd on port 0, drives decisions, a
stored secret and a refused call through the real CLI, then runs
`portcullis activity tail --format syslog --syslog_address ...` and checks
what rsyslog wrote: every entry of the tenant, in sequence order, with the
RFC 5424 fields rsyslog parsed out of each message; and that no token,
secret value or argument value (the sealed payload's content) appears in
it, nor their base64.

Skipped (exit 77) when rsyslogd is not installed, unless CI=true.

usage: rsyslog_forward_test.py PORTCULLISD PORTCULLIS
"""

import base64
import hashlib
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

PORTCULLISD, PORTCULLIS = sys.argv[1:3]
RSYSLOGD = "/usr/sbin/rsyslogd"
DEADLINE_SECONDS = 60
SKIP = 77

POLICY = """
policy "shop" version "syslog-1"
tenant "shop" {
  tool reply_customer {
    class read
    arg note: string
    rule replies "replies are fine" allow
  }
}
"""

SECRET_VALUE = "s3cret-value-for-the-rsyslog-test"
ARGUMENT_VALUE = "argument-value-only-in-the-sealed-payload"

# What rsyslog writes for each message: the fields it parsed, "|"-separated.
TEMPLATE = ("%pri%|%protocol-version%|%timereported:::date-rfc3339%|%hostname%|"
            "%app-name%|%procid%|%msgid%|%structured-data%|%msg%\\n")


def new_token():
    """A bearer token and the hash the gate's configuration holds
    (identity/token.h)."""
    token = "pcl_" + base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")
    digest = hashlib.blake2b(b"portcullis/token/v1\x00" + token.encode(),
                             digest_size=32).hexdigest()
    return token, "blake2b:" + digest


def free_loopback_port():
    """A port nothing listens on now: rsyslog cannot be given port 0."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def encodings(value):
    """`value` and the ways base64 could carry it."""
    raw = value.encode()
    return {value, base64.b64encode(raw).decode().rstrip("="),
            base64.urlsafe_b64encode(raw).decode().rstrip("=")}


class RsyslogForwardTest(unittest.TestCase):
    def setUp(self):
        work = tempfile.TemporaryDirectory()
        self.addCleanup(work.cleanup)
        self.work = work.name
        self.deadline = time.monotonic() + DEADLINE_SECONDS
        self.agent_token, agent_hash = new_token()
        self.ops_token, ops_hash = new_token()
        self.start_rsyslog()
        self.start_gate(agent_hash, ops_hash)

    def stop(self, proc):
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def start_rsyslog(self):
        self.syslog_port = free_loopback_port()
        self.output = os.path.join(self.work, "portcullis.log")
        rsyslog_work = os.path.join(self.work, "rsyslog")
        os.mkdir(rsyslog_work)
        config = os.path.join(self.work, "rsyslog.conf")
        with open(config, "w") as f:
            f.write(f'global(workDirectory="{rsyslog_work}")\n'
                    'module(load="imtcp")\n'
                    f'template(name="fields" type="string" string="{TEMPLATE}")\n'
                    'ruleset(name="portcullis") {\n'
                    f'  action(type="omfile" file="{self.output}" '
                    'template="fields")\n'
                    '}\n'
                    f'input(type="imtcp" address="127.0.0.1" '
                    f'port="{self.syslog_port}" ruleset="portcullis")\n')
        self.rsyslog_log = open(os.path.join(self.work, "rsyslogd.err"), "w+")
        self.addCleanup(self.rsyslog_log.close)
        self.rsyslog = subprocess.Popen(
            [RSYSLOGD, "-n", "-f", config,
             "-i", os.path.join(self.work, "rsyslogd.pid")],
            stdout=self.rsyslog_log, stderr=subprocess.STDOUT)
        self.addCleanup(self.stop, self.rsyslog)
        self.eventually(self.rsyslog_listens, "rsyslogd listens")

    def rsyslog_listens(self):
        if self.rsyslog.poll() is not None:
            self.rsyslog_log.seek(0)
            self.fail("rsyslogd exited:\n" + self.rsyslog_log.read())
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            return s.connect_ex(("127.0.0.1", self.syslog_port)) == 0

    def start_gate(self, agent_hash, ops_hash):
        with open(os.path.join(self.work, "shop.policy"), "w") as f:
            f.write(POLICY)
        with open(os.path.join(self.work, "gate.yaml"), "w") as f:
            f.write("policy: shop.policy\n"
                    "principals:\n"
                    "  - name: rsyslog-test-agent\n"
                    "    roles: [agent]\n"
                    "    agents: ['*']\n"
                    "    tenants: [shop]\n"
                    f"    tokenHashes: ['{agent_hash}']\n"
                    "  - name: rsyslog-test-ops\n"
                    "    roles: [operator, auditor]\n"
                    "    tenants: [shop]\n"
                    f"    tokenHashes: ['{ops_hash}']\n"
                    "listen:\n"
                    "  disableUnixSocket: true\n")
        self.gate_err = open(os.path.join(self.work, "portcullisd.err"), "w+")
        self.addCleanup(self.gate_err.close)
        self.gate = subprocess.Popen(
            [PORTCULLISD, "--config", os.path.join(self.work, "gate.yaml"),
             "--data_dir", os.path.join(self.work, "data"),
             "--listen", "127.0.0.1:0"],
            stdout=subprocess.DEVNULL, stderr=self.gate_err)
        self.addCleanup(self.stop, self.gate)
        port = []

        def serving():
            self.gate_err.seek(0)
            match = re.search(r"serving on 127\.0\.0\.1:(\d+)", self.gate_err.read())
            if match:
                port.append(match.group(1))
            elif self.gate.poll() is not None:
                self.gate_err.seek(0)
                self.fail("portcullisd exited:\n" + self.gate_err.read())
            return bool(match)

        self.eventually(serving, "portcullisd serves")
        self.address = "127.0.0.1:" + port[0]

    def eventually(self, check, what):
        while time.monotonic() < self.deadline:
            if check():
                return
            time.sleep(0.1)  # polling another process, not ordering
        self.fail(f"timed out waiting until {what}")

    def cli(self, *args, token, stdin=None, expect=0):
        done = subprocess.run(
            [PORTCULLIS, *args, "--gate", self.address, "--token", token],
            input=stdin, capture_output=True, text=True, timeout=60)
        self.assertEqual(done.returncode, expect, done.stdout + done.stderr)
        return done

    def drive(self):
        """Decisions, a stored secret and a refused call: the chain's
        entries after the policy's."""
        for tool in ("reply_customer", "reply_customer", "wire_money"):
            self.cli("evaluate", "--tenant", "shop", "--agent", "bot",
                     "--tool", tool, "--arg", f'note="{ARGUMENT_VALUE}"',
                     token=self.agent_token)
        self.cli("secrets", "put", "--tenant", "shop", "--name", "api_key",
                 token=self.ops_token, stdin=SECRET_VALUE)
        # An agent may not tail: refused, and recorded as access.denied.
        self.cli("activity", "tail", "--tenant", "shop", "--limit", "1",
                 token=self.agent_token, expect=1)

    def test_rsyslog_receives_the_stream_in_order_without_secrets(self):
        self.drive()
        # policy, 3 decisions, secret.put, access.denied
        entries = 6
        tail = self.cli("activity", "tail", "--tenant", "shop", "--from", "1",
                        "--format", "syslog", "--syslog_address",
                        f"127.0.0.1:{self.syslog_port}", "--limit", str(entries),
                        token=self.ops_token)
        self.assertEqual(tail.stdout, "")

        lines = []

        def written():
            if not os.path.exists(self.output):
                return False
            with open(self.output) as f:
                lines[:] = f.read().splitlines()
            return len(lines) >= entries

        self.eventually(written, f"rsyslog wrote {entries} lines")
        self.assertEqual(len(lines), entries, "\n".join(lines))
        host = socket.gethostname()
        kinds = []
        for seq, line in enumerate(lines, start=1):
            pri, version, stamp, hostname, app, procid, msgid, sd, msg = \
                line.split("|", 8)
            self.assertEqual(version, "1", line)
            self.assertEqual(app, "portcullis", line)
            self.assertEqual(hostname, host, line)
            self.assertTrue(procid.isdigit(), line)
            self.assertRegex(
                stamp, r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}(Z|\+00:00)$")
            self.assertEqual(int(pri) // 8, 13, line)  # log audit
            self.assertIn(f'[portcullis@32473 tenant="shop" seq="{seq}"', sd)
            self.assertIn(f"shop#{seq}", msg)
            kinds.append(msgid)
        self.assertEqual(kinds[1:4], ["action.evaluated"] * 3)
        self.assertEqual(kinds[4], "secret.put")
        self.assertEqual(kinds[5], "access.denied")
        self.assertRegex(lines[1], r'decisionId="[0-9a-f]{32}"')
        self.assertIn('tool="reply_customer"', lines[1])
        self.assertIn('outcome="ALLOW"', lines[1])
        self.assertEqual(int(lines[3].split("|")[0]) % 8, 4)  # DENY: warning
        self.assertIn('outcome="DENY"', lines[3])
        self.assertIn('method="TailActivity"', lines[5])
        self.assertIn('principal="rsyslog-test-agent"', lines[5])

        text = "\n".join(lines) + tail.stderr
        for value in (self.agent_token, self.ops_token, SECRET_VALUE, ARGUMENT_VALUE):
            for form in encodings(value):
                self.assertNotIn(form, text)


if __name__ == "__main__":
    if not os.access(RSYSLOGD, os.X_OK):
        if os.environ.get("CI") == "true":
            print(f"{RSYSLOGD} is missing; CI must run this test "
                  "(scripts/install-deps.sh installs rsyslog)")
            sys.exit(1)
        print(f"{RSYSLOGD} is not installed: skipped (apt-get install rsyslog)")
        sys.exit(SKIP)
    unittest.main(argv=sys.argv[:1], verbosity=2)
