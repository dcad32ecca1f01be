/**
 * The code blocks of README.md, as the README tests run them (under Deno
 * from the sources, and on Node 20 against the built package): each fenced
 * block with its language, its line, and what the comment right above it
 * says about running it. Plain JavaScript, so both read the same code.
 *
 * The one convention, written in the README's "Development" section: an
 * HTML comment on the line before a block, `<!-- not run: <reason> -->`,
 * keeps the block from running (it is still type-checked or parsed). Every
 * other `ts`, `js` and `sh` block runs against a served emulator, changed
 * only by the substitutions listed in {@link SUBSTITUTIONS}.
 *
 * @module
 */

/**
 * One fenced block of the README.
 *
 * @typedef {object} ReadmeBlock
 * @property {string} lang  The info string's first word: `ts`, `js`, `sh`, `toml`, `json`, or `""`.
 * @property {number} line  1-based line of the opening fence.
 * @property {string} code  The block's text.
 * @property {string} [notRun]  Why it is not run, when the comment above it says so.
 */

/** The marker that keeps a block from running. */
const NOT_RUN = /^<!--\s*not run:\s*(.+?)\s*-->$/;

/**
 * Every fenced block of `markdown`, in order.
 *
 * @param {string} markdown
 * @returns {ReadmeBlock[]}
 */
export function readmeBlocks(markdown) {
  const lines = markdown.split("\n");
  /** @type {ReadmeBlock[]} */
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)/.exec(lines[i]);
    if (!open) continue;
    const start = i;
    const body = [];
    for (i++; i < lines.length && !lines[i].startsWith("```"); i++) {
      body.push(lines[i]);
    }
    let above = start - 1;
    while (above >= 0 && lines[above].trim() === "") above--;
    const marker = above >= 0 ? NOT_RUN.exec(lines[above].trim()) : null;
    blocks.push({
      lang: open[1],
      line: start + 1,
      code: body.join("\n") + "\n",
      ...(marker ? { notRun: marker[1] } : {}),
    });
  }
  return blocks;
}

/**
 * The blocks that run as programs (`ts` and `js`, not marked), the cases
 * of the Node runner.
 *
 * @param {string} markdown
 * @returns {ReadmeBlock[]}
 */
export const programBlocks = (markdown) =>
  readmeBlocks(markdown).filter((b) =>
    (b.lang === "ts" || b.lang === "js") && !b.notRun
  );

/**
 * What a block is given before it runs, in one place: the README speaks to
 * a user with a live key and WorkOS's host; the test has an emulator on
 * loopback. Nothing else in a block is changed.
 *
 * @type {readonly { from: RegExp, to: string, why: string }[]}
 */
export const SUBSTITUTIONS = [
  {
    from: /sk_live_…/g,
    to: "$KEY",
    why: "a live key's placeholder becomes the emulator's key",
  },
  {
    from:
      /(^|[;&|(]\s*|\$\(\s*|WORKOS_API_KEY=\S+ )(?:npx audit-log-export|deno run -A jsr:@audit-log\/export\/cli|audit-log-export)(?= |$)/gm,
    to: "$1$CLI",
    why: "the CLI by its npm or JSR name becomes this checkout's cli.ts",
  },
  {
    from: /\/var\/lib\/audit-archive/g,
    to: "$DIR/audit-archive",
    why: "a system directory becomes a temporary one",
  },
];

/**
 * `code` with every substitution applied.
 *
 * @param {string} code
 * @param {{ KEY: string, URL: string, DIR: string, CLI: string }} values
 * @returns {string}
 */
export function substitute(code, values) {
  let out = code;
  for (const { from, to } of SUBSTITUTIONS) out = out.replace(from, to);
  return out.replace(
    /\$(KEY|URL|DIR|CLI)\b/g,
    (_, /** @type {"KEY" | "URL" | "DIR" | "CLI"} */ name) => values[name],
  );
}
