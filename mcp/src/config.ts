// The gateway's configuration file (docs/mcp.md): YAML or JSON, checked
// strictly at start. An unknown field, a missing mapping or a malformed
// vault:// reference is an error at start, never a silent default.
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";

const kName = /^[A-Za-z][A-Za-z0-9_.-]{0,127}$/;
const kArgName = /^[a-z0-9_]{1,64}$/;

const ArgumentMappingSchema = z
  .object({
    /** The policy argument's type. Money comes from a decimal string, never a number. */
    type: z.enum(["string", "int", "bool", "money", "string_list", "int_list"]),
    /** The MCP argument it is read from; default: the policy argument's name. */
    from: z.string().min(1).max(128).optional(),
    /** For money: the currency of the amount. */
    currency: z.string().regex(/^[A-Z]{3}$/).optional(),
    /** Whether the MCP argument may be absent (the policy's default then applies). */
    optional: z.boolean().default(false),
  })
  .strict()
  .refine((m) => m.type !== "money" || m.currency !== undefined, { message: "money needs a currency" });

const ToolSchema = z
  .object({
    /** The tool's name as the upstream lists it and the agent sees it. */
    name: z.string().min(1).max(128),
    /** Which upstream serves it. */
    upstream: z.string().min(1),
    /** The tool as the policy declares it; default: `name`. */
    gateTool: z.string().regex(kName).optional(),
    /** Policy argument name -> where it comes from. Every MCP argument must be mapped. */
    arguments: z.record(z.string().regex(kArgName), ArgumentMappingSchema).default({}),
  })
  .strict();

const StdioUpstreamSchema = z
  .object({
    command: z.string().min(1),
    args: z.array(z.string()).default([]),
    env: z.record(z.string()).default({}),
    cwd: z.string().optional(),
  })
  .strict();

const HttpUpstreamSchema = z
  .object({
    url: z.string().url(),
    headers: z.record(z.string()).default({}),
  })
  .strict();

const HttpAgentSchema = z
  .object({
    /** The agent's gate bearer token, hashed as in the gate's configuration (blake2b:...). */
    tokenHash: z.string().regex(/^blake2b:[0-9a-f]{64}$/),
    tenant: z.string().min(1).max(63),
    agent: z.string().min(1).max(128),
  })
  .strict();

export const ConfigSchema = z
  .object({
    gate: z
      .object({
        target: z.string().min(1).default("127.0.0.1:7575"),
        /** For stdio: the environment variable holding the agent's gate token. */
        tokenEnv: z.string().default("PORTCULLIS_TOKEN"),
        /** For stdio: a file holding it instead (mode 0600). */
        tokenFile: z.string().optional(),
        timeoutMs: z.number().int().positive().default(10_000),
        /** How long tools/call trusts the tenant's declared tools before asking the gate again. */
        toolsCacheMs: z.number().int().nonnegative().default(1_000),
        /** For vault:// references: the environment variable holding the gateway principal's token. */
        gatewayTokenEnv: z.string().default("PORTCULLIS_GATEWAY_TOKEN"),
        /** For vault:// references: a file holding it instead (mode 0600). */
        gatewayTokenFile: z.string().optional(),
      })
      .strict()
      .default({}),
    /** Who the gateway speaks for over stdio. */
    identity: z.object({ tenant: z.string().min(1), agent: z.string().min(1) }).strict().optional(),
    http: z
      .object({
        listen: z.string().default("127.0.0.1:8787"),
        path: z.string().startsWith("/").default("/mcp"),
        agents: z.array(HttpAgentSchema).default([]),
      })
      .strict()
      .optional(),
    pending: z
      .object({
        /** How long one tools/call waits for approval before answering "pending". */
        waitMs: z.number().int().nonnegative().default(30_000),
        /** How often progress is sent while waiting. */
        progressIntervalMs: z.number().int().positive().default(1_000),
      })
      .strict()
      .default({}),
    limits: z
      .object({ maxArgumentBytes: z.number().int().positive().default(1 << 20) })
      .strict()
      .default({}),
    upstreams: z.record(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/), z.union([StdioUpstreamSchema, HttpUpstreamSchema])),
    tools: z.array(ToolSchema).min(1),
  })
  .strict();

export type Config = z.infer<typeof ConfigSchema>;
export type ToolConfig = z.infer<typeof ToolSchema>;
export type ArgumentMapping = z.infer<typeof ArgumentMappingSchema>;
export type UpstreamConfig = z.infer<typeof StdioUpstreamSchema> | z.infer<typeof HttpUpstreamSchema>;

