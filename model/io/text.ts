/**
 * Reading text files that may be gzip-compressed: whole or line by line.
 *
 * @module
 */

function isGzip(path: string): boolean {
  return path.endsWith(".gz");
}

/** The bytes of a file, gunzipped when its name ends in `.gz`. */
export async function readBytes(path: string): Promise<Uint8Array> {
  const raw = await Deno.readFile(path);
  if (!isGzip(path)) return raw;
  const stream = new Blob([raw]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** The text of a file, gunzipped when its name ends in `.gz`. */
export async function readText(path: string): Promise<string> {
  return new TextDecoder().decode(await readBytes(path));
}

/**
 * The lines of a (possibly gzipped) text file, streamed, without their line
 * endings. Line numbers are 1-based and count every line.
 */
export async function* readLines(path: string): AsyncGenerator<{ line: string; lineNo: number }> {
  const file = await Deno.open(path);
  const stream: ReadableStream<Uint8Array> = isGzip(path)
    ? file.readable.pipeThrough(
      new DecompressionStream("gzip") as TransformStream<Uint8Array, Uint8Array>,
    )
    : file.readable;
  const text = stream.pipeThrough(new TextDecoderStream());
  let rest = "";
  let lineNo = 0;
  for await (const chunk of text) {
    rest += chunk;
    let nl: number;
    while ((nl = rest.indexOf("\n")) >= 0) {
      const line = rest.slice(0, nl).replace(/\r$/, "");
      rest = rest.slice(nl + 1);
      yield { line, lineNo: ++lineNo };
    }
  }
  if (rest.length > 0) yield { line: rest.replace(/\r$/, ""), lineNo: ++lineNo };
}
