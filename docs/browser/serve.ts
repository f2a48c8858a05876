/**
 * Serves `docs/browser/` for a local browser: the page at `/`, onnxruntime-web's
 * dist files from node_modules (`deno install` fetched them) at `/ort/`, and an
 * export's directory at `/model/`. Nothing of onnxruntime-web is copied into
 * the repository.
 *
 * `deno run -A docs/browser/serve.ts DIR [PORT]`, then open
 * `http://localhost:PORT/?model=model/NAME` (NAME: the export's file name
 * without `.onnx`; default `model`).
 *
 * @module
 */

import { dirname, extname, join, normalize } from "node:path";
import { fileURLToPath as fromFileUrl } from "node:url";
import { createRequire } from "node:module";

const PAGE_DIR = fromFileUrl(new URL(".", import.meta.url));

/** The directory of onnxruntime-web's dist files in node_modules. */
export function ortDistDir(): string {
  const url = import.meta.resolve("onnxruntime-web");
  const main = url.startsWith("file:")
    ? fromFileUrl(url)
    : createRequire(import.meta.url).resolve("onnxruntime-web");
  return dirname(main);
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".mjs": "text/javascript",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".onnx": "application/octet-stream",
};

/** A request handler serving the page, `/ort/` and `/model/` (from `modelDir`). */
export function browserHandler(modelDir: string): (req: Request) => Promise<Response> {
  const roots: [string, string][] = [["/ort/", ortDistDir()], ["/model/", modelDir], [
    "/",
    PAGE_DIR,
  ]];
  return async (req) => {
    const path = decodeURIComponent(new URL(req.url).pathname);
    const [prefix, root] = roots.find(([p]) => path.startsWith(p))!;
    const rel = path.slice(prefix.length) || "index.html";
    const file = normalize(join(root, rel));
    // Only files under the root (no "..").
    if (!file.startsWith(normalize(root))) return new Response("forbidden", { status: 403 });
    try {
      const body = await Deno.readFile(file);
      const type = TYPES[extname(file)] ?? "application/octet-stream";
      return new Response(body, { headers: { "content-type": type } });
    } catch {
      return new Response("not found", { status: 404 });
    }
  };
}

if (import.meta.main) {
  const [dir, port] = Deno.args;
  if (!dir) {
    console.error("usage: deno run -A docs/browser/serve.ts EXPORT_DIR [PORT]");
    Deno.exit(2);
  }
  Deno.serve({ port: Number(port ?? 8000) }, browserHandler(dir));
}
