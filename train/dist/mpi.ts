/**
 * Data-parallel collectives: the one module of denofold that touches MPI.
 *
 * Ranks started by `mpirun -np N` (MPICH's Hydra) or by Slurm's
 * `srun --mpi=pmi2` each open an {@link MpiCommunicator}, a thin binding of
 * Debian's MPICH (`libmpich.so.12`) through `Deno.dlopen`; a process started
 * without a launcher gets a {@link LocalCommunicator} (rank 0 of 1, every
 * collective a no-op) and never loads libmpich. {@link openCommunicator}
 * picks one, so the training loop has a single code path.
 *
 * Failure policy: a rank that fails must end the whole job, never leave the
 * others waiting in a collective. Hydra (and srun with `--kill-on-bad-exit`)
 * kills the other ranks when one exits non-zero or dies by a signal; an
 * error in JS is turned into `MPI_Abort` on `COMM_WORLD` with one line on
 * stderr naming the rank ({@link runDistributed}, and the `error` /
 * `unhandledrejection` / `unload` listeners an MpiCommunicator installs).
 * A rank that ends without {@link Communicator.finalize} aborts the job too:
 * otherwise Hydra would end the job with exit code 0 as if it had succeeded.
 *
 * Handles are MPICH's plain ints (`mpi.h` of Debian's mpich 4.0:
 * `/usr/include/x86_64-linux-gnu/mpich/mpi.h`); they are not portable to
 * Open MPI, whose handles are pointers.
 *
 * @module
 */

import { exitCodeOf, RunError, ToolError } from "../../model/util/errors.ts";

/** The library opened when none is given (Debian's mpich / libmpich12). */
export const DEFAULT_MPI_LIBRARY = "libmpich.so.12";

// MPICH handle values (mpi.h): MPI_Comm, MPI_Datatype, MPI_Op and
// MPI_Errhandler are `int`; MPI_IN_PLACE is `(void *) -1`.
const MPI_SUCCESS = 0;
const MPI_COMM_WORLD = 0x44000000;
const MPI_BYTE = 0x4c00010d;
const MPI_INT = 0x4c000405;
const MPI_FLOAT = 0x4c00040a;
const MPI_DOUBLE = 0x4c00080b;
const MPI_MAX = 0x58000001;
const MPI_MIN = 0x58000002;
const MPI_SUM = 0x58000003;
const MPI_ERRORS_RETURN = 0x54000001;
const MPI_THREAD_FUNNELED = 1;
const MPI_COMM_TYPE_SHARED = 1;
const MPI_INFO_NULL = 0x1c000000;
const MPI_MAX_ERROR_STRING = 512;
const MPI_IN_PLACE = 0xffff_ffff_ffff_ffffn;

/** The largest element count one MPI call takes (`int count`). */
const MAX_COUNT = 0x7fff_ffff;
/** Elements per MPI call of a large collective (see {@link MpiOptions.chunkElements}). */
const DEFAULT_CHUNK = 1 << 21;

/** A reduction operation of {@link Communicator.allreduce}. */
export type ReduceOp = "sum" | "max" | "min";

/** The buffers collectives reduce: float32 gradients, float64 scalars, int32 flags. */
export type ReduceBuffer = Float32Array | Float64Array | Int32Array;

const OPS: Record<ReduceOp, number> = { sum: MPI_SUM, max: MPI_MAX, min: MPI_MIN };

/** How this process was started, when a launcher started it (see {@link detectLaunch}). */
export interface Launch {
  /** Who started it: Hydra's `mpirun`/`mpiexec`, or Slurm's `srun --mpi=pmi2`. */
  launcher: "mpirun" | "srun";
  /** This process's rank, as the launcher announced it (PMI_RANK). */
  rank: number;
  /** The number of ranks, as the launcher announced it (PMI_SIZE). */
  size: number;
}

