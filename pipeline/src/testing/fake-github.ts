import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  method: string;
  path: string;
  auth: string | undefined;
  body: unknown;
}

/**
 * A fake GitHub REST API for tests (GitHub is not reachable from here): the
 * endpoints kiln calls — issue comments and check runs (the PR reporter), pull
 * requests (update PRs) — for one repository, with in-memory state, recording
 * every request. Serves under `/api/v3` like GitHub Enterprise, so `baseUrl`
 * configuration is exercised.
 */
export class FakeGitHub {
  requests: RecordedRequest[] = [];
  comments: Array<{ id: number; body: string; html_url: string }> = [];
  pulls: Array<{
    number: number;
    head: string;
    base: string;
    title: string;
    body: string;
    state: string;
    html_url: string;
  }> = [];
  url = "";
  readonly #server: Server;
  #nextId = 900;

  constructor(readonly repository = "acme/catalog") {
    this.#server = createServer((req, res) => void this.#handle(req, res));
  }

  async start(): Promise<this> {
    await new Promise<void>((r) => this.#server.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/api/v3`;
    return this;
  }

  stop(): Promise<void> {
    return new Promise((r) => this.#server.close(() => r()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse) {
    let raw = "";
    for await (const chunk of req) raw += chunk;
    const path = (req.url ?? "").replace(/^\/api\/v3/, "");
    const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : undefined;
    this.requests.push({ method: req.method ?? "", path, auth: req.headers.authorization, body });
    const json = (status: number, data: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(data));
    };
    const repo = `/repos/${this.repository}`;
    const comments = new RegExp(`^${repo}/issues/(\\d+)/comments(\\?.*)?$`).exec(path);
    if (req.method === "GET" && comments) return json(200, this.comments);
    if (req.method === "POST" && comments) {
      const c = {
        id: this.#nextId++,
        body: String(body?.body),
        html_url: `https://github.example/${this.repository}/pull/${comments[1]}#c${this.#nextId - 1}`,
      };
      this.comments.push(c);
      return json(201, c);
    }
    const edit = new RegExp(`^${repo}/issues/comments/(\\d+)$`).exec(path);
    if (req.method === "PATCH" && edit) {
      const c = this.comments.find((x) => x.id === Number(edit[1]));
      if (!c) return json(404, { message: "Not Found" });
      c.body = String(body?.body);
      return json(200, c);
    }
    const pulls = new RegExp(`^${repo}/pulls(\\?.*)?$`).exec(path);
    if (req.method === "GET" && pulls) {
      const q = new URLSearchParams(pulls[1]?.slice(1) ?? "");
      const head = q.get("head")?.split(":").pop();
      return json(
        200,
        this.pulls.filter((p) => p.state === (q.get("state") ?? "open") && (!head || p.head === head)),
      );
    }
    if (req.method === "POST" && pulls) {
      const number = this.pulls.length + 1;
      const p = {
        number,
        head: String(body?.head),
        base: String(body?.base),
        title: String(body?.title),
        body: String(body?.body),
        state: "open",
        html_url: `https://github.example/${this.repository}/pull/${number}`,
      };
      this.pulls.push(p);
      return json(201, p);
    }
    const pull = new RegExp(`^${repo}/pulls/(\\d+)$`).exec(path);
    if (req.method === "PATCH" && pull) {
      const p = this.pulls.find((x) => x.number === Number(pull[1]));
      if (!p) return json(404, { message: "Not Found" });
      if (body?.title !== undefined) p.title = String(body.title);
      if (body?.body !== undefined) p.body = String(body.body);
      return json(200, p);
    }
    if (req.method === "POST" && path === `${repo}/check-runs`) return json(201, { id: 4242 });
    if (req.method === "PATCH" && path === `${repo}/check-runs/4242`) return json(200, { id: 4242 });
    json(404, { message: "Not Found" });
  }
}
