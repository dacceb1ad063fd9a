import { redactUrl } from "@kiln/schemas";
import { describe, expect, it } from "vitest";
import { backoffDelay } from "./client.js";
import {
  ConnectAlreadyExistsError,
  ConnectAuthError,
  ConnectConflictError,
  ConnectNotFoundError,
  ConnectRequestError,
  ConnectTimeoutError,
  classifyResponse,
} from "./errors.js";

const req = { method: "PUT", url: "https://admin:s3cret@connect.example:8083/connectors/x/config?token=abc" };

describe("classifyResponse", () => {
  it.each([
    [
      409,
      "Cannot complete request because of a conflicting operation (e.g. worker rebalance)",
      ConnectConflictError,
      true,
    ],
    [
      409,
      "Cannot complete request momentarily due to stale configuration (typically caused by a concurrent config change)",
      ConnectConflictError,
      true,
    ],
    [500, "Request cannot be completed because a rebalance is expected", ConnectConflictError, true],
    [409, "Connector x already exists", ConnectAlreadyExistsError, false],
    [404, "Connector x not found", ConnectNotFoundError, false],
    [500, "Request timed out", ConnectTimeoutError, false],
    [400, "Connector configuration is invalid", ConnectRequestError, false],
    [500, "NullPointerException", ConnectRequestError, false],
    [401, "User cannot access the resource.", ConnectAuthError, false],
    [403, "Forbidden", ConnectAuthError, false],
  ])("%i %s", (status, message, type, retryable) => {
    const e = classifyResponse(status, message, req);
    expect(e).toBeInstanceOf(type);
    expect(e.retryable).toBe(retryable);
    expect(e.message).not.toContain("s3cret");
    expect(e.message).not.toContain("abc");
  });

  it("points a refused credential at the ConnectTarget's auth", () => {
    expect(classifyResponse(401, "User cannot access the resource.", req).message).toBe(
      "PUT https://***@connect.example:8083/connectors/x/config?token=***: the Connect worker refused kiln's credentials (HTTP 401: User cannot access the resource.); check the ConnectTarget's auth",
    );
  });

  it("redacts credentials in URLs", () => {
    expect(redactUrl(req.url)).toBe("https://***@connect.example:8083/connectors/x/config?token=***");
    expect(redactUrl("http://127.0.0.1:8083/")).toBe("http://127.0.0.1:8083/");
  });
});

describe("backoffDelay", () => {
  const policy = { deadlineMs: 60_000, baseDelayMs: 100, maxDelayMs: 1000 };
  it.each([
    [0, 0, 50],
    [0, 1, 100],
    [3, 0, 400],
    [3, 1, 800],
    [10, 1, 1000],
  ])("attempt %i with random %d → %i ms", (attempt, r, ms) => {
    expect(backoffDelay(attempt, policy, () => r)).toBe(ms);
  });
});
