/**
 * Just enough XML for S3's answers: the text of named elements. S3's
 * documents are flat and machine-made; a real parser would be most of the
 * bundle.
 *
 * @module
 */

const ENTITIES: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
};

/** Text with XML's entities and character references resolved. */
export function unescapeXml(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, ref) => {
    if (ref[0] !== "#") return ENTITIES[ref] ?? whole;
    const code = ref[1] === "x"
      ? parseInt(ref.slice(2), 16)
      : parseInt(ref.slice(1), 10);
    return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

/** Text for an XML element's content. */
export function escapeXml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => `&${Object.entries(ENTITIES).find(([, v]) => v === c)![0]};`,
  );
}

/** The contents of every `<name>` element in `xml`, unescaped, in order. */
export function elements(xml: string, name: string): string[] {
  const out: string[] = [];
  const pattern = new RegExp(
    `<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}>`,
    "g",
  );
  for (const m of xml.matchAll(pattern)) out.push(m[1]);
  return out;
}

/** The unescaped text of the first `<name>` element, or `undefined`. */
export function element(xml: string, name: string): string | undefined {
  const [first] = elements(xml, name);
  return first === undefined ? undefined : unescapeXml(first);
}
