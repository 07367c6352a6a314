// A minimal logger to stderr (stdout belongs to the MCP stdio transport).
// Callers never pass argument values, tokens or upstream output.
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
}

export const stderrLogger: Logger = {
  info: (m) => process.stderr.write(`${new Date().toISOString()} INFO portcullis-mcp: ${m}\n`),
  warn: (m) => process.stderr.write(`${new Date().toISOString()} WARN portcullis-mcp: ${m}\n`),
};
