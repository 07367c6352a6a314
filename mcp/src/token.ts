// Reading a gate token from a 0600 file or an environment variable. The
// token itself never appears in an error.
import { readFileSync, statSync } from "node:fs";
import { ConfigError } from "./config.js";

/** The token in `file` (which must be 0600) or else in `$env`. Throws ConfigError naming `field`. */
export function readToken(file: string | undefined, env: string, field: string): string {
  if (file) {
    if ((statSync(file).mode & 0o077) !== 0) {
      throw new ConfigError(`${field}File: ${file} must be readable by its owner only (0600)`);
    }
    return readFileSync(file, "utf8").trim();
  }
  const token = process.env[env];
  if (!token) throw new ConfigError(`no ${field}: set ${env} or ${field}File`);
  return token;
}
