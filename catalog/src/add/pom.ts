import { unescapeXml } from "../resolve/maven-settings.js";

// The parts of a Maven POM `kiln catalog add` reads: licences, parent, name, description, url.

export interface PomInfo {
  licenses: Array<{ name?: string; url?: string }>;
  parent?: { group: string; artifact: string; version: string };
  name?: string;
  description?: string;
  url?: string;
}

/** The text of a direct child element of `xml` (nested blocks removed first, so `<name>` is the project's). */
function child(xml: string, tag: string): string | undefined {
  const m = new RegExp(`<${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</${tag}>`).exec(xml);
  const text = m ? unescapeXml((m[1] ?? "").replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, "$1").trim()) : undefined;
  return text ? text.replace(/\s+/g, " ") : undefined;
}

/** Parses a POM (comments and nested sections that reuse tag names are set aside). Pure. */
export function parsePom(xml: string): PomInfo {
  const doc = xml.replace(/<!--[\s\S]*?-->/g, "");
  const licenses = [...doc.matchAll(/<license>([\s\S]*?)<\/license>/g)].map((m) => {
    const name = child(m[1] ?? "", "name");
    const url = child(m[1] ?? "", "url");
    return { ...(name ? { name } : {}), ...(url ? { url } : {}) };
  });
  const parentXml = /<parent>([\s\S]*?)<\/parent>/.exec(doc)?.[1];
  const parent = parentXml
    ? {
        group: child(parentXml, "groupId") ?? "",
        artifact: child(parentXml, "artifactId") ?? "",
        version: child(parentXml, "version") ?? "",
      }
    : undefined;
  // The project's own name, description and url: outside every nested section that has them.
  const top = doc.replace(
    /<(parent|licenses|developers|contributors|organization|scm|issueManagement|ciManagement|distributionManagement|mailingLists|dependencies|dependencyManagement|build|profiles|repositories|pluginRepositories|reporting|modules|properties)>[\s\S]*?<\/\1>/g,
    "",
  );
  const name = child(top, "name");
  const description = child(top, "description");
  const url = child(top, "url");
  return {
    licenses,
    ...(parent?.group && parent.artifact && parent.version ? { parent } : {}),
    ...(name && !name.includes("${") ? { name } : {}),
    ...(description && !description.includes("${") ? { description } : {}),
    ...(url && !url.includes("${") ? { url } : {}),
  };
}
