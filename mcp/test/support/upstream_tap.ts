// A transparent stdio tap in front of an upstream MCP server, for tests: it
// passes every byte through and appends the name of each tools/call that
// reaches the upstream to a log file, so a test can count exactly what was
// forwarded. usage: node upstream_tap.js LOG COMMAND [ARGS...]
import { spawn } from "node:child_process";
import { appendFileSync } from "node:fs";
import { createInterface } from "node:readline";

const [log, command, ...args] = process.argv.slice(2);
if (!log || !command) {
  process.stderr.write("usage: upstream_tap LOG COMMAND [ARGS...]\n");
  process.exit(2);
}
const child = spawn(command, args, { stdio: ["pipe", "inherit", "inherit"] });
const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
lines.on("line", (line) => {
  try {
    const message = JSON.parse(line) as { method?: string; params?: { name?: string; arguments?: unknown } };
    if (message.method === "tools/call") {
      appendFileSync(log, `${JSON.stringify({ name: message.params?.name, arguments: message.params?.arguments })}\n`);
    }
  } catch {
    // Not JSON: the upstream answers it; nothing to count.
  }
  child.stdin.write(`${line}\n`);
});
lines.on("close", () => child.stdin.end());
child.on("exit", (code) => process.exit(code ?? 0));
