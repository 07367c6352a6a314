// @portcullis/client: the public surface. Wire types are re-exported for
// callers who need the full messages (receipts, pending requests).
export {
  Gate,
  type GateOptions,
  type AwaitOptions,
  type ExecuteResult,
  type ApproveResult,
  type ExecutedDecision,
  type CallOptions,
  type DeclaredArgument,
  type DeclaredTool,
  type DeclaredTools,
} from "./gate.js";
export { Admin } from "./admin.js";
export type { StatusResponse, TenantStatus } from "../gen/portcullis/v1/admin_pb.js";
export { gated, type GatedOptions } from "./gated.js";
export {
  money,
  toAction,
  type Money,
  type ArgumentValue,
  type ActionInput,
  type ActionContextInput,
} from "./action.js";
export { actionDigest, actionDigestHex, canonicalAmount, canonicalEncoding } from "./digest.js";
export {
  approvalMessage,
  signApproval,
  proposalId,
  signingKeyFromSeed,
  readSigningKeyFile,
  publicKeyBase64,
  generateSigningKey,
  seedBase64,
  type ApprovalStatement,
  type AmendmentProposal,
} from "./approval.js";
export {
  standingMessage,
  signStanding,
  revocationMessage,
  signRevocation,
  type Constraint,
  type ConstraintOp,
  type ConstraintValue,
  type StandingStatement,
  type RevocationStatement,
  type StandingStatus,
} from "./standing.js";
export { tokenHash, newToken } from "./token.js";
export type { Decision, OutcomeName, RuleRef } from "./decision.js";
export {
  GateError,
  Unauthenticated,
  PermissionDenied,
  InvalidAction,
  NotFound,
  FailedPrecondition,
  ResourceExhausted,
  GateUnavailable,
  Denied,
  StillPending,
} from "./errors.js";
export type { Action, Value } from "../gen/portcullis/v1/action_pb.js";
export { ActionSchema } from "../gen/portcullis/v1/action_pb.js";
export type {
  ExecutionReceipt,
  PendingApproval,
  PendingEvent,
  ToolResponse,
} from "../gen/portcullis/v1/gate_pb.js";
export { PendingEvent_Kind as PendingEventKind } from "../gen/portcullis/v1/gate_pb.js";
