// Typed errors. A gRPC failure becomes a GateError subclass chosen by its
// status code, carrying the code and the gate's own message; a DENY is not
// an error of the gate but of the caller's action, so `gated` raises Denied.
import { status as GrpcStatus } from "@grpc/grpc-js";

/** Any failure of a call to the gate; `code` is the gRPC status code. */
export class GateError extends Error {
  readonly code: GrpcStatus;
  constructor(code: GrpcStatus, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** No or unknown credentials (UNAUTHENTICATED). */
export class Unauthenticated extends GateError {}
/** A known principal without the role or the tenant (PERMISSION_DENIED). */
export class PermissionDenied extends GateError {}
/** The action or request is malformed; the message names the field (INVALID_ARGUMENT). */
export class InvalidAction extends GateError {}
/** Unknown tenant or decision (NOT_FOUND). */
export class NotFound extends GateError {}
/** A call in the wrong state, e.g. executing a denied or spent grant (FAILED_PRECONDITION). */
export class FailedPrecondition extends GateError {}
/** The request is over the gate's size limits (RESOURCE_EXHAUSTED). */
export class ResourceExhausted extends GateError {}
/** The gate could not be reached, timed out, or could not record (UNAVAILABLE, DEADLINE_EXCEEDED, ...). */
export class GateUnavailable extends GateError {}

/** Maps a gRPC status to the typed error a caller can catch. */
export function errorForStatus(code: GrpcStatus, details: string): GateError {
  const message = details || GrpcStatus[code] || "gate call failed";
  switch (code) {
    case GrpcStatus.UNAUTHENTICATED:
      return new Unauthenticated(code, message);
    case GrpcStatus.PERMISSION_DENIED:
      return new PermissionDenied(code, message);
    case GrpcStatus.INVALID_ARGUMENT:
    case GrpcStatus.OUT_OF_RANGE:
      return new InvalidAction(code, message);
    case GrpcStatus.NOT_FOUND:
      return new NotFound(code, message);
    case GrpcStatus.FAILED_PRECONDITION:
    case GrpcStatus.ALREADY_EXISTS:
    case GrpcStatus.ABORTED:
      return new FailedPrecondition(code, message);
    case GrpcStatus.RESOURCE_EXHAUSTED:
      return new ResourceExhausted(code, message);
    default:
      return new GateUnavailable(code, message);
  }
}

/** The gate decided DENY (or the approval was refused or expired). */
export class Denied extends Error {
  readonly decisionId: string;
  readonly reasons: readonly string[];
  readonly ruleIds: readonly string[];
  constructor(decisionId: string, reasons: readonly string[], ruleIds: readonly string[]) {
    super(`denied by ${ruleIds.join(", ") || "the gate"}: ${reasons.join("; ")}`);
    this.name = "Denied";
    this.decisionId = decisionId;
    this.reasons = reasons;
    this.ruleIds = ruleIds;
  }
}

/** An approval did not arrive within the caller's bound; the decision stays pending. */
export class StillPending extends Error {
  readonly decisionId: string;
  constructor(decisionId: string) {
    super(`decision ${decisionId} is still pending approval`);
    this.name = "StillPending";
    this.decisionId = decisionId;
  }
}
