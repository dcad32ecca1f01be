/**
 * No error of `s3Store` holds a secret: not the secret access key, the
 * session token or a request's signature, however a hostile service echoes
 * them (as is, JSON-escaped, URL-encoded), nor when the network fails with
 * a message naming them. Errors are looked at the ways a logger does:
 * `String`, `stack`, `Deno.inspect`, `JSON.stringify`, every reachable
 * string; and the store itself shows none.
 *
 * @module
 */

import assert from "node:assert/strict";
import { s3Store, S3StoreError } from "../s3.ts";

const SECRET = "wJalrXUtnFEMI/K7MDENG+h0stileKEY";
const TOKEN = "FwoGZXIvYXdzE//h0stile+token==";
const TRACES = ["h0stile", "wJalrXUtnFEMI"];

function reachable(root: unknown): string[] {
  const out: string[] = [];
  const seen = new Set<unknown>();
  const visit = (v: unknown, depth: number) => {
    if (typeof v === "string") return void out.push(v);
    if (typeof v !== "object" || v === null || seen.has(v) || depth > 50) {
      return;
    }
    seen.add(v);
    for (const key of Object.getOwnPropertyNames(v)) {
      out.push(key);
      try {
        visit((v as Record<string, unknown>)[key], depth + 1);
      } catch { /* a getter that throws shows nothing */ }
    }
    visit(
      Object.getPrototypeOf(v) === Object.prototype
        ? undefined
        : (v as Error).cause,
      depth + 1,
    );
  };
  visit(root, 0);
  return out;
}

function assertClean(value: unknown, signatures: readonly string[] = []): void {
  const views = [
    String(value),
    (value as Error)?.stack ?? "",
    Deno.inspect(value, { depth: Infinity, showHidden: true }),
    JSON.stringify(value) ?? "",
    ...reachable(value),
  ];
  for (const view of views) {
    for (const trace of [...TRACES, ...signatures]) {
      for (
        const spelling of [
          trace,
          encodeURIComponent(trace),
          JSON.stringify(trace).slice(1, -1),
        ]
      ) {
        assert.ok(
          !view.includes(spelling),
          `leaked ${trace} in ${view.slice(0, 300)}`,
        );
      }
    }
  }
}

/** A store whose service is `answer`, recording the signatures it was sent. */
function storeAnswering(
  answer: (request: Request) => Response | Promise<Response>,
) {
  const signatures: string[] = [];
  const store = s3Store({
    bucket: "audit-archive",
    endpoint: "https://s3.example.test",
    credentials: {
      accessKeyId: "AKIAEXAMPLE",
      secretAccessKey: SECRET,
      sessionToken: TOKEN,
    },
    fetch: async (input, init) => {
      const request = new Request(input, init);
      const auth = request.headers.get("authorization") ?? "";
      signatures.push(/Signature=([0-9a-f]+)/.exec(auth)?.[1] ?? "");
      return await answer(request);
    },
  });
  return { store, signatures };
}

async function errorOf(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

Deno.test("a service echoing the secret, the token and the signature in its error shows none of them", async () => {
  const { store, signatures } = storeAnswering((request) => {
    const auth = request.headers.get("authorization") ?? "";
    const sig = /Signature=([0-9a-f]+)/.exec(auth)?.[1] ?? "";
    const echo = [
      SECRET,
      TOKEN,
      encodeURIComponent(SECRET),
      JSON.stringify(TOKEN),
      auth,
      sig,
    ].join(" ");
    return new Response(
      `<Error><Code>SignatureDoesNotMatch ${SECRET}</Code><Message>bad: ${echo}</Message><SignatureProvided>${sig}</SignatureProvided><StringToSign>${echo}</StringToSign></Error>`,
      { status: 403 },
    );
  });
  // One at a time: a rejection not yet awaited would count as unhandled.
  for (
    const attempt of [
      () => store.get("a.txt"),
      () => store.put("a.txt", new Uint8Array(3)),
      () => store.read("a.txt"),
    ]
  ) {
    const error = await errorOf(attempt());
    assert.ok(error instanceof S3StoreError, String(error));
    assert.equal(error.status, 403);
    assertClean(error, signatures.filter(Boolean));
  }
});

Deno.test("a network failure naming the secret shows none of it", async () => {
  const { store, signatures } = storeAnswering((request) => {
    throw new TypeError(
      `connect failed for ${
        request.headers.get("authorization")
      } ${SECRET} ${TOKEN}`,
      {
        cause: new Error(`socket ${TOKEN}`),
      },
    );
  });
  const error = await errorOf(store.get("a.txt"));
  assert.ok(error instanceof S3StoreError, String(error));
  assert.equal(error.status, undefined);
  assertClean(error, signatures.filter(Boolean));
});

Deno.test("the store shows no secret", () => {
  const { store } = storeAnswering(() => new Response(null, { status: 404 }));
  assertClean(store);
  assert.ok(
    !Deno.inspect(store, { depth: Infinity, showHidden: true }).includes(
      "h0stile",
    ),
  );
});
