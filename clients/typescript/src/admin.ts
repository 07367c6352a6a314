// The operator's calls (operator role): the kill switch and the gate's
// status. Safe to share across concurrent calls.
import { create } from "@bufbuild/protobuf";
import {
  Admin as AdminService,
  HaltRequestSchema,
  ResumeRequestSchema,
  StatusRequestSchema,
  type StatusResponse,
} from "../gen/portcullis/v1/admin_pb.js";
import type { GateOptions } from "./gate.js";
import { type CallOptions, Transport } from "./rpc.js";

export class Admin {
  private readonly transport: Transport;

  /** `target` as for Gate; the token must be an operator's. */
  constructor(target: string, options: GateOptions = {}) {
    this.transport = new Transport(target, {
      timeoutMs: options.timeoutMs ?? 10_000,
      ...(options.token !== undefined ? { token: options.token } : {}),
      ...(options.credentials !== undefined ? { credentials: options.credentials } : {}),
    });
  }

  close(): void {
    this.transport.close();
  }

  /** Halts one tenant, or the whole gate when `tenant` is empty: Evaluate then answers DENY. */
  async halt(tenant: string, reason: string, options?: CallOptions): Promise<void> {
    await this.transport.unary(AdminService.method.halt, create(HaltRequestSchema, { tenant, reason }), options);
  }

  /** Lifts a halt. */
  async resume(tenant: string, reason = "", options?: CallOptions): Promise<void> {
    await this.transport.unary(AdminService.method.resume, create(ResumeRequestSchema, { tenant, reason }), options);
  }

  /** The policy in force and each tenant's state. */
  status(options?: CallOptions): Promise<StatusResponse> {
    return this.transport.unary(AdminService.method.status, create(StatusRequestSchema, {}), options);
  }
}
