/**
 * The only module that touches onnxruntime: compiles a graph to a session
 * (cached by a hash of its ONNX bytes), picks the execution provider and runs
 * it with named feeds.
 *
 * @module
 */

import * as ort from "onnxruntime-node";
import { createHash } from "node:crypto";
import { cpus } from "node:os";
import { type DType, Graph, GraphError, sizeOf, type Tensor, type TypedArray } from "./tensor.ts";
import { add } from "./build.ts";
import { InputError } from "../util/errors.ts";
import { liveTensors, toOnnx } from "./onnx.ts";
import { optimize } from "./optimize.ts";

/** Where a session runs. */
export type Device = "cpu" | "cuda";

/** Options for {@link compile}. */
export interface CompileOptions {
  /** Execution provider (default "cpu"). */
  device?: Device;
  /** Intra-op threads (default: the number of cores). */
  threads?: number;
  /** Write onnxruntime's JSON profile with this file prefix. */
  profilePrefix?: string;
  /** Graph inputs baked in as initializers. */
  initializers?: ReadonlyMap<string, TypedArray>;
  /** Graph inputs computed from other tensors instead of fed (see `toOnnx`). */
  substitute?: ReadonlyMap<Tensor, Tensor>;
  /** Run our graph optimisation pass (`optimize.ts`) before serialising (default true). */
  optimize?: boolean;
  /**
   * Keep onnxruntime-optimised models in this directory, keyed by the graph's
   * hash, and load them instead of optimising again (CPU only).
   */
  cacheDir?: string;
  /**
   * onnxruntime's graph optimisation level (default "disabled": our own pass
   * already removes duplicates and identities, and onnxruntime's fusions
   * changed neither the Evoformer block's nor the bench-tiny step's CPU time
   * measurably, while its optimisers made session creation of the af2
   * training graph 3-4x slower and superlinear in the node count).
   */
  optimizationLevel?: OptimizationLevel;
  /**
   * onnxruntime's CPU memory arena (default true). The arena keeps freed blocks
   * and grows in power-of-two regions, so with a few huge intermediates (long
   * proteins) it can hold far more than the live tensors; false gives every
   * tensor back to the system allocator when it dies.
   */
  memArena?: boolean;
}

/** onnxruntime graph optimisation levels. */
export type OptimizationLevel = "disabled" | "basic" | "extended" | "all";

/** An array with its shape, as feeds take and runs return. */
export interface NdArray {
  /** Flat data in row-major order. */
  data: TypedArray;
  /** Static shape. */
  shape: number[];
}

/**
 * CUDA was asked for but onnxruntime-node's CUDA provider (or a GPU) is not
 * there. An {@link InputError}: run with `--device cpu`, or install the
 * provider; never a silent fallback to the CPU.
 */
export class CudaUnavailableError extends InputError {
  /** `detail`: what onnxruntime said when the CUDA provider was asked for. */
  constructor(detail: string) {
    super(
      `--device cuda: onnxruntime's CUDA execution provider is not available (${detail}); ` +
        "use --device cpu, or on a machine with an NVIDIA GPU, CUDA 12 and cuDNN 9 install " +
        "onnxruntime-node's CUDA binaries (ONNXRUNTIME_NODE_INSTALL=cuda12, README: CUDA)",
    );
  }
}

/**
 * Fail at once, with one line, when `device` cannot run sessions here
 * (onnxruntime's own error log silenced): a tiny session is created on it.
 */
export async function requireDevice(device: Device): Promise<void> {
  if (device === "cpu") return;
  const bytes = toOnnx({ y: probeGraph() });
  try {
    const s = await ort.InferenceSession.create(bytes, {
      executionProviders: [device],
      logSeverityLevel: 4,
    });
    await s.release();
  } catch (e) {
    throw new CudaUnavailableError(firstLine((e as Error).message));
  }
}

/** y = x + x: the smallest graph a device can be probed with. */
function probeGraph(): Tensor {
  const g = new Graph();
  const x = g.input("x", [1]);
  return add(x, x);
}

function firstLine(s: string): string {
  return s.split("\n")[0].slice(0, 200);
}

