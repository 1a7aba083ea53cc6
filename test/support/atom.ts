import { XMLParser } from "fast-xml-parser";
import { expect } from "vitest";

type TextConstruct = { "#text": string; "@_type": string };

export interface AtomEntry {
  id: string;
  title: TextConstruct;
  updated: string;
  link: { "@_href": string };
  content: TextConstruct;
  category: { "@_term": string }[];
}

/** Parses an Atom document as XML (throws on malformed XML) and returns its feed element. */
export function parseAtom(xml: string): { id: string; updated: string; entry: AtomEntry[] } {
  const parser = new XMLParser({
    ignoreAttributes: false,
    isArray: (name) => name === "entry" || name === "category",
  });
  const doc = parser.parse(xml, true) as {
    feed?: { "@_xmlns": string; id: string; updated: string; entry?: AtomEntry[] };
  };
  expect(doc.feed?.["@_xmlns"]).toBe("http://www.w3.org/2005/Atom");
  const feed = doc.feed ?? { id: "", updated: "" };
  return { id: feed.id, updated: feed.updated, entry: doc.feed?.entry ?? [] };
}

/** The entry's kind (`release`, `blocked`, `unblocked`): its first category. */
export const kindOf = (e: AtomEntry) => e.category[0]?.["@_term"];
