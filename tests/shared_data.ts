/** Where the shared real-data folder is (CI always has it beside the clone). */
export const SHARED_DATA: string = Deno.env.get("DENOFOLD_SHARED_DATA") ??
  new URL("../../shared/data", import.meta.url).pathname;

/** Where OpenFold's parity fixtures are. */
export const SHARED_PARITY: string = Deno.env.get("DENOFOLD_SHARED_PARITY") ??
  new URL("../../shared/parity", import.meta.url).pathname;