function intVar(env: Record<string, string | undefined>, name: string): number | undefined {
  const v = env[name];
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
}

/**
 * Whether this process was started by an MPI launcher that Debian's MPICH
 * can join, read from the environment only (nothing is loaded).
 *
 * Hydra's `mpirun`/`mpiexec` sets PMI_RANK, PMI_SIZE and PMI_FD (or
 * PMI_PORT); Slurm's `srun --mpi=pmi2` sets the same plus PMI_JOBID.
 *
 * @returns the launch, or `undefined` for a plain process (run as one rank).
 * @throws {RunError} for a launch MPICH cannot join, which would otherwise run
 *   N independent copies of the job: Open MPI's `mpirun`, `srun --mpi=pmix`,
 *   or `srun -n N` (N > 1) without PMI.
 */
export function detectLaunch(
  env: Record<string, string | undefined> = Deno.env.toObject(),
): Launch | undefined {
  const rank = intVar(env, "PMI_RANK");
  const size = intVar(env, "PMI_SIZE");
  if (
    rank !== undefined && size !== undefined && rank < size &&
    (env.PMI_FD !== undefined || env.PMI_PORT !== undefined)
  ) {
    return { launcher: env.PMI_JOBID !== undefined ? "srun" : "mpirun", rank, size };
  }
  if (env.OMPI_COMM_WORLD_SIZE !== undefined) {
    throw new RunError(
      "started by Open MPI's mpirun, but denofold uses Debian's MPICH: " +
        "run it with mpirun.mpich (or mpiexec.hydra)",
    );
  }
  if (env.PMIX_RANK !== undefined) {
    throw new RunError(
      "started by a PMIx launcher (srun --mpi=pmix?), but Debian's MPICH speaks PMI-1/PMI-2: " +
        "use srun --mpi=pmi2",
    );
  }
  const tasks = intVar(env, "SLURM_STEP_NUM_TASKS");
  if (tasks !== undefined && tasks > 1) {
    throw new RunError(
      `srun started ${tasks} tasks without PMI, so each would train alone: use srun --mpi=pmi2`,
    );
  }
  return undefined;
}

/**
 * The collectives of data-parallel training. Every rank calls the same
 * collectives in the same order with buffers of the same length; each call
 * returns once every rank has made it.
 */
export interface Communicator {
  /** `"mpi"` for ranks of an MPI job, `"local"` for a plain process. */
  readonly kind: "mpi" | "local";
  /** This process's rank, 0 … size − 1. */
  readonly rank: number;
  /** The number of ranks. */
  readonly size: number;
  /** Whether this is rank 0, the one that writes checkpoints, logs and reports. */
  readonly isRoot: boolean;
  /** This rank among the ranks on its node (shared memory), 0 … localSize − 1. */
  readonly localRank: number;
  /**
   * The number of ranks on this node. They share its cores: give each rank's
   * onnxruntime about cores / localSize intra-op threads, since a rank
   * waiting in a collective spins on its core (MPICH polls).
   */
  readonly localSize: number;
  /**
   * Sum `buf` over all ranks, in place: the gradient path (one flat
   * Float32Array). A sum, not a mean: divide by the number of samples.
   * MPICH's algorithms give every rank the same bits (tests/train/mpi_test.ts
   * checks 2 and 3 ranks), so ranks applying the same update stay equal;
   * MPI itself does not promise it.
   */
  allreduceSum(buf: Float32Array): void;
  /** Reduce `buf` element-wise over all ranks with `op`, in place (scalars, flags). */
  allreduce(buf: ReduceBuffer, op: ReduceOp): void;
  /** Overwrite `buf` on every rank with its contents on `root` (default 0). */
  broadcast(buf: ArrayBufferView, root?: number): void;
  /** Return once every rank has called it. */
  barrier(): void;
  /**
   * End the whole job now with exit code `code`, after printing
   * `denofold: rank R of N: message` on stderr when a message is given.
   */
  abort(code: number, message?: string): never;
  /**
   * Leave MPI: every rank, once its last collective is done ({@link runDistributed}
   * does it). Idempotent. An MPI rank that ends without it aborts the job.
   */
  finalize(): void;
}

