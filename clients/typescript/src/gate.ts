// The agent runtime's and approver's view of the gate: one object per gate
// address, Promises for unary calls, async iterators for streams, an
// AbortSignal on every call. Safe to share across concurrent calls.
import { create } from "@bufbuild/protobuf";
import { durationFromMs, timestampFromMs } from "@bufbuild/protobuf/wkt";
import { type ChannelCredentials, status as GrpcStatus } from "@grpc/grpc-js";
import type { Action } from "../gen/portcullis/v1/action_pb.js";
import {
  AmendmentProposalSchema,
  ApprovalSchema,
  ApprovalVerdict,
  ApproveRequestSchema,
  AwaitDecisionRequestSchema,
  EvaluateRequestSchema,
  ExecuteRequestSchema,
  type ExecutionReceipt,
  ExecutionOutcome,
  Gate as GateService,
  GrantStandingRequestSchema,
  ListPendingRequestSchema,
  ListStandingRequestSchema,
  ListToolsRequestSchema,
  type PendingApproval,
  type PendingEvent,
  ReportOutcomeRequestSchema,
  RevokeStandingRequestSchema,
  type ToolResponse,
  WatchPendingRequestSchema,
} from "../gen/portcullis/v1/gate_pb.js";
import { type ActionInput, asAction } from "./action.js";
import { type ApprovalStatement, signApproval } from "./approval.js";
import {
  fromStatusMessage,
  type RevocationStatement,
  signRevocation,
  signStanding,
  type StandingStatement,
  type StandingStatus,
  toRevocationMessage,
  toStandingMessage,
} from "./standing.js";
import { type Decision, toDecision } from "./decision.js";
import { GateUnavailable } from "./errors.js";
import { type CallOptions, Transport } from "./rpc.js";
import type { KeyObject } from "node:crypto";

export type { CallOptions } from "./rpc.js";

export interface GateOptions {
  /** The bearer token of the caller's principal (`pcl_...`). */
  token?: string;
  /** Default deadline of each call; 10 s unless set. */
  timeoutMs?: number;
  /** TLS credentials; insecure (loopback or unix: socket) by default. */
  credentials?: ChannelCredentials;
}

export interface AwaitOptions extends CallOptions {
  /** Return after this long even if still pending (at most an hour). */
  maxWaitMs?: number;
}

/** One argument of a declared tool; `type` as the policy writes it ("money(SAR)"). */
export interface DeclaredArgument {
  name: string;
  type: string;
  optional: boolean;
}

/** A tool the tenant's policy declares. */
export interface DeclaredTool {
  name: string;
  arguments: DeclaredArgument[];
}

/** What ListTools answered: the declared tools and the policy they come from. */
export interface DeclaredTools {
  tools: DeclaredTool[];
  policyVersion: string;
  policyHash: string;
}

/** What Approve answered. */
export interface ApproveResult {
  decision: Decision;
  /** The request while it is still pending (quorum not met yet). */
  pending: PendingApproval | undefined;
  /** The id the statement's proposal was recorded under (16 hex characters); undefined without one. */
  proposalId: string | undefined;
}

/** What Execute answered. */
export interface ExecuteResult {
  receipt: ExecutionReceipt;
  /** When the gate called a connector itself. */
  toolResponse: ToolResponse | undefined;
}

/** What evaluateAndExecute answered. */
export interface ExecutedDecision {
  decision: Decision;
  /**
   * ALLOW: the execution, its signed receipt, exactly as execute() would
   * have returned it. Undefined for DENY and PENDING_APPROVAL (a pending
   * decision is executed with execute() once approved).
   */
  execution: ExecuteResult | undefined;
}

export class Gate {
  private readonly transport: Transport;

  /** `target`: "127.0.0.1:7575" or "unix:/path/portcullis.sock". */
  constructor(target: string, options: GateOptions = {}) {
    this.transport = new Transport(target, {
      timeoutMs: options.timeoutMs ?? 10_000,
      ...(options.token !== undefined ? { token: options.token } : {}),
      ...(options.credentials !== undefined ? { credentials: options.credentials } : {}),
    });
  }

  /** Closes the channel; calls in flight fail. */
  close(): void {
    this.transport.close();
  }

