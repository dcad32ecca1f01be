/**
 * The code blocks of README.md, as the README test runs them: each fenced
 * block with its language, its line, and what the comment right above it
 * says about running it.
 *
 * The one convention, written in the README's "Development" section: an
 * HTML comment on the line before a block, `<!-- not run: <reason> -->`,
 * keeps the block from running (it is still type-checked or parsed). Every
 * other `ts`, `js` and `sh` block runs against a served emulator, changed
 * only by the substitutions listed in {@link SUBSTITUTIONS}.
 *
 * @module
 */

/** One fenced block of the README. */
export interface ReadmeBlock {
  /** The info string's first word: `ts`, `js`, `sh`, `toml`, `json`, or `""`. */
  lang: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The block's text. */
  code: string;
  /** Why it is not run, when the comment above it says so. */
  notRun?: string;
}

/** The marker that keeps a block from running. */
const NOT_RUN = /^<!--\s*not run:\s*(.+?)\s*-->$/;

/** Every fenced block of `markdown`, in order. */
export function readmeBlocks(markdown: string): ReadmeBlock[] {
  const lines = markdown.split("\n");
  const blocks: ReadmeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)/.exec(lines[i]);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
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
 * What a block is given before it runs, in one place: the README speaks to
 * a user with a live key and WorkOS's host; the test has an emulator on
 * loopback. Nothing else in a block is changed.
 */
export const SUBSTITUTIONS: readonly {
  /** What the README says. */
  from: RegExp;
  /** What the test runs instead; `$KEY`, `$URL`, `$DIR` and `$CLI` are filled in. */
  to: string;
  /** Why. */
  why: string;
}[] = [
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

/** `code` with every substitution applied. */
export function substitute(
  code: string,
  values: { KEY: string; URL: string; DIR: string; CLI: string },
): string {
  let out = code;
  for (const { from, to } of SUBSTITUTIONS) {
    out = out.replace(from, to);
  }
  return out.replace(
    /\$(KEY|URL|DIR|CLI)\b/g,
    (_, name: keyof typeof values) => values[name],
  );
}