/** The communicator of a process started without a launcher: rank 0 of 1. */
export class LocalCommunicator implements Communicator {
  readonly kind = "local";
  readonly rank = 0;
  readonly size = 1;
  readonly isRoot = true;
  readonly localRank = 0;
  readonly localSize = 1;
  allreduceSum(_buf: Float32Array): void {}
  allreduce(_buf: ReduceBuffer, _op: ReduceOp): void {}
  broadcast(_buf: ArrayBufferView, root = 0): void {
    if (root !== 0) throw new RunError(`broadcast: root ${root} is not a rank of a 1-rank job`);
  }
  barrier(): void {}
  abort(code: number, message?: string): never {
    if (message !== undefined) console.error(`denofold: ${message}`);
    Deno.exit(code);
  }
  finalize(): void {}
}

const SYMBOLS = {
  MPI_Initialized: { parameters: ["buffer"], result: "i32" },
  MPI_Init_thread: { parameters: ["pointer", "pointer", "i32", "buffer"], result: "i32" },
  MPI_Comm_rank: { parameters: ["i32", "buffer"], result: "i32" },
  MPI_Comm_size: { parameters: ["i32", "buffer"], result: "i32" },
  MPI_Comm_split_type: { parameters: ["i32", "i32", "i32", "i32", "buffer"], result: "i32" },
  MPI_Comm_free: { parameters: ["buffer"], result: "i32" },
  MPI_Comm_set_errhandler: { parameters: ["i32", "i32"], result: "i32" },
  MPI_Error_string: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  MPI_Allreduce: {
    parameters: ["pointer", "buffer", "i32", "i32", "i32", "i32"],
    result: "i32",
  },
  MPI_Bcast: { parameters: ["buffer", "i32", "i32", "i32", "i32"], result: "i32" },
  MPI_Barrier: { parameters: ["i32"], result: "i32" },
  MPI_Abort: { parameters: ["i32", "i32"], result: "i32" },
  MPI_Finalize: { parameters: [], result: "i32" },
} as const satisfies Deno.ForeignLibraryInterface;

type MpiLibrary = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

/** Options of {@link MpiCommunicator.init} and {@link openCommunicator}. */
export interface MpiOptions {
  /** The MPICH library to open (default `libmpich.so.12`, or $DENOFOLD_MPI_LIBRARY). */
  library?: string;
  /**
   * Elements per MPI call of a large allreduce (default 2^21: 8 MiB of
   * float32). Measured with 2 ranks on one node: 10M floats take ~10 ms in
   * chunks of 2^19…2^22 but ~100–150 ms in one call, because MPICH's
   * temporary buffer for a call above glibc's mmap threshold (≤ 32 MiB) is
   * mapped and unmapped, page faults included, on every call.
   */
  chunkElements?: number;
  /**
   * Check before each allreduce and broadcast that every rank passed the
   * same length, op and root (one small extra allreduce); default true.
   * A mismatch is a RunError instead of a hang or corrupted sums.
   */
  checkAgreement?: boolean;
}

let opened: MpiCommunicator | undefined;

/**
 * A rank of an MPI job, bound to MPICH's `MPI_COMM_WORLD`. Open it with
 * {@link MpiCommunicator.init} (once per process); calls run on the main
 * thread (`MPI_THREAD_FUNNELED`) and block it until the collective is done.
 * Errors come back as return codes (`MPI_ERRORS_RETURN`) and are thrown as
 * {@link RunError}s naming the call and the rank.
 */