// onnxruntime's own log goes to stderr unformatted; its errors reach us as
// exceptions, which the commands report in one line.
ort.env.logLevel = "fatal";

const ORT_TYPE: Record<DType, ort.Tensor.Type> = {
  float32: "float32",
  float64: "float64",
  int32: "int32",
  int64: "int64",
  bool: "bool",
};

/**
 * Sessions by graph hash and options, shared by every {@link Compiled} of the
 * same graph and counted, so releasing one does not dispose another's.
 */
const sessions = new Map<string, { session: Promise<ort.InferenceSession>; users: number }>();

function sessionOptions(device: Device, opts: CompileOptions): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: [device],
    intraOpNumThreads: opts.threads ?? cpus().length,
    interOpNumThreads: 1,
    enableCpuMemArena: opts.memArena ?? true,
    enableMemPattern: false,
    graphOptimizationLevel: opts.optimizationLevel ?? "disabled",
    ...(opts.profilePrefix ? { enableProfiling: true, profileFilePrefix: opts.profilePrefix } : {}),
  };
}

/**
 * The session for `bytes`. With a cache directory (CPU only), the model as
 * optimised by onnxruntime is saved under the hash of the graph on first use
 * and loaded with optimisation disabled afterwards, skipping the optimiser.
 */
async function createSession(
  bytes: Uint8Array,
  opts: CompileOptions,
): Promise<{ session: ort.InferenceSession; key: string; cached: boolean }> {
  const device = opts.device ?? "cpu";
  const hash = createHash("sha256").update(bytes).digest("hex");
  const level = opts.optimizationLevel ?? "disabled";
  const key = hash +
    `|${device}|${opts.threads ?? ""}|${opts.profilePrefix ?? ""}|${level}|${
      opts.memArena ?? true
    }`;
  const cacheFile = opts.cacheDir && device === "cpu" && level !== "disabled"
    ? `${opts.cacheDir}/${hash.slice(0, 32)}.${level}.onnx`
    : undefined;
  let cached = false;
  let s = sessions.get(key)?.session;
  if (!s) {
    let create = () => ort.InferenceSession.create(bytes, sessionOptions(device, opts));
    if (cacheFile) {
      cached = await Deno.stat(cacheFile).then(() => true, () => false);
      if (cached) {
        create = () =>
          ort.InferenceSession.create(
            cacheFile,
            sessionOptions(device, { ...opts, optimizationLevel: "disabled" }),
          );
      } else {
        await Deno.mkdir(opts.cacheDir!, { recursive: true });
        const tmp = `${cacheFile}.${Deno.pid}.tmp`;
        create = async () => {
          const session = await ort.InferenceSession.create(bytes, {
            ...sessionOptions(device, opts),
            optimizedModelFilePath: tmp,
          });
          await Deno.rename(tmp, cacheFile);
          return session;
        };
      }
    }
    s = create().catch((e) => {
      sessions.delete(key);
      if (device !== "cuda") throw e;
      throw new CudaUnavailableError(firstLine(String((e as Error).message)));
    });
    sessions.set(key, { session: s, users: 0 });
  }
  const session = await s;
  const entry = sessions.get(key) ?? { session: s, users: 0 };
  sessions.set(key, entry);
  entry.users++;
  return { session, key, cached };
}

/** Where the time of {@link compile} went (milliseconds). */
export interface CompileStats {
  /** Our graph optimisation pass. */
  optimizeMs: number;
  /** Serialising the graph to ONNX bytes. */
  onnxMs: number;
  /** onnxruntime session creation (parse, optimise, plan). */
  sessionMs: number;
  /** Whether the optimised model came from the cache directory. */
  cached: boolean;
  /** Size of the ONNX model. */
  bytes: number;
  /** Op nodes before our optimisation pass. */
  nodesBefore: number;
  /** Op nodes serialised. */
  nodes: number;
}

/** Where the time of the last {@link Compiled.run} went (milliseconds). */
export interface RunStats {
  /** Checking and wrapping the feeds. */
  feedMs: number;
  /** Inside onnxruntime's `run`. */
  ortMs: number;
  /** Copying the outputs back into JS arrays. */
  fetchMs: number;
}

