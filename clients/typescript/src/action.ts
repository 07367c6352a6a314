// The action a caller proposes, in plain TypeScript values, and its exact
// conversion to the wire message. Money is a decimal string plus a currency;
// a JS number where money belongs, or a non-integer number anywhere, is a
// TypeError before anything is sent. Pure functions; no I/O.
import { create } from "@bufbuild/protobuf";
import {
  type Action,
  ActionContextSchema,
  ActionSchema,
  RunMode,
  type Value,
  ValueSchema,
  ListValueSchema,
  MoneySchema,
} from "../gen/portcullis/v1/action_pb.js";

/** An exact amount of money: `{amount: "75.00", currency: "SAR"}`. */
export interface Money {
  readonly amount: string;
  readonly currency: string;
}

/**
 * One argument value: a string (also enums), an integer (a safe-integer
 * number or a bigint), a boolean, money, or a list of these.
 */
export type ArgumentValue = string | number | bigint | boolean | Money | readonly ArgumentValue[];

/** Facts that inform the decision; not part of the action digest. */
export interface ActionContextInput {
  confidence?: number;
  /** Whether a person is at hand to approve; default interactive. */
  runMode?: "interactive" | "unattended";
  requestId?: string;
  correlationId?: string;
  sessionId?: string;
}

/** A proposed tool call, as a caller writes it. */
export interface ActionInput {
  tenant: string;
  agent: string;
  tool: string;
  arguments?: Readonly<Record<string, ArgumentValue>>;
  context?: ActionContextInput;
  idempotencyKey?: string;
}

const kAmount = /^-?[0-9]{1,18}(\.[0-9]{1,18})?$/;
const kCurrency = /^[A-Z]{3}$/;

/** Builds a Money value, checking its form. Throws TypeError. */
export function money(amount: string, currency: string): Money {
  checkMoney({ amount, currency }, "money");
  return { amount, currency };
}

function checkMoney(value: { amount: unknown; currency: unknown }, where: string): void {
  if (typeof value.amount !== "string") {
    throw new TypeError(
      `${where}: a money amount must be a decimal string such as "75.00", not a ${typeof value.amount}`,
    );
  }
  if (!kAmount.test(value.amount)) {
    throw new TypeError(`${where}: "${value.amount}" is not a decimal amount (digits, optional '-' and '.')`);
  }
  if (typeof value.currency !== "string" || !kCurrency.test(value.currency)) {
    throw new TypeError(`${where}: currency must be three upper-case letters such as "SAR"`);
  }
}

function isMoneyLike(value: object): value is { amount: unknown; currency: unknown } {
  return "amount" in value || "currency" in value;
}

/** Converts one argument value to the wire Value. Throws TypeError. */
export function toValue(value: ArgumentValue, where: string): Value {
  switch (typeof value) {
    case "string":
      return create(ValueSchema, { kind: { case: "stringValue", value } });
    case "boolean":
      return create(ValueSchema, { kind: { case: "boolValue", value } });
    case "bigint":
      if (value < -(2n ** 63n) || value >= 2n ** 63n) {
        throw new TypeError(`${where}: integer out of the signed 64-bit range`);
      }
      return create(ValueSchema, { kind: { case: "intValue", value } });
    case "number":
      if (!Number.isSafeInteger(value)) {
        throw new TypeError(
          `${where}: ${value} is not a safe integer; the gate has no floating point values (money is a decimal string)`,
        );
      }
      return create(ValueSchema, { kind: { case: "intValue", value: BigInt(value) } });
    case "object":
      if (Array.isArray(value)) {
        const values = value.map((v: ArgumentValue, i: number) => toValue(v, `${where}[${i}]`));
        return create(ValueSchema, { kind: { case: "listValue", value: create(ListValueSchema, { values }) } });
      }
      if (value !== null && isMoneyLike(value)) {
        checkMoney(value, where);
        const m = value as Money;
        return create(ValueSchema, {
          kind: { case: "moneyValue", value: create(MoneySchema, { amount: m.amount, currency: m.currency }) },
        });
      }
      break;
    default:
      break;
  }
  throw new TypeError(`${where}: unsupported argument type ${value === null ? "null" : typeof value}`);
}

/** Converts a caller's action to the wire Action. Throws TypeError. */
export function toAction(input: ActionInput): Action {
  const args: Record<string, Value> = {};
  for (const [name, value] of Object.entries(input.arguments ?? {})) {
    args[name] = toValue(value, `arguments.${name}`);
  }
  const ctx = input.context ?? {};
  if (ctx.confidence !== undefined && typeof ctx.confidence !== "number") {
    throw new TypeError("context.confidence must be a number from 0 to 1");
  }
  return create(ActionSchema, {
    tenant: input.tenant,
    agent: input.agent,
    tool: input.tool,
    arguments: args,
    idempotencyKey: input.idempotencyKey ?? "",
    context: create(ActionContextSchema, {
      ...(ctx.confidence !== undefined ? { confidence: ctx.confidence } : {}),
      runMode: ctx.runMode === "unattended" ? RunMode.UNATTENDED : RunMode.INTERACTIVE,
      requestId: ctx.requestId ?? "",
      correlationId: ctx.correlationId ?? "",
      sessionId: ctx.sessionId ?? "",
    }),
  });
}

/** Accepts either form: a caller's action or an already built wire Action. */
export function asAction(action: ActionInput | Action): Action {
  return "$typeName" in action ? action : toAction(action);
}