/** A configuration error, with the path of the offending field. */
export class ConfigError extends Error {}

/** A secret of the gate's store: `vault://TENANT/NAME`, NAME starting with "upstream.". */
export interface VaultReference {
  tenant: string;
  name: string;
  /** As written: `vault://TENANT/NAME`. */
  text: string;
}

const kVaultReference = /vault:\/\/([^/\s"']*)\/([^\s"']*)/g;
const kTenantId = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const kUpstreamSecret = /^upstream\.[a-z0-9_.-]{1,55}$/;

/** The vault:// references in `value`. Throws ConfigError for a malformed one. */
export function vaultReferences(value: string, where: string): VaultReference[] {
  const out: VaultReference[] = [];
  for (const m of value.matchAll(kVaultReference)) {
    const [text, tenant = "", name = ""] = m;
    if (!kTenantId.test(tenant)) throw new ConfigError(`${where}: ${text} does not name a tenant (vault://TENANT/NAME)`);
    if (!kUpstreamSecret.test(name)) {
      throw new ConfigError(
        `${where}: ${text}: only secrets named "upstream.*" are released to the gateway ` +
          "(store it with `portcullis secrets put TENANT upstream.NAME`)",
      );
    }
    out.push({ tenant, name, text });
  }
  if (out.length === 0 && value.includes("vault://")) {
    throw new ConfigError(`${where}: a secret reference is vault://TENANT/NAME`);
  }
  return out;
}

/** Every place a secret goes: upstream env or header values, with their references. */
export function upstreamSecretSlots(config: Config): { where: string; refs: VaultReference[] }[] {
  const slots: { where: string; refs: VaultReference[] }[] = [];
  for (const [name, upstream] of Object.entries(config.upstreams)) {
    const [field, values] = "url" in upstream ? ["headers", upstream.headers] : ["env", upstream.env];
    for (const [key, value] of Object.entries(values)) {
      const where = `upstreams.${name}.${field}.${key}`;
      const refs = vaultReferences(value, where);
      if (refs.length > 0) slots.push({ where, refs });
    }
  }
  return slots;
}

function checkVaultReferences(config: Config): void {
  for (const [name, upstream] of Object.entries(config.upstreams)) {
    const elsewhere = "url" in upstream ? upstream.url : [upstream.command, ...upstream.args, upstream.cwd ?? ""].join(" ");
    if (elsewhere.includes("vault://")) {
      throw new ConfigError(
        `upstreams.${name}: vault:// references go in ${"url" in upstream ? "headers" : "env"} only, ` +
          "never in a URL or a command line, which others can read",
      );
    }
  }
  upstreamSecretSlots(config);
}

function checkReferences(config: Config): void {
  const seen = new Set<string>();
  for (const tool of config.tools) {
    if (!(tool.upstream in config.upstreams)) {
      throw new ConfigError(`tools.${tool.name}: no upstream named "${tool.upstream}"`);
    }
    if (seen.has(tool.name)) throw new ConfigError(`tools.${tool.name}: declared twice`);
    seen.add(tool.name);
    if (!tool.gateTool && !kName.test(tool.name)) {
      throw new ConfigError(`tools.${tool.name}: not a valid gate tool name; set gateTool`);
    }
  }
}

/** Parses and checks a configuration; relative paths resolve against `baseDir`. */
export function parseConfig(text: string, baseDir: string): Config {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    throw new ConfigError(`not YAML or JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`${issue?.path.join(".") || "(top)"}: ${issue?.message ?? "invalid"}`);
  }
  const config = parsed.data;
  checkReferences(config);
  checkVaultReferences(config);
  if (config.gate.tokenFile && !isAbsolute(config.gate.tokenFile)) {
    config.gate.tokenFile = resolve(baseDir, config.gate.tokenFile);
  }
  if (config.gate.gatewayTokenFile && !isAbsolute(config.gate.gatewayTokenFile)) {
    config.gate.gatewayTokenFile = resolve(baseDir, config.gate.gatewayTokenFile);
  }
  for (const upstream of Object.values(config.upstreams)) {
    if ("command" in upstream && upstream.cwd && !isAbsolute(upstream.cwd)) upstream.cwd = resolve(baseDir, upstream.cwd);
  }
  return config;
}

/** Reads and checks a configuration file. Throws ConfigError. */
export function loadConfig(path: string): Config {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new ConfigError(`${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  return parseConfig(text, dirname(resolve(path)));
}
