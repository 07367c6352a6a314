// The decision as a caller reads it: outcome names instead of enum numbers,
// rule ids at hand, Dates instead of Timestamps. `raw` keeps the wire
// message for anything not lifted. Pure conversion.
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { status as GrpcStatus } from "@grpc/grpc-js";
import { type Decision as DecisionMessage, Outcome } from "../gen/portcullis/v1/decision_pb.js";
import { GateUnavailable } from "./errors.js";

export type OutcomeName = "ALLOW" | "DENY" | "PENDING_APPROVAL";

/** A rule that took part in a decision. */
export interface RuleRef {
  id: string;
  description: string;
}

/** The gate's decision on one action. */
export interface Decision {
  decisionId: string;
  /** OUTCOME_UNSPECIFIED from a gate is read as DENY (fail closed). */
  outcome: OutcomeName;
  reasons: string[];
  rules: RuleRef[];
  /** The ids of `rules`, e.g. ["coupon-cap"]. */
  ruleIds: string[];
  tenant: string;
  actionDigest: Uint8Array;
  ledgerSequence: bigint;
  policyVersion: string;
  decidedAt: Date | undefined;
  /** ALLOW: the grant's expiry; PENDING_APPROVAL: the earliest approval deadline. */
  expiresAt: Date | undefined;
  raw: DecisionMessage;
}

function outcomeName(o: Outcome): OutcomeName {
  switch (o) {
    case Outcome.ALLOW:
      return "ALLOW";
    case Outcome.PENDING_APPROVAL:
      return "PENDING_APPROVAL";
    default:
      return "DENY";
  }
}

/** Lifts a wire Decision. Throws GateUnavailable when the gate sent none. */
export function toDecision(d: DecisionMessage | undefined): Decision {
  if (!d) throw new GateUnavailable(GrpcStatus.DATA_LOSS, "the gate answered without a decision");
  const rules = d.decidedBy.map((r) => ({ id: r.id, description: r.description }));
  return {
    decisionId: d.decisionId,
    outcome: outcomeName(d.outcome),
    reasons: [...d.reasons],
    rules,
    ruleIds: rules.map((r) => r.id),
    tenant: d.tenant,
    actionDigest: d.actionDigest,
    ledgerSequence: d.ledgerSequence,
    policyVersion: d.policy?.version ?? "",
    decidedAt: d.decidedAt ? timestampDate(d.decidedAt) : undefined,
    expiresAt: d.expiresAt ? timestampDate(d.expiresAt) : undefined,
    raw: d,
  };
}
