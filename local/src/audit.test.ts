import type { AclBinding } from "@kiln/clusters/strimzi";
import { describe, expect, it } from "vitest";
import { grantUsage, parseAuditLog } from "./audit.js";

// Lines as Kafka 4.3's StandardAuthorizer logs them at DEBUG (taken from a real broker).
const LOG = `[2026-11-30 23:05:01,234] DEBUG Principal = User:CN=app is Allowed operation = WRITE from host = 127.0.0.1 on resource = Topic:LITERAL:orders for request = Produce with resourceRefCount = 1 based on rule MatchingAcl(acl=StandardAcl[resourceType=TOPIC, resourceName=orders, patternType=LITERAL, principal=User:CN=app, host=*, operation=WRITE, permissionType=ALLOW]) (kafka.authorizer.logger)
[2026-11-30 23:05:01,240] DEBUG Principal = User:CN=app is Allowed operation = DESCRIBE from host = 127.0.0.1 on resource = Topic:LITERAL:orders for request = Metadata with resourceRefCount = 1 based on rule MatchingAcl(acl=StandardAcl[resourceType=TOPIC, resourceName=orders, patternType=LITERAL, principal=User:CN=app, host=*, operation=DESCRIBE, permissionType=ALLOW]) (kafka.authorizer.logger)
[2026-11-30 23:05:02,001] DEBUG Principal = User:CN=app is Allowed operation = READ from host = 127.0.0.1 on resource = Group:LITERAL:app-1 for request = JoinGroup with resourceRefCount = 1 based on rule MatchingAcl(acl=StandardAcl[resourceType=GROUP, resourceName=app-, patternType=PREFIXED, principal=User:CN=app, host=*, operation=READ, permissionType=ALLOW]) (kafka.authorizer.logger)
[2026-11-30 23:05:02,100] INFO Principal = User:CN=other is Denied operation = WRITE from host = 127.0.0.1 on resource = Topic:LITERAL:orders for request = Produce with resourceRefCount = 1 based on rule DefaultDeny (kafka.authorizer.logger)
`;

const grant = (
  resourceType: AclBinding["resourceType"],
  name: string,
  operation: string,
  patternType: AclBinding["patternType"] = "LITERAL",
): AclBinding => ({
  principal: "User:CN=app",
  resourceType,
  name,
  patternType,
  operation,
  permission: "ALLOW",
  host: "*",
});

describe("grantUsage", () => {
  const decisions = parseAuditLog(LOG);

  it("reads the allowed operations only", () => {
    expect(
      decisions.map((d) => `${d.principal} ${d.operation} ${d.resourceType}:${d.name} ${d.request}`),
    ).toStrictEqual([
      "User:CN=app WRITE TOPIC:orders Produce",
      "User:CN=app DESCRIBE TOPIC:orders Metadata",
      "User:CN=app READ GROUP:app-1 JoinGroup",
    ]);
  });

  it("calls a grant needed only when no other grant allows what it allowed", () => {
    const usage = grantUsage(
      [
        grant("TOPIC", "orders", "WRITE"),
        grant("TOPIC", "orders", "DESCRIBE"),
        grant("GROUP", "app-", "READ", "PREFIXED"),
        grant("TOPIC", "orders", "READ"),
      ],
      decisions,
    );
    expect(usage.map((u) => [u.grant.operation, u.grant.resourceType, u.used, u.neededFor])).toStrictEqual([
      ["WRITE", "TOPIC", 2, ["Produce WRITE TOPIC:orders"]],
      // WRITE (and READ) imply DESCRIBE: the explicit DESCRIBE is never the only grant allowing it.
      ["DESCRIBE", "TOPIC", 1, []],
      ["READ", "GROUP", 1, ["JoinGroup READ GROUP:app-1"]],
      ["READ", "TOPIC", 1, []],
    ]);
  });
});
