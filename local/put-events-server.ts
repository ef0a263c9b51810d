import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { LocalBus } from "./local-bus.ts";

/**
 * EventBridge's PutEvents API on loopback, for the local run: other systems (and `kss trigger --endpoint`)
 * send events with the real AWS SDK, and they are routed by serverless.yml's patterns like events on the bus.
 * Only PutEvents (AWS JSON 1.1, `X-Amz-Target: AWSEvents.PutEvents`); signatures are not checked locally.
 */

interface PutEventsEntry {
  Source?: string;
  DetailType?: string;
  Detail?: string;
  Resources?: string[];
  Time?: number | string;
}

export class PutEventsServer {
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(bus: LocalBus, port = 0): Promise<PutEventsServer> {
    const server = createServer((req, res) => void handle(bus, req, res));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", resolve);
    });
    const address = server.address() as AddressInfo;
    return new PutEventsServer(server, `http://127.0.0.1:${address.port}`);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

async function handle(bus: LocalBus, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const reply = (status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/x-amz-json-1.1" });
    res.end(JSON.stringify(body));
  };
  if (req.headers["x-amz-target"] !== "AWSEvents.PutEvents") {
    reply(400, { __type: "UnknownOperationException", message: "the local bus serves PutEvents only" });
    return;
  }
  let entries: PutEventsEntry[];
  try {
    entries =
      (JSON.parse(Buffer.concat(chunks).toString("utf8")) as { Entries?: PutEventsEntry[] }).Entries ?? [];
  } catch {
    reply(400, { __type: "ValidationException", message: "body is not JSON" });
    return;
  }
  const results = entries.map((entry) => {
    if (!entry.Source || !entry.DetailType || !entry.Detail) {
      return { ErrorCode: "InvalidArgument", ErrorMessage: "Source, DetailType and Detail are required" };
    }
    let detail: object;
    try {
      detail = JSON.parse(entry.Detail) as object;
    } catch {
      return { ErrorCode: "MalformedDetail", ErrorMessage: "Detail is not valid JSON" };
    }
    const time =
      entry.Time === undefined
        ? new Date()
        : new Date(typeof entry.Time === "number" ? entry.Time * 1000 : entry.Time);
    const envelope = {
      ...bus.envelope({
        detailType: entry.DetailType,
        source: entry.Source,
        detail,
        resources: entry.Resources,
        time,
      }),
      id: randomUUID(),
    };
    bus.dispatch(envelope);
    return { EventId: envelope.id };
  });
  reply(200, { FailedEntryCount: results.filter((r) => "ErrorCode" in r).length, Entries: results });
}