/** A compiled graph: run it with feeds for its inputs. */
export class Compiled {
  /** The graph inputs the session expects (name → tensor). */
  readonly inputs: ReadonlyMap<string, Tensor>;
  /** The ONNX model bytes. */
  readonly onnx: Uint8Array;
  /** Where the compile time went. */
  readonly stats: CompileStats;
  /** Where the time of the last run went. */
  lastRun: RunStats = { feedMs: 0, ortMs: 0, fetchMs: 0 };
  readonly #session: ort.InferenceSession;
  readonly #key: string;
  readonly #outputs: Readonly<Record<string, Tensor>>;

  /** A compiled graph around its session; made by {@link compile}, not by callers. */
  constructor(
    session: ort.InferenceSession,
    key: string,
    onnx: Uint8Array,
    inputs: Map<string, Tensor>,
    outputs: Readonly<Record<string, Tensor>>,
    stats: CompileStats,
  ) {
    this.#session = session;
    this.#key = key;
    this.onnx = onnx;
    this.inputs = inputs;
    this.#outputs = outputs;
    this.stats = stats;
  }

  /** Run once. Every input needs a feed of its dtype and size. */
  async run(feeds: Readonly<Record<string, TypedArray>>): Promise<Record<string, NdArray>> {
    const t0 = performance.now();
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const [name, t] of this.inputs) {
      const data = feeds[name];
      if (!data) throw new GraphError("run", `missing feed "${name}" (${t.dtype}[${t.shape}])`);
      if (data.length !== sizeOf(t.shape)) {
        throw new GraphError("run", `feed "${name}" has ${data.length} values, want [${t.shape}]`);
      }
      const ty = ORT_TYPE[t.dtype];
      ortFeeds[name] = new ort.Tensor(ty, data as never, [...t.shape]);
    }
    const t1 = performance.now();
    const res = await this.#session.run(ortFeeds);
    const t2 = performance.now();
    const out: Record<string, NdArray> = {};
    for (const name of Object.keys(this.#outputs)) {
      const r = res[name];
      const data = r.type === "bool" ? Uint8Array.from(r.data as ArrayLike<number>) : r.data;
      out[name] = { data: data as TypedArray, shape: [...r.dims] };
      r.dispose?.();
    }
    this.lastRun = { feedMs: t1 - t0, ortMs: t2 - t1, fetchMs: performance.now() - t2 };
    return out;
  }

  /** Release the session once no other compiled copy of the same graph uses it. */
  async release(): Promise<void> {
    const entry = sessions.get(this.#key);
    if (entry && --entry.users > 0) return;
    sessions.delete(this.#key);
    await this.#session.release();
  }
}

/** Compile the part of a graph that computes `outputs` (name → tensor). */
export async function compile(
  outputs: Readonly<Record<string, Tensor>>,
  opts: CompileOptions = {},
): Promise<Compiled> {
  const t0 = performance.now();
  let outs = outputs, substitute = opts.substitute;
  let nodesBefore: number | undefined;
  if (opts.optimize !== false) {
    const o = optimize(outputs, substitute);
    outs = o.outputs;
    substitute = undefined;
    nodesBefore = o.nodesBefore;
  }
  const t1 = performance.now();
  const bytes = toOnnx(outs, { initializers: opts.initializers, substitute });
  const t2 = performance.now();
  const { session, key, cached } = await createSession(bytes, opts);
  const t3 = performance.now();
  const inputs = new Map<string, Tensor>();
  let nodes = 0;
  for (const t of liveTensors(Object.values(outs), substitute)) {
    if (t.op === "Input" && !opts.initializers?.has(t.name!)) inputs.set(t.name!, t);
    else if (t.op !== "Input" && t.op !== "Constant") nodes++;
  }
  const stats = {
    optimizeMs: t1 - t0,
    onnxMs: t2 - t1,
    sessionMs: t3 - t2,
    cached,
    bytes: bytes.length,
    nodesBefore: nodesBefore ?? nodes,
    nodes,
  };
  return new Compiled(session, key, bytes, inputs, outs, stats);
}
