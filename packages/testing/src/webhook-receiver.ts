import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";

export interface ReceivedDelivery {
  id: string;
  timestamp: string;
  signature: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
  status: number;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  /** Never answer (to exercise the sender's timeout or a hung receiver). */
  hang?: boolean;
}

/** A real HTTP endpoint standing in for an integration: records every request and answers as told. */
export class WebhookReceiver {
  readonly received: ReceivedDelivery[] = [];
  #respond: (request: { id: string; count: number }) => Reply = () => ({ status: 204 });
  #server: Server;
  #waiters: (() => void)[] = [];

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver(createServer());
    receiver.#server.on("request", (request, response) => {
      let body = "";
      request.setEncoding("utf8");
      request.on("data", (chunk: string) => {
        body += chunk;
      });
      request.on("end", () => {
        const id = String(request.headers["webhook-id"] ?? "");
        const count = receiver.received.filter((delivery) => delivery.id === id).length + 1;
        const reply = receiver.#respond({ id, count });
        receiver.received.push({
          id,
          timestamp: String(request.headers["webhook-timestamp"] ?? ""),
          signature: String(request.headers["webhook-signature"] ?? ""),
          headers: request.headers,
          body,
          at: Date.now(),
          status: reply.status,
        });
        for (const wake of receiver.#waiters.splice(0)) wake();
        if (reply.hang) return;
        response.writeHead(reply.status, reply.headers).end("receiver says hi");
      });
    });
    await new Promise<void>((resolve) => receiver.#server.listen(0, "127.0.0.1", resolve));
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/hook`;
  }

  /** How to answer: by webhook-id and how many times that id has arrived (1 = first). */
  respondWith(respond: (request: { id: string; count: number }) => Reply): void {
    this.#respond = respond;
  }

  /** Successful deliveries (2xx answers). */
  get accepted(): ReceivedDelivery[] {
    return this.received.filter((delivery) => delivery.status >= 200 && delivery.status < 300);
  }

  async waitFor(predicate: () => boolean, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`receiver: condition not met; got ${this.received.length}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 200);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Verifies a delivery exactly as a receiver using the `standardwebhooks` package would. */
  static verify(delivery: ReceivedDelivery, secret: string): unknown {
    return new Webhook(secret).verify(delivery.body, {
      "webhook-id": delivery.id,
      "webhook-timestamp": delivery.timestamp,
      "webhook-signature": delivery.signature,
    });
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}
