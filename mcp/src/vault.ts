// Upstream credentials from the gate's secret store: each `vault://TENANT/
// NAME` in an upstream's env or headers is resolved once at start with
// Admin.ResolveUpstreamSecret, as the gateway's own principal (the gateway
// role, never an agent's token), and substituted into that value only.
// The values stay in this process: they are never logged, never put in an
// error, and scrubbed from every upstream answer (SecretScrubber). Fails
// closed: a reference that does not resolve stops the start.
import { Admin, GateError } from "@portcullis/client";
import { type Config, upstreamSecretSlots } from "./config.js";
import { SecretScrubber } from "./scrub.js";
import { readToken } from "./token.js";

/** Resolves one reference to its value; rejects with an error that names the reference only. */
export type SecretResolver = (tenant: string, name: string) => Promise<string>;

/** A resolver over the gate's Admin API with the gateway principal's token. */
export function gateSecretResolver(config: Config): { resolve: SecretResolver; close: () => void } {
  const token = readToken(config.gate.gatewayTokenFile, config.gate.gatewayTokenEnv, "gate.gatewayToken");
  const admin = new Admin(config.gate.target, { token, timeoutMs: config.gate.timeoutMs });
  return {
    resolve: async (tenant, name) => new TextDecoder("utf-8", { fatal: true }).decode(await admin.resolveUpstreamSecret(tenant, name)),
    close: () => admin.close(),
  };
}

/**
 * Substitutes every vault:// reference in `config`'s upstreams (in place)
 * and returns the scrubber for the resolved values. Does nothing, and needs
 * no gateway token, when there is no reference.
 */
export async function resolveUpstreamSecrets(
  config: Config,
  makeResolver: (config: Config) => { resolve: SecretResolver; close: () => void } = gateSecretResolver,
): Promise<SecretScrubber> {
  const slots = upstreamSecretSlots(config);
  if (slots.length === 0) return new SecretScrubber([]);
  const resolver = makeResolver(config);
  const values = new Map<string, string>();
  try {
    for (const { where, refs } of slots) {
      for (const ref of refs) {
        if (values.has(ref.text)) continue;
        try {
          values.set(ref.text, await resolver.resolve(ref.tenant, ref.name));
        } catch (e) {
          const why = e instanceof GateError ? `${e.name}: ${e.message}` : e instanceof Error ? e.name : "error";
          throw new Error(`${where}: ${ref.text} did not resolve (${why})`);
        }
      }
    }
  } finally {
    resolver.close();
  }
  for (const upstream of Object.values(config.upstreams)) {
    const map = "url" in upstream ? upstream.headers : upstream.env;
    for (const [key, value] of Object.entries(map)) {
      map[key] = value.replace(/vault:\/\/[^\s"']*/g, (text) => values.get(text) ?? text);
    }
  }
  return new SecretScrubber(values.values());
}
