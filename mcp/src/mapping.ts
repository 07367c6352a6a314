// MCP tool arguments -> the policy's typed arguments, exactly as the
// configuration declares. Anything the mapping does not cover is refused,
// so every byte forwarded upstream is covered by the action digest. Money
// is read only from a decimal string; a JSON number is never guessed into
// money. Pure functions.
import type { ArgumentValue } from "@portcullis/client";
import type { ArgumentMapping, ToolConfig } from "./config.js";

/** The call cannot be mapped onto the policy's arguments; the message says why. */
export class UnmappableCall extends Error {}

const kAmount = /^-?[0-9]{1,18}(\.[0-9]{1,18})?$/;

function mapOne(name: string, source: string, m: ArgumentMapping, value: unknown): ArgumentValue {
  const where = `argument "${source}" (policy argument ${name}, ${m.type})`;
  switch (m.type) {
    case "string":
      if (typeof value === "string") return value;
      break;
    case "bool":
      if (typeof value === "boolean") return value;
      break;
    case "int":
      if (typeof value === "number" && Number.isSafeInteger(value)) return value;
      break;
    case "money":
      if (typeof value === "string" && kAmount.test(value)) return { amount: value, currency: m.currency ?? "" };
      throw new UnmappableCall(`${where}: expected a decimal string such as "75.00", got ${JSON.stringify(value)}`);
    case "string_list":
      if (Array.isArray(value) && value.every((v) => typeof v === "string")) return value as string[];
      break;
    case "int_list":
      if (Array.isArray(value) && value.every((v) => typeof v === "number" && Number.isSafeInteger(v))) {
        return value as number[];
      }
      break;
  }
  throw new UnmappableCall(`${where}: got ${Array.isArray(value) ? "an array" : typeof value}`);
}

/** The policy arguments for a call of `tool` with MCP arguments `args`. Throws UnmappableCall. */
export function mapArguments(tool: ToolConfig, args: Record<string, unknown>): Record<string, ArgumentValue> {
  const out: Record<string, ArgumentValue> = {};
  const used = new Set<string>();
  for (const [name, m] of Object.entries(tool.arguments)) {
    const source = m.from ?? name;
    used.add(source);
    if (!Object.prototype.hasOwnProperty.call(args, source) || args[source] === undefined) {
      if (m.optional) continue;
      throw new UnmappableCall(`argument "${source}" is required`);
    }
    out[name] = mapOne(name, source, m, args[source]);
  }
  const extra = Object.keys(args).filter((k) => !used.has(k));
  if (extra.length > 0) {
    throw new UnmappableCall(
      `argument "${extra[0]}" is not mapped onto the policy's arguments, so it cannot be forwarded`,
    );
  }
  return out;
}
