import { describe, expect, it } from "vitest";
import { makeClassFile } from "../testing/archives.js";
import { ClassFormatError, isInstantiable, parseClassHeader } from "./classfile.js";
import { ClassHierarchy, loadsInIsolation } from "./plugin-classes.js";

/** this_class (12 bytes before the end of an interface-less header) pointed at slot 1, a UTF-8 entry. */
function pointAtText(b: Buffer): Buffer {
  b.writeUInt16BE(1, b.length - 12);
  return b;
}

describe("parseClassHeader", () => {
  it("reads name, supertypes and modifiers", () => {
    const h = parseClassHeader(
      makeClassFile({ name: "com.x.A$B", super: "com.x.Base", interfaces: ["com.x.I", "com.x.J"] }),
    );
    expect(h).toStrictEqual({
      name: "com.x.A$B",
      superName: "com.x.Base",
      interfaces: ["com.x.I", "com.x.J"],
      access: 0x21,
    });
    expect(isInstantiable(h)).toBe(true);
    expect(isInstantiable({ ...h, access: 0x421 })).toBe(false);
    expect(isInstantiable({ ...h, access: 0x20 })).toBe(false);
  });

  it.each([
    ["empty", Buffer.alloc(0)],
    ["bad magic", Buffer.from("PK\x03\x04 not a class")],
    ["truncated", makeClassFile({ name: "com.x.A" }).subarray(0, 20)],
    ["a class index that points at text", pointAtText(makeClassFile({ name: "com.x.A" }))],
  ])("refuses %s bytes with a ClassFormatError", (_what, bytes) => {
    expect(() => parseClassHeader(bytes)).toThrow(ClassFormatError);
  });
});

describe("loadsInIsolation: what Connect takes from the plugin's own jars", () => {
  it.each([
    ["com.acme.Connector", true],
    ["org.apache.kafka.connect.json.JsonConverter", true],
    ["org.apache.kafka.connect.transforms.Cast$Value", true],
    ["org.apache.kafka.connect.transforms.Transformation", false],
    ["org.apache.kafka.connect.transforms.predicates.Predicate", false],
    ["org.apache.kafka.connect.storage.StringConverter", true],
    ["org.apache.kafka.connect.storage.Converter", false],
    ["org.apache.kafka.common.config.provider.FileConfigProvider", true],
    ["org.apache.kafka.common.config.provider.ConfigProvider", false],
    ["org.apache.kafka.common.utils.Utils", false],
    ["org.apache.kafka.connect.source.SourceConnector", false],
    ["org.slf4j.LoggerFactory", false],
    ["java.lang.String", false],
  ])("%s → %s", (name, isolated) => {
    expect(loadsInIsolation(name)).toBe(isolated);
  });
});

describe("ClassHierarchy", () => {
  it("follows supertypes through the plugin into Kafka's known types, and survives cycles", () => {
    const headers = new Map(
      [
        {
          name: "a.Base",
          superName: "org.apache.kafka.connect.json.JsonConverter",
          interfaces: [],
          access: 0x421,
        },
        { name: "a.Mine", superName: "a.Base", interfaces: [], access: 0x21 },
        { name: "a.Cmp", superName: "a.Loop", interfaces: [], access: 0x21 },
        { name: "a.Loop", superName: "a.Cmp", interfaces: [], access: 0x21 },
        {
          name: "a.Smt",
          superName: "org.apache.kafka.connect.transforms.ReplaceField",
          interfaces: [],
          access: 0x21,
        },
      ].map((h) => [h.name, h]),
    );
    const hierarchy = new ClassHierarchy(headers);
    expect(hierarchy.plugins()).toStrictEqual([
      { class: "a.Mine", types: ["converter", "header-converter"] },
      { class: "a.Smt", types: ["transform"] },
    ]);
    expect([...hierarchy.typesOf("a.Loop")]).toStrictEqual([]);
  });
});
