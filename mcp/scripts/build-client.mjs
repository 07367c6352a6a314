// Builds the local @portcullis/client (../clients/typescript) that this
// package links to: `npm ci` there when its dependencies are missing, then
// its build (types generated from proto/ with protoc, then tsc).
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const client = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "clients", "typescript");
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
if (!existsSync(join(client, "node_modules"))) {
  execFileSync(npm, ["ci", "--no-audit", "--no-fund"], { cwd: client, stdio: "inherit" });
}
execFileSync(npm, ["run", "build"], { cwd: client, stdio: "inherit" });