export class MpiCommunicator implements Communicator {
  readonly kind = "mpi";
  readonly rank: number;
  readonly size: number;
  readonly isRoot: boolean;
  readonly localRank: number;
  readonly localSize: number;
  readonly #mpi: MpiLibrary;
  readonly #chunk: number;
  readonly #check: boolean;
  readonly #inPlace = Deno.UnsafePointer.create(MPI_IN_PLACE);
  #finalized = false;
  readonly #onError = (e: Event) => {
    const err = (e as ErrorEvent).error ?? (e as PromiseRejectionEvent).reason;
    this.abort(exitCodeOf(err), `uncaught ${describe(err)}`);
  };
  readonly #onUnload = () => {
    if (this.#finalized) return;
    const code = Deno.exitCode !== 0 ? Deno.exitCode : 1;
    this.abort(
      code,
      `exited (code ${Deno.exitCode}) without finalize(): aborting the job so the other ranks ` +
        "do not wait for it",
    );
  };

  private constructor(
    mpi: MpiLibrary,
    [rank, size, localRank, localSize]: Int32Array,
    opts: MpiOptions,
  ) {
    this.#mpi = mpi;
    this.rank = rank;
    this.size = size;
    this.isRoot = rank === 0;
    this.localRank = localRank;
    this.localSize = localSize;
    this.#chunk = opts.chunkElements ?? DEFAULT_CHUNK;
    this.#check = opts.checkAgreement ?? true;
    globalThis.addEventListener("error", this.#onError);
    globalThis.addEventListener("unhandledrejection", this.#onError);
    globalThis.addEventListener("unload", this.#onUnload);
  }

  /**
   * Load libmpich, `MPI_Init_thread`, and set `MPI_ERRORS_RETURN` on
   * `COMM_WORLD`. When `launch` is given, its rank and size must match MPI's.
   *
   * @throws {ToolError} when libmpich cannot be loaded (install Debian's mpich).
   * @throws {RunError} when MPI fails to start, or a second init in one process.
   */
  static init(launch?: Launch, opts: MpiOptions = {}): MpiCommunicator {
    if (opened) throw new RunError("MPI is already initialized in this process");
    const chunk = opts.chunkElements ?? DEFAULT_CHUNK;
    if (!Number.isInteger(chunk) || chunk < 1 || chunk > MAX_COUNT) {
      throw new RunError(`chunkElements must be an integer in 1…${MAX_COUNT}, got ${chunk}`);
    }
    const path = opts.library ?? Deno.env.get("DENOFOLD_MPI_LIBRARY") ?? DEFAULT_MPI_LIBRARY;
    let lib: Deno.DynamicLibrary<typeof SYMBOLS>;
    try {
      lib = Deno.dlopen(path, SYMBOLS);
    } catch (e) {
      throw new ToolError(
        `started by an MPI launcher but cannot load ${path} (${dlopenReason(e)}): ` +
          "install MPICH (apt-get install mpich)",
      );
    }
    const mpi = lib.symbols;
    const flag = new Int32Array(1);
    mpi.MPI_Initialized(flag);
    if (flag[0] !== 0) throw new RunError("MPI is already initialized in this process");
    const provided = new Int32Array(1);
    const rc = mpi.MPI_Init_thread(null, null, MPI_THREAD_FUNNELED, provided);
    if (rc !== MPI_SUCCESS) throw new RunError(`MPI_Init_thread failed (error ${rc})`);
    const rank = new Int32Array(1), size = new Int32Array(1);
    const node = new Int32Array(1), localRank = new Int32Array(1), localSize = new Int32Array(1);
    const ok = (what: string, code: number) => {
      if (code !== MPI_SUCCESS) throw new RunError(`${what} failed: ${errorString(mpi, code)}`);
    };
    ok("MPI_Comm_set_errhandler", mpi.MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    ok("MPI_Comm_rank", mpi.MPI_Comm_rank(MPI_COMM_WORLD, rank));
    ok("MPI_Comm_size", mpi.MPI_Comm_size(MPI_COMM_WORLD, size));
    ok(
      "MPI_Comm_split_type",
      mpi.MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank[0], MPI_INFO_NULL, node),
    );
    ok("MPI_Comm_rank", mpi.MPI_Comm_rank(node[0], localRank));
    ok("MPI_Comm_size", mpi.MPI_Comm_size(node[0], localSize));
    ok("MPI_Comm_free", mpi.MPI_Comm_free(node));
    if (launch && (launch.rank !== rank[0] || launch.size !== size[0])) {
      mpi.MPI_Abort(MPI_COMM_WORLD, 1);
      throw new RunError(
        `${launch.launcher} announced rank ${launch.rank} of ${launch.size} but MPI says ` +
          `${rank[0]} of ${size[0]}: the launcher does not belong to ${path}`,
      );
    }
    const ids = new Int32Array([rank[0], size[0], localRank[0], localSize[0]]);
    opened = new MpiCommunicator(mpi, ids, opts);
    return opened;
  }

  allreduceSum(buf: Float32Array): void {
    this.allreduce(buf, "sum");
  }

  allreduce(buf: ReduceBuffer, op: ReduceOp): void {
    const type = buf instanceof Float32Array
      ? MPI_FLOAT
      : buf instanceof Float64Array
      ? MPI_DOUBLE
      : buf instanceof Int32Array
      ? MPI_INT
      : undefined;
    if (type === undefined) {
      throw new RunError("allreduce: buffer must be Float32/Float64/Int32Array");
    }
    const mop = OPS[op];
    if (mop === undefined) throw new RunError(`allreduce: unknown op "${op}"`);
    this.#agree("allreduce", buf.length, mop);
    for (let at = 0; at < buf.length; at += this.#chunk) {
      const part = buf.subarray(at, Math.min(buf.length, at + this.#chunk));
      this.#ok(
        "MPI_Allreduce",
        this.#mpi.MPI_Allreduce(this.#inPlace, part, part.length, type, mop, MPI_COMM_WORLD),
      );
    }
  }

  broadcast(buf: ArrayBufferView, root = 0): void {
    if (!Number.isInteger(root) || root < 0 || root >= this.size) {
      throw new RunError(`broadcast: root ${root} is not a rank of a ${this.size}-rank job`);
    }
    this.#agree("broadcast", buf.byteLength, root);
    const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    const chunk = this.#chunk * 4;
    for (let at = 0; at < bytes.length; at += chunk) {
      const part = bytes.subarray(at, Math.min(bytes.length, at + chunk));
      this.#ok("MPI_Bcast", this.#mpi.MPI_Bcast(part, part.length, MPI_BYTE, root, MPI_COMM_WORLD));
    }
  }

  barrier(): void {
    this.#ok("MPI_Barrier", this.#mpi.MPI_Barrier(MPI_COMM_WORLD));
  }

  abort(code: number, message?: string): never {
    if (message !== undefined) {
      console.error(`denofold: rank ${this.rank} of ${this.size}: ${message}`);
      drainStderr();
    }
    this.#finalized = true;
    this.#mpi.MPI_Abort(MPI_COMM_WORLD, code);
    Deno.exit(code); // MPI_Abort does not return; this is the fallback if it does.
  }

  finalize(): void {
    if (this.#finalized) return;
    this.#finalized = true;
    globalThis.removeEventListener("error", this.#onError);
    globalThis.removeEventListener("unhandledrejection", this.#onError);
    globalThis.removeEventListener("unload", this.#onUnload);
    this.#ok("MPI_Finalize", this.#mpi.MPI_Finalize());
  }

  /** Throw unless every rank passed the same `length` and `tag` (op or root). */
  #agree(what: string, length: number, tag: number): void {
    if (!this.#check) return;
    const v = new Float64Array([length, -length, tag, -tag]);
    this.#ok(
      "MPI_Allreduce",
      this.#mpi.MPI_Allreduce(this.#inPlace, v, 4, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD),
    );
    if (v[0] !== -v[1]) {
      throw new RunError(
        `${what}: ranks passed different lengths (${-v[1]} … ${v[0]}; ${length} here): ` +
          "every rank must call the same collectives with the same buffer sizes",
      );
    }
    if (v[2] !== -v[3]) {
      throw new RunError(`${what}: ranks passed different ops or roots`);
    }
  }

  #ok(what: string, code: number): void {
    if (code !== MPI_SUCCESS) {
      throw new RunError(`${what} failed on rank ${this.rank}: ${errorString(this.#mpi, code)}`);
    }
  }
}

/**
 * Wait (up to 2 s) until the launcher has read what this rank wrote to
 * stderr. MPI_Abort makes Hydra kill every process at once, and output
 * still in the pipe to Hydra's proxy is lost with it: without this wait the
 * line naming the failed rank went missing in about 1 run in 15.
 */
function drainStderr(): void {
  const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  try {
    if (!Deno.readLinkSync("/proc/self/fd/2").startsWith("pipe:")) return;
    const libc = Deno.dlopen("libc.so.6", {
      ioctl: { parameters: ["i32", "u64", "buffer"], result: "i32" },
    });
    const FIONREAD = 0x541bn, unread = new Int32Array(1);
    for (let waited = 0; waited < 2000; waited += 5) {
      if (libc.symbols.ioctl(2, FIONREAD, unread) !== 0 || unread[0] === 0) break;
      sleep(5);
    }
    libc.close();
  } catch {
    try {
      sleep(200);
    } catch { /* never keep a failing rank from aborting */ }
  }
}

function errorString(mpi: MpiLibrary, code: number): string {
  const text = new Uint8Array(MPI_MAX_ERROR_STRING);
  const len = new Int32Array(1);
  if (mpi.MPI_Error_string(code, text, len) !== MPI_SUCCESS) return `MPI error ${code}`;
  return new TextDecoder().decode(text.subarray(0, len[0])).trim() || `MPI error ${code}`;
}

/** The loader's reason, without Deno's repeated "Could not open library:" prefixes. */
function dlopenReason(e: unknown): string {
  return firstLine(e).split(": ").slice(-2).join(": ");
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split("\n")[0];
}

/** `Name: message` of an error, on one line. */
function describe(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${firstLine(e)}` : firstLine(e);
}

/**
 * The communicator of this process: an {@link MpiCommunicator} when a
 * launcher started it ({@link detectLaunch}), else a {@link LocalCommunicator}
 * (libmpich is then not loaded).
 */
export function openCommunicator(
  opts: MpiOptions & { env?: Record<string, string | undefined> } = {},
): Communicator {
  const launch = detectLaunch(opts.env);
  return launch ? MpiCommunicator.init(launch, opts) : new LocalCommunicator();
}

/**
 * Run `fn` on every rank and leave MPI cleanly: the one entry point of a
 * distributed command. Opens the communicator ({@link openCommunicator}),
 * awaits `fn(comm)`, then finalizes. An error in `fn` on any rank aborts the
 * whole job with `denofold: rank R of N: Name: message` on stderr and exit
 * code 2 for an InputError (bad input), else 1. Without a launcher the error is
 * rethrown, so a plain process fails exactly as it did without MPI.
 *
 * @throws {ToolError} when a launcher is detected but libmpich cannot be loaded.
 */
export async function runDistributed<T>(
  fn: (comm: Communicator) => T | Promise<T>,
  opts: MpiOptions & { env?: Record<string, string | undefined> } = {},
): Promise<T> {
  const comm = openCommunicator(opts);
  try {
    const result = await fn(comm);
    comm.finalize();
    return result;
  } catch (e) {
    if (comm.kind === "local") throw e;
    return comm.abort(exitCodeOf(e), describe(e));
  }
}
