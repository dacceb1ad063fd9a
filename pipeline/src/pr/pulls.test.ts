import { afterAll, beforeAll, expect, test } from "vitest";
import { FakeGitHub } from "../testing/fake-github.js";
import { upsertPull } from "./pulls.js";

const gh = new FakeGitHub("acme/platform");
beforeAll(() => gh.start());
afterAll(() => gh.stop());

test("one PR per branch: created once, then its title and body updated in place (fake GitHub API)", async () => {
  const ctx = { token: "ghs_x", owner: "acme", repo: "platform", baseUrl: gh.url };
  const first = await upsertPull(ctx, {
    branch: "kiln/update/pg",
    base: "main",
    title: "bump pg to 1.1",
    body: "a",
  });
  const other = await upsertPull(ctx, {
    branch: "kiln/update/my",
    base: "main",
    title: "bump my to 2",
    body: "c",
  });
  const again = await upsertPull(ctx, {
    branch: "kiln/update/pg",
    base: "main",
    title: "bump pg to 1.2",
    body: "b",
  });
  expect([first, other, again]).toEqual([
    { number: 1, url: "https://github.example/acme/platform/pull/1", created: true },
    { number: 2, url: "https://github.example/acme/platform/pull/2", created: true },
    { number: 1, url: "https://github.example/acme/platform/pull/1", created: false },
  ]);
  expect(gh.pulls.map((p) => [p.head, p.base, p.title, p.body])).toEqual([
    ["kiln/update/pg", "main", "bump pg to 1.2", "b"],
    ["kiln/update/my", "main", "bump my to 2", "c"],
  ]);
  expect(gh.requests.map((r) => `${r.method} ${r.path.split("?")[0]}`)).toEqual([
    "GET /repos/acme/platform/pulls",
    "POST /repos/acme/platform/pulls",
    "GET /repos/acme/platform/pulls",
    "POST /repos/acme/platform/pulls",
    "GET /repos/acme/platform/pulls",
    "PATCH /repos/acme/platform/pulls/1",
  ]);
  expect(gh.requests.every((r) => r.auth === "token ghs_x")).toBe(true);
});
