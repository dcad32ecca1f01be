/**
 * `saveExport` from `./fs`: an export's file on disk as the CLI's `--out`
 * writes it, against a served emulator: whole or not at all, with the
 * permissions of what it replaces, through symlinks, and started over once
 * when the file changes on its host, never two versions joined.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  ConnectionError,
  createExport,
  type FetchLike,
  getExport,
  ValidationError,
} from "../mod.ts";
import { saveExport } from "../fs.ts";
import { DOWNLOAD_PREFIX, type Emulator } from "../testing.ts";
import { seedCall, seedEvents } from "./api_helpers.ts";
import { withEmulatorAndDir } from "./cli_helpers.ts";

const DOWNLOADS = new RegExp(`^${DOWNLOAD_PREFIX}`);

/** A served emulator with one ready export, its bytes, and a temp dir. */
async function withExport(
  fn: (s: {
    emulator: Emulator;
    config: { apiKey: string; baseUrl: string };
    id: string;
    whole: Uint8Array;
    dir: string;
  }) => Promise<void>,
): Promise<void> {
  await withEmulatorAndDir({
    events: [
      ...seedEvents,
      ...seedEvents.map((e, i) => ({ ...e, action: `more.events_${i}` })),
    ],
    exportDelayMs: 0,
    rateLimit: false,
  }, async ({ emulator, config, dir }) => {
    const org = emulator.organizations[0];
    const created = await createExport(
      { ...seedCall(org), actions: undefined, actor_ids: undefined },
      config,
    );
    const ready = await getExport(created.id, config);
    const whole = new Uint8Array(await (await fetch(ready.url!)).arrayBuffer());
    await fn({ emulator, config, id: created.id, whole, dir });
  });
}

const names = async (dir: string) =>
  (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort();

Deno.test("saveExport writes the export's bytes to a new private file, and nothing else", async () => {
  await withExport(async ({ config, id, whole, dir }) => {
    const saved = await saveExport(id, `${dir}/audit.csv`, config);
    assert.deepEqual(saved, {
      path: `${dir}/audit.csv`,
      bytes: whole.byteLength,
      restarted: false,
    });
    assert.deepEqual(await Deno.readFile(`${dir}/audit.csv`), whole);
    assert.equal((await Deno.stat(`${dir}/audit.csv`)).mode! & 0o777, 0o600);
    assert.deepEqual(await names(dir), ["audit.csv"]);
  });
});

Deno.test("saveExport replaces a file keeping its mode, and writes through a dangling symlink", async () => {
  await withExport(async ({ config, id, whole, dir }) => {
    await Deno.writeTextFile(`${dir}/shared.csv`, "old\n");
    await Deno.chmod(`${dir}/shared.csv`, 0o664);
    await saveExport(id, `${dir}/shared.csv`, config);
    assert.deepEqual(await Deno.readFile(`${dir}/shared.csv`), whole);
    assert.equal((await Deno.stat(`${dir}/shared.csv`)).mode! & 0o777, 0o664);

    await Deno.symlink("target.csv", `${dir}/link.csv`);
    const saved = await saveExport(id, `${dir}/link.csv`, config);
    assert.equal(saved.path, `${dir}/target.csv`);
    assert.ok((await Deno.lstat(`${dir}/link.csv`)).isSymlink);
    assert.deepEqual(await Deno.readFile(`${dir}/target.csv`), whole);
  });
});

Deno.test("saveExport: a file that changes on its host mid-download is read again from byte 0, once", async () => {
  await withExport(async ({ emulator, config, id, dir }) => {
    const org = emulator.organizations[0];
    // The first download is cut after 40 bytes; before the resume, the
    // file is written anew with other contents.
    emulator.inject({ path: DOWNLOADS, truncate: 40 });
    let downloads = 0;
    const changing: FetchLike = async (url, init) => {
      const response = await fetch(url, init);
      if (DOWNLOADS.test(new URL(url).pathname) && ++downloads === 1) {
        // One event of the two: other bytes, so another ETag.
        emulator.replaceExportFile(id, emulator.listEvents(org).slice(0, 1));
      }
      return response;
    };
    const saved = await saveExport(id, `${dir}/x.csv`, {
      ...config,
      fetch: changing,
    });
    assert.equal(saved.restarted, true);
    const ready = await getExport(id, config);
    const now = new Uint8Array(await (await fetch(ready.url!)).arrayBuffer());
    assert.deepEqual(await Deno.readFile(`${dir}/x.csv`), now);
    assert.deepEqual(await names(dir), ["x.csv"]);
  });
});

Deno.test("saveExport: a failure leaves the old file as it was and no temporary file", async () => {
  await withExport(async ({ emulator, config, id, dir }) => {
    await Deno.writeTextFile(`${dir}/kept.csv`, "kept\n");
    emulator.inject({ path: DOWNLOADS, truncate: 40, times: 10 });
    await assert.rejects(
      saveExport(id, `${dir}/kept.csv`, { ...config, maxRetries: 1 }),
      ConnectionError,
    );
    assert.equal(await Deno.readTextFile(`${dir}/kept.csv`), "kept\n");
    assert.deepEqual(await names(dir), ["kept.csv"]);
  });
});

Deno.test("saveExport: wrong, empty and hostile paths and configs are refused before any request", async () => {
  await withExport(async ({ emulator, config, id, dir }) => {
    const before = emulator.requests.length;
    for (const path of ["", 42, null, "a\0b"] as unknown[]) {
      await assert.rejects(
        saveExport(id, path as string, config),
        TypeError,
        String(path),
      );
    }
    await assert.rejects(
      saveExport(id, `${dir}/missing/dir/x.csv`, config),
      (e: Error & { code?: string }) => e.code === "ENOENT",
    );
    await assert.rejects(
      saveExport(id, `${dir}/x.csv`, { ...config, timeout: -1 }),
      ValidationError,
    );
    assert.equal(emulator.requests.length, before);
    assert.deepEqual(await names(dir), []);
  });
});
