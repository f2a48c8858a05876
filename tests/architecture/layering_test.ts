/**
 * The layers point one way (docs/ARCHITECTURE.md): every relative import of
 * product code is read and checked against the table below, so an arrow
 * against the layering fails here, naming the file and the import.
 */

import { assertEquals } from "../assert.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/**
 * Each layer and the layers it may import (besides itself). Lower layers
 * come first; `model/` alone is the model's top-level files (params,
 * checkpoint, predict).
 */
const LAYERS: [string, string[]][] = [
  ["model/util/", []],
  ["model/io/", ["model/util/"]],
  ["model/graph/", ["model/util/", "model/io/"]],
  ["model/protein/", ["model/util/", "model/io/"]],
  ["model/features/", ["model/util/", "model/io/", "model/protein/"]],
  ["model/nn/", ["model/util/", "model/io/", "model/graph/"]],
  ["model/af2/", ["model/util/", "model/io/", "model/graph/", "model/nn/", "model/protein/"]],
  [
    "model/losses/",
    ["model/util/", "model/io/", "model/graph/", "model/nn/", "model/protein/", "model/af2/"],
  ],
  [
    "model/exec/",
    [
      "model/util/",
      "model/io/",
      "model/graph/",
      "model/nn/",
      "model/protein/",
      "model/af2/",
      "model/losses/",
    ],
  ],
  ["model/", ["model/"]],
  ["analysis/", ["model/"]],
  ["train/", ["model/", "analysis/"]],
];

/** Only these files may import these npm packages (one module per engine). */
const ENGINES: Record<string, string> = {
  "onnxruntime-node": "model/graph/runtime.ts",
};

function layerOf(path: string): [string, string[]] | undefined {
  return LAYERS.find(([prefix]) =>
    prefix === "model/"
      ? path.startsWith("model/") && !path.slice(6).includes("/")
      : path.startsWith(prefix)
  );
}

async function productFiles(): Promise<string[]> {
  const out = await new Deno.Command("git", {
    args: ["ls-files", "--cached", "--others", "--exclude-standard", "model", "analysis", "train"],
    cwd: ROOT,
    stdout: "piped",
  }).output();
  return new TextDecoder().decode(out.stdout).split("\n").filter((f) => f.endsWith(".ts"));
}

/** Every import specifier of a TS source: static, dynamic and `new URL(…, import.meta.url)`. */
export function importsOf(source: string): string[] {
  const re =
    /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|new URL\(\s*)["']([^"']+)["'](?:\s*,\s*import\.meta\.url)?/g;
  return [...source.matchAll(re)].map((m) => m[1]);
}

/** The repository path `spec` names from `from`, or undefined when it leaves the repository. */
function resolve(from: string, spec: string): string | undefined {
  const parts = from.split("/").slice(0, -1);
  for (const p of spec.split("/")) {
    if (p === "..") {
      if (parts.pop() === undefined) return undefined;
    } else if (p !== ".") parts.push(p);
  }
  return parts.join("/");
}

Deno.test("layering: every import of model/, analysis/ and train/ points down the layers", async () => {
  const problems: string[] = [];
  const files = await productFiles();
  for (const file of files) {
    const layer = layerOf(file);
    if (!layer) {
      problems.push(`${file}: in no layer of the table`);
      continue;
    }
    const [own, allowed] = layer;
    const source = await Deno.readTextFile(ROOT + file);
    for (const spec of importsOf(source)) {
      if (spec.startsWith(".")) {
        const target = resolve(file, spec);
        // Data beside the code (the bundled sample, ../shared): not a layer.
        if (target === undefined || target.startsWith("data/")) continue;
        const ok = layerOf(target)?.[0] === own ||
          allowed.some((a) => a === "model/" ? target.startsWith("model/") : target.startsWith(a));
        if (!ok) problems.push(`${file}: imports ${spec} (${target}), against the layering`);
      } else {
        const pkg = spec.replace(/^npm:/, "").replace(/@[^/]*$/, "");
        const only = ENGINES[pkg];
        if (only && only !== file) problems.push(`${file}: imports ${pkg} (only ${only} may)`);
      }
    }
  }
  assertEquals(problems, []);
  if (files.length < 100) throw new Error(`only ${files.length} product files found`);
});

Deno.test("layering: the import reader sees static, dynamic and URL imports", () => {
  const src = `import { a } from "../x.ts";\nimport type { B } from './y.ts';\n` +
    `const c = await import("../../z.ts");\nimport "./side.ts";\n` +
    `const u = new URL("../data/sample", import.meta.url);`;
  assertEquals(importsOf(src), ["../x.ts", "./y.ts", "../../z.ts", "./side.ts", "../data/sample"]);
  assertEquals(resolve("train/cli/train.ts", "../../model/af2/config.ts"), "model/af2/config.ts");
  assertEquals(resolve("train/cli/parity.ts", "../../../shared/parity"), undefined);
});