  /** Decides a proposed action. A DENY is a Decision, not an error. */
  async evaluate(action: ActionInput | Action, options?: CallOptions): Promise<Decision> {
    const request = create(EvaluateRequestSchema, { action: asAction(action) });
    const response = await this.transport.unary(GateService.method.evaluate, request, options);
    return toDecision(response.decision);
  }

  /**
   * Decides a proposed action and, when it is allowed, consumes its grant in
   * the same round trip: the gate records the decision and the execution in
   * one ledger write (EvaluateRequest.execute_on_allow) and answers the
   * receipt execute() would have returned. When the gate could not execute
   * with the decision (a gate older than the option, a tool it calls
   * through a connector, another execution under the same idempotency key
   * in flight, a key bound to another action), this calls execute() itself,
   * so an ALLOW always comes with its execution, or execute()'s error.
   */
  async evaluateAndExecute(action: ActionInput | Action, options?: CallOptions): Promise<ExecutedDecision> {
    const message = asAction(action);
    const request = create(EvaluateRequestSchema, { action: message, executeOnAllow: true });
    const response = await this.transport.unary(GateService.method.evaluate, request, options);
    const decision = toDecision(response.decision);
    if (decision.outcome !== "ALLOW") return { decision, execution: undefined };
    if (response.receipt) return { decision, execution: { receipt: response.receipt, toolResponse: undefined } };
    return { decision, execution: await this.execute(decision.decisionId, message, options) };
  }

  /** Waits for a pending decision to resolve, or `maxWaitMs`; returns it as it stands. */
  async awaitDecision(tenant: string, decisionId: string, options?: AwaitOptions): Promise<Decision> {
    const request = create(AwaitDecisionRequestSchema, {
      tenant,
      decisionId,
      ...(options?.maxWaitMs !== undefined ? { maxWait: durationFromMs(options.maxWaitMs) } : {}),
    });
    const extra = options?.maxWaitMs ?? 0;
    const response = await this.transport.unary(GateService.method.awaitDecision, request, options, extra);
    return toDecision(response.decision);
  }

  /** Consumes the decision's grant for exactly `action`; returns the signed receipt. */
  async execute(decisionId: string, action: ActionInput | Action, options?: CallOptions): Promise<ExecuteResult> {
    const request = create(ExecuteRequestSchema, { decisionId, action: asAction(action) });
    const response = await this.transport.unary(GateService.method.execute, request, options);
    if (!response.receipt) throw new GateUnavailable(GrpcStatus.DATA_LOSS, "the gate answered Execute without a receipt");
    return { receipt: response.receipt, toolResponse: response.toolResponse };
  }

  /** Records how an executed action turned out; returns the ledger sequence. */
  async reportOutcome(
    tenant: string,
    decisionId: string,
    outcome: "succeeded" | "failed",
    detail = "",
    options?: CallOptions,
  ): Promise<bigint> {
    const request = create(ReportOutcomeRequestSchema, {
      tenant,
      decisionId,
      outcome: outcome === "succeeded" ? ExecutionOutcome.SUCCEEDED : ExecutionOutcome.FAILED,
      detail,
    });
    const response = await this.transport.unary(GateService.method.reportOutcome, request, options);
    return response.ledgerSequence;
  }

  /** The tools the policy in force declares for `tenant`, sorted by name (agent role). */
  async listTools(tenant: string, options?: CallOptions): Promise<DeclaredTools> {
    const response = await this.transport.unary(GateService.method.listTools, create(ListToolsRequestSchema, { tenant }), options);
    return {
      tools: response.tools.map((t) => ({
        name: t.name,
        arguments: t.arguments.map((a) => ({ name: a.name, type: a.type, optional: a.optional })),
      })),
      policyVersion: response.policyVersion,
      policyHash: response.policyHash,
    };
  }

  /** The tenant's pending approval requests, oldest first (approver role). */
  async listPending(tenant: string, options?: CallOptions): Promise<PendingApproval[]> {
    const request = create(ListPendingRequestSchema, { tenant });
    const response = await this.transport.unary(GateService.method.listPending, request, options);
    return response.pending;
  }

  /**
   * Every current pending request, then each change, until the consumer
   * breaks out of the loop or the signal aborts (approver role).
   */
  watchPending(tenant: string, options?: CallOptions): AsyncGenerator<PendingEvent, void, undefined> {
    return this.transport.stream(GateService.method.watchPending, create(WatchPendingRequestSchema, { tenant }), options);
  }

