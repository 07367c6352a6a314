// The operator's calls (operator role): the kill switch, the gate's status
// and secrets; and the one call of the gateway role, resolving an upstream
// credential for the MCP gateway. Safe to share across concurrent calls.
import { create } from "@bufbuild/protobuf";
import {
  Admin as AdminService,
  HaltRequestSchema,
  ListSecretsRequestSchema,
  ReloadRequestSchema,
  PutSecretRequestSchema,
  ResolveUpstreamSecretRequestSchema,
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

  /** Stores (or with `rotate`, replaces) a tenant's secret; the value never comes back to an operator. */
  async putSecret(
    tenant: string,
    name: string,
    value: string | Uint8Array,
    options?: CallOptions & { rotate?: boolean },
  ): Promise<{ name: string; version: number }> {
    const bytes = typeof value === "string" ? new TextEncoder().encode(value) : value;
    const request = create(PutSecretRequestSchema, { tenant, name, value: bytes, rotate: options?.rotate ?? false });
    const info = await this.transport.unary(AdminService.method.putSecret, request, options);
    return { name: info.name, version: info.version };
  }

  /** The tenant's secrets by name and version, never values. */
  async listSecrets(tenant: string, options?: CallOptions): Promise<{ name: string; version: number }[]> {
    const response = await this.transport.unary(
      AdminService.method.listSecrets,
      create(ListSecretsRequestSchema, { tenant }),
      options,
    );
    return response.secrets.map((s) => ({ name: s.name, version: s.version }));
  }

  /**
   * An upstream credential (a secret named "upstream.*") for the MCP
   * gateway to inject into an upstream's environment or headers. Needs the
   * gateway role, which an agent's principal never has; the release is on
   * the tenant's ledger by name. Keep the value out of logs and errors.
   */
  async resolveUpstreamSecret(tenant: string, name: string, options?: CallOptions): Promise<Uint8Array> {
    const response = await this.transport.unary(
      AdminService.method.resolveUpstreamSecret,
      create(ResolveUpstreamSecretRequestSchema, { tenant, name }),
      options,
    );
    return response.value;
  }

  /** Re-reads the policy, as SIGHUP does. */
  async reload(options?: CallOptions): Promise<void> {
    await this.transport.unary(AdminService.method.reload, create(ReloadRequestSchema, {}), options);
  }

  /** The policy in force and each tenant's state. */
  status(options?: CallOptions): Promise<StatusResponse> {
    return this.transport.unary(AdminService.method.status, create(StatusRequestSchema, {}), options);
  }
}
