/**
 * What `npm pack` puts in the tarball must cover everything package.json
 * points at, and the package must not depend on anything (its one runtime
 * dependency is bundled).
 *
 * @module
 */

/** Every path package.json refers to (exports, main, module, types, bin), without `./`. */
export function referencedFiles(pkg: Record<string, unknown>): string[] {
  const found: string[] = [];
  const walk = (value: unknown) => {
    if (typeof value === "string") found.push(value);
    else if (value && typeof value === "object") {
      Object.values(value).forEach(walk);
    }
  };
  walk(pkg.exports);
  walk(pkg.bin);
  for (const field of ["main", "module", "types"]) walk(pkg[field]);
  return [...new Set(found)].map((f) => f.replace(/^\.\//, ""));
}

/**
 * The problems of a tarball's contents, one line each: a file package.json
 * refers to that is not packed, and any kind of dependency.
 */
export function packProblems(
  pkg: Record<string, unknown>,
  packedFiles: readonly string[],
): string[] {
  const inTarball = new Set(packedFiles);
  const missing = referencedFiles(pkg).filter((f) =>
    f !== "package.json" && !inTarball.has(f)
  );
  const deps = ["dependencies", "peerDependencies", "optionalDependencies"]
    .filter((k) => {
      const value = pkg[k];
      return value && typeof value === "object" &&
        Object.keys(value).length > 0;
    });
  return [
    ...missing.map((f) => `package.json refers to ${f}, not in the tarball`),
    ...deps.map((k) => `package.json has ${k}; the package must have none`),
  ];
}