  /**
   * Signs `statement` with the approver's key and records it. With
   * `statement.proposal` the rule is signed with the verdict and the result
   * carries the `proposalId` the gate recorded it under; a rule that does not
   * compile with the policy in force rejects with InvalidAction (errors as
   * `proposal:LINE:COLUMN`) and the verdict is not counted. Over the
   * approver's fatigue cap: ResourceExhausted.
   */
  async approve(statement: ApprovalStatement, key: KeyObject, options?: CallOptions): Promise<ApproveResult> {
    return this.sendApproval(statement, signApproval(statement, key), options);
  }

  /** Records a statement signed elsewhere (`signApproval`). */
  async sendApproval(statement: ApprovalStatement, signature: Uint8Array, options?: CallOptions): Promise<ApproveResult> {
    const approval = create(ApprovalSchema, {
      tenant: statement.tenant,
      decisionId: statement.decisionId,
      actionDigest: statement.actionDigest,
      verdict: statement.verdict === "approve" ? ApprovalVerdict.APPROVE : ApprovalVerdict.DENY,
      expiresAt: timestampFromMs(statement.expiresAt.getTime()),
      approverId: statement.approverId,
      comment: statement.comment ?? "",
      ...(statement.proposal !== undefined
        ? {
            amendment: create(AmendmentProposalSchema, {
              tool: statement.proposal.tool,
              rule: statement.proposal.rule,
              rationale: statement.proposal.rationale,
            }),
          }
        : {}),
    });
    const request = create(ApproveRequestSchema, { approval, signature });
    const response = await this.transport.unary(GateService.method.approve, request, options);
    return {
      decision: toDecision(response.decision),
      pending: response.pending,
      proposalId: response.proposalId === "" ? undefined : response.proposalId,
    };
  }

  /**
   * Signs a standing approval with the approver's key and grants it: from
   * then on an action of its tool that would wait for approval and meets
   * every constraint is allowed at once, citing `standing:<id>`, within its
   * window and uses. Rejects with InvalidAction (a malformed statement, a
   * constraint that does not fit the tool's arguments, a window over 31
   * days), PermissionDenied (key, approver or role), FailedPrecondition (no
   * approve rule of the tool met by one approver alone; the id taken
   * before: ALREADY_EXISTS), ResourceExhausted (the fatigue cap).
   */
  async grantStanding(statement: StandingStatement, key: KeyObject, options?: CallOptions): Promise<StandingStatus> {
    return this.sendStanding(statement, signStanding(statement, key), options);
  }

  /** Grants a standing approval signed elsewhere (`signStanding`). */
  async sendStanding(statement: StandingStatement, signature: Uint8Array, options?: CallOptions): Promise<StandingStatus> {
    const request = create(GrantStandingRequestSchema, { standing: toStandingMessage(statement), signature });
    const response = await this.transport.unary(GateService.method.grantStanding, request, options);
    return fromStatusMessage(response.standing);
  }

  /**
   * Signs a revocation and sends it: the standing approval allows nothing
   * more. Resolves with it as it stands (its uses, revoked). NotFound for an
   * unknown or ended one, FailedPrecondition when already revoked.
   */
  async revokeStanding(statement: RevocationStatement, key: KeyObject, options?: CallOptions): Promise<StandingStatus> {
    return this.sendRevocation(statement, signRevocation(statement, key), options);
  }

  /** Sends a revocation signed elsewhere (`signRevocation`). */
  async sendRevocation(statement: RevocationStatement, signature: Uint8Array, options?: CallOptions): Promise<StandingStatus> {
    const request = create(RevokeStandingRequestSchema, { revocation: toRevocationMessage(statement), signature });
    const response = await this.transport.unary(GateService.method.revokeStanding, request, options);
    return fromStatusMessage(response.standing);
  }

  /** The tenant's standing approvals whose window has not ended (revoked and used up ones too), by id (approver role). */
  async listStanding(tenant: string, options?: CallOptions): Promise<StandingStatus[]> {
    const response = await this.transport.unary(GateService.method.listStanding, create(ListStandingRequestSchema, { tenant }), options);
    return response.standing.map(fromStatusMessage);
  }
}
