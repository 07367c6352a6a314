// A typed gRPC transport over @grpc/grpc-js for protobuf-es service
// descriptors: binary (de)serialization by schema, the bearer token on
// every call, a deadline per call, AbortSignal cancellation, and gRPC
// failures turned into typed GateErrors. One channel per instance; safe to
// share across concurrent calls.
import { type DescMessage, type MessageShape, fromBinary, toBinary } from "@bufbuild/protobuf";
import type { DescMethodServerStreaming, DescMethodUnary } from "@bufbuild/protobuf";
import {
  Client,
  type ChannelCredentials,
  type ClientReadableStream,
  credentials as grpcCredentials,
  Metadata,
  type ServiceError,
  status as GrpcStatus,
} from "@grpc/grpc-js";
import { errorForStatus, GateError } from "./errors.js";

/** Per-call options. */
export interface CallOptions {
  /** Overrides the client's default timeout for this call. */
  timeoutMs?: number;
  /** Cancels the call; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface TransportOptions {
  token?: string;
  timeoutMs: number;
  credentials?: ChannelCredentials;
}

function pathOf(method: { parent: { typeName: string }; name: string }): string {
  return `/${method.parent.typeName}/${method.name}`;
}

function isServiceError(e: unknown): e is ServiceError {
  return e instanceof Error && typeof (e as Partial<ServiceError>).code === "number";
}

/** Maps anything a grpc-js call throws to a GateError. */
export function toGateError(e: unknown): GateError {
  if (e instanceof GateError) return e;
  if (isServiceError(e)) return errorForStatus(e.code, e.details ?? e.message);
  return errorForStatus(GrpcStatus.UNKNOWN, e instanceof Error ? e.message : String(e));
}

export class Transport {
  private readonly client: Client;
  private readonly metadata: Metadata;
  private readonly timeoutMs: number;

  constructor(target: string, options: TransportOptions) {
    if (options.token !== undefined && !/^[\x21-\x7e]+$/.test(options.token)) {
      throw new TypeError("token must be printable ASCII without spaces");
    }
    this.client = new Client(target, options.credentials ?? grpcCredentials.createInsecure());
    this.metadata = new Metadata();
    if (options.token) this.metadata.set("authorization", `Bearer ${options.token}`);
    this.timeoutMs = options.timeoutMs;
  }

  close(): void {
    this.client.close();
  }

  private deadline(options?: CallOptions, extraMs = 0): Date {
    return new Date(Date.now() + (options?.timeoutMs ?? this.timeoutMs) + extraMs);
  }

  /** One unary call. Rejects with a GateError, or the signal's reason when aborted. */
  unary<I extends DescMessage, O extends DescMessage>(
    method: DescMethodUnary<I, O>,
    request: MessageShape<I>,
    options?: CallOptions,
    extraMs = 0,
  ): Promise<MessageShape<O>> {
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const call = this.client.makeUnaryRequest(
        pathOf(method),
        (m: MessageShape<I>) => Buffer.from(toBinary(method.input, m)),
        (b: Buffer) => fromBinary(method.output, b),
        request,
        this.metadata.clone(),
        { deadline: this.deadline(options, extraMs) },
        (error: ServiceError | null, response?: MessageShape<O>) => {
          signal?.removeEventListener("abort", onAbort);
          if (signal?.aborted) reject(signal.reason);
          else if (error || response === undefined) reject(toGateError(error));
          else resolve(response);
        },
      );
      const onAbort = (): void => call.cancel();
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** A server stream as an async iterator; cancelled when the consumer stops or the signal aborts. */
  async *stream<I extends DescMessage, O extends DescMessage>(
    method: DescMethodServerStreaming<I, O>,
    request: MessageShape<I>,
    options?: CallOptions,
  ): AsyncGenerator<MessageShape<O>, void, undefined> {
    const signal = options?.signal;
    if (signal?.aborted) throw signal.reason;
    const call: ClientReadableStream<MessageShape<O>> = this.client.makeServerStreamRequest(
      pathOf(method),
      (m: MessageShape<I>) => Buffer.from(toBinary(method.input, m)),
      (b: Buffer) => fromBinary(method.output, b),
      request,
      this.metadata.clone(),
      options?.timeoutMs !== undefined ? { deadline: this.deadline(options) } : {},
    );
    const onAbort = (): void => call.cancel();
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      for await (const message of call as AsyncIterable<MessageShape<O>>) yield message;
    } catch (e) {
      if (signal?.aborted) throw signal.reason;
      throw toGateError(e);
    } finally {
      signal?.removeEventListener("abort", onAbort);
      call.cancel();
    }
  }
}
