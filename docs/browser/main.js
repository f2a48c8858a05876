// Runs one exported denofold model in the browser with onnxruntime-web (wasm).
// The page reads three files written by `deno task export --example`: the ONNX
// model, its contract (input/output names, shapes, the recycling map) and the
// example's feeds per iteration, and runs the recycling loop itself, as
// docs/export.md describes. Query parameters: `ort` (the directory of
// onnxruntime-web's dist files, default "ort/") and `model` (the export's path
// without ".onnx", default "model/model").

const query = new URLSearchParams(location.search);
const ortDir = new URL(query.get("ort") ?? "ort/", location.href).href;
const base = query.get("model") ?? "model/model";
const status = document.getElementById("status");

/** A feed of the example file: dtype, shape and little-endian bytes in base64. */
function decode(entry) {
  const bin = atob(entry.base64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return entry.dtype === "int32" ? new Int32Array(bytes.buffer) : new Float32Array(bytes.buffer);
}

async function fetchOk(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return r;
}

async function main() {
  const ort = await import(`${ortDir}ort.wasm.min.mjs`);
  ort.env.wasm.wasmPaths = ortDir;
  // One thread: threads need a cross-origin-isolated page (SharedArrayBuffer).
  ort.env.wasm.numThreads = 1;
  const [model, contract, example] = await Promise.all([
    fetchOk(`${base}.onnx`).then((r) => r.arrayBuffer()),
    fetchOk(`${base}.contract.json`).then((r) => r.json()),
    fetchOk(`${base}.example.json`).then((r) => r.json()),
  ]);
  status.textContent = "compiling…";
  const t0 = performance.now();
  const session = await ort.InferenceSession.create(new Uint8Array(model), {
    executionProviders: ["wasm"],
  });
  // Algorithm 2: zeros before the first iteration, then each iteration's next/* outputs.
  let prev = {};
  for (const s of contract.inputs) {
    if (s.name.startsWith("prev_")) {
      prev[s.name] = new Float32Array(s.shape.reduce((a, b) => a * b, 1));
    }
  }
  let out;
  for (const [i, feedsOfIteration] of example.iterations.entries()) {
    status.textContent = `iteration ${i + 1} of ${example.iterations.length}…`;
    const feeds = {};
    for (const s of contract.inputs) {
      const data = s.name in prev ? prev[s.name] : decode(feedsOfIteration[s.name]);
      feeds[s.name] = new ort.Tensor(s.dtype, data, s.shape);
    }
    out = await session.run(feeds);
    prev = {};
    for (const [from, to] of Object.entries(contract.recycle)) prev[to] = out[from].data;
  }
  const ms = performance.now() - t0;
  const plddt = Array.from(out.plddt.data);
  const mean = plddt.reduce((a, b) => a + b, 0) / plddt.length;
  const result = {
    residues: contract.dims.nRes,
    iterations: example.iterations.length,
    mean_plddt: mean,
    ptm: out.ptm_score ? out.ptm_score.data[0] : null,
    plddt,
    final_atom_positions: Array.from(out.final_atom_positions.data),
  };
  const rows = [
    ["sequence", example.sequence],
    ["residues", contract.dims.nRes],
    ["recycling iterations", example.iterations.length],
    ["mean pLDDT", mean.toFixed(2)],
    ["pTM", result.ptm === null ? "no TM head" : result.ptm.toFixed(3)],
    ["time (compile + run)", `${ms.toFixed(0)} ms`],
  ];
  document.getElementById("summary").innerHTML = rows
    .map(([k, v]) => `<tr><th>${k}</th><td>${String(v).replace(/[<&]/g, "")}</td></tr>`).join("");
  document.getElementById("result").textContent = JSON.stringify(result);
  status.textContent = "done";
  document.body.dataset.status = "done";
}

main().catch((e) => {
  status.textContent = `error: ${e.message ?? e}`;
  document.body.dataset.status = "error";
});
