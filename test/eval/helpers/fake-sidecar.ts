import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { type AddressInfo } from "node:net";

/** The body the eval runner sends to `POST /v1/search`. */
export interface SearchBody {
  q: string;
  pipeline: string;
  size: number;
  user_id?: string;
}

export type Reply = { status: number; body: unknown } | "hang";

/**
 * A canned `/v1/search` endpoint on a random local port, for testing the eval *client* (retries, failures,
 * request shape). It is not a sidecar: `answer` decides each reply.
 */
export class FakeSidecar {
  readonly requests: SearchBody[] = [];
  inFlight = 0;
  maxInFlight = 0;
  private server: Server | undefined;
  private readonly hanging = new Set<ServerResponse>();

  constructor(private readonly answer: (body: SearchBody, attempt: number) => Reply) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  attemptsFor(q: string, pipeline?: string): number {
    return this.requests.filter((r) => r.q === q && (pipeline === undefined || r.pipeline === pipeline)).length;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    let text = "";
    for await (const chunk of req) text += String(chunk);
    const body = JSON.parse(text) as SearchBody;
    this.requests.push(body);
    // Let other requests arrive before answering, so in-flight counting sees real overlap.
    await new Promise((resolve) => setImmediate(resolve));
    const reply = req.url === "/v1/search" && req.method === "POST" ? this.answer(body, this.attemptsFor(body.q, body.pipeline)) : { status: 404, body: {} };
    if (reply === "hang") {
      this.hanging.add(res);
      return;
    }
    this.inFlight -= 1;
    res.writeHead(reply.status, { "content-type": "application/json" }).end(JSON.stringify(reply.body));
  }
}

/** A 200 answer shaped like the sidecar's; `degraded` fills `rerank.degraded` as a fallback would. */
export function hits(ids: readonly string[], pipeline = "bm25", degraded?: string): { status: number; body: unknown } {
  const rerank = { model: null, version: null, backend: null, degraded: degraded ?? null };
  return {
    status: 200,
    body: { hits: ids.map((id, i) => ({ id, score: ids.length - i, source: {} })), total: ids.length, took_ms: 1, pipeline, rerank },
  };
}
