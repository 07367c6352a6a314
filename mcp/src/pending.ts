// Pending decisions the gateway remembers, keyed by the caller's principal
// and the action digest: a retry of the same call by the same principal is
// matched to its decision instead of queueing a second approval request.
// A client-chosen MCP session id is never part of the key.
export class PendingDecisions {
  private readonly byKey = new Map<string, string>();

  private static key(principal: string, digestHex: string): string {
    return `${principal}\n${digestHex}`;
  }

  get(principal: string, digestHex: string): string | undefined {
    return this.byKey.get(PendingDecisions.key(principal, digestHex));
  }

  remember(principal: string, digestHex: string, decisionId: string): void {
    this.byKey.set(PendingDecisions.key(principal, digestHex), decisionId);
  }

  forget(principal: string, digestHex: string): void {
    this.byKey.delete(PendingDecisions.key(principal, digestHex));
  }
}
