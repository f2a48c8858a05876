import { writeFileAtomic, writeFileAtomicWith } from "../../model/io/atomic.ts";
import { writeSafetensors } from "../../model/io/safetensors.ts";
import { assert, assertEquals, assertRejects } from "../assert.ts";

async function listDir(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) names.push(e.name);
  return names.sort();
}

Deno.test("writeFileAtomic creates, then replaces, leaving no temporary files", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await writeFileAtomic(`${dir}/f.bin`, new Uint8Array([1, 2, 3]));
    assertEquals(await Deno.readFile(`${dir}/f.bin`), new Uint8Array([1, 2, 3]));
    const big = new Uint8Array(3_000_000).map((_, i) => i & 255);
    await writeFileAtomic(`${dir}/f.bin`, big);
    assertEquals((await Deno.readFile(`${dir}/f.bin`)).length, big.length);
    assertEquals(await listDir(dir), ["f.bin"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a write that fails midway keeps the old file and removes the temporary", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await writeFileAtomic(`${dir}/ckpt`, new TextEncoder().encode("old checkpoint"));
    await assertRejects(
      () =>
        writeFileAtomicWith(`${dir}/ckpt`, async (f) => {
          await f.write(new TextEncoder().encode("half of the new"));
          throw new Error("disk full (simulated)");
        }),
      Error,
      "disk full",
    );
    assertEquals(await Deno.readTextFile(`${dir}/ckpt`), "old checkpoint");
    assertEquals(await listDir(dir), ["ckpt"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a rename that fails (target is a directory) cleans up; a missing dir is an error", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/target`);
    await Deno.writeTextFile(`${dir}/target/keep`, "x");
    await assertRejects(() => writeFileAtomic(`${dir}/target`, new Uint8Array([9])));
    assertEquals(await listDir(dir), ["target"]);
    assertEquals(await Deno.readTextFile(`${dir}/target/keep`), "x");
    const e = await assertRejects(() =>
      writeSafetensors(`${dir}/nope/x.safetensors`, {
        a: { dtype: "uint8", shape: [1], data: new Uint8Array([1]) },
      })
    );
    assert(e instanceof Deno.errors.NotFound, String(e));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
