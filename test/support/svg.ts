import { XMLParser } from "fast-xml-parser";
import { expect } from "vitest";

interface SvgText {
  "#text": string | number;
  "@_aria-hidden"?: string;
}

/** Parses a shields-style badge as SVG (XML; throws if malformed): its title, message and colour. */
export function parseBadge(svg: string): {
  title: string;
  label: string;
  message: string;
  colour: string;
} {
  const doc = new XMLParser({
    ignoreAttributes: false,
    htmlEntities: true,
    isArray: (n) => ["g", "rect", "text"].includes(n),
  }).parse(svg, true) as {
    svg?: {
      "@_xmlns": string;
      title: string;
      g: { rect?: { "@_fill": string }[]; text?: SvgText[] }[];
    };
  };
  expect(doc.svg?.["@_xmlns"]).toBe("http://www.w3.org/2000/svg");
  const [shapes, words] = doc.svg?.g ?? [];
  const visible = (words?.text ?? [])
    .filter((t) => t["@_aria-hidden"] !== "true")
    .map((t) => String(t["#text"]));
  return {
    title: String(doc.svg?.title ?? ""),
    label: visible[0] ?? "",
    message: visible[1] ?? "",
    colour: shapes?.rect?.[1]?.["@_fill"] ?? "",
  };
}
