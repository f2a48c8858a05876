/**
 * The command-line kit (train/cli/kit.ts) in process: parsing and its error
 * lines, the usage text, exit codes, file checks; and that every command's
 * declared flags and its zod schema name the same options (a flag missing
 * from the schema would be silently dropped by zod).
 */
import { z } from "zod";
import { assert, assertEquals, assertRejects, assertThrows } from "../assert.ts";
import {
  camelCase,
  checkQuery,
  cliMain,
  type CliSpec,
  HELP,
  inputPath,
  intFlag,
  parseCli,
  readJsonFile,
  textFlag,
  unreadable,
  usageText,
} from "../../train/cli/kit.ts";
import { InputError, ParseError, RunError, UsageError } from "../../model/util/errors.ts";
import { TRAIN_CLI } from "../../train/cli/train.ts";
import { PREDICT_CLI } from "../../train/cli/predict.ts";
import { EXPORT_CLI } from "../../train/cli/export.ts";
import { ANALYZE_CLI } from "../../train/cli/analyze.ts";
import { DYNAMICS_CLI } from "../../train/cli/dynamics.ts";
import { MSA_CLI } from "../../train/cli/msa.ts";
import { PARITY_CLI } from "../../train/cli/parity.ts";
import { NOTEBOOKS_CLI } from "../../notebooks/run.ts";
import { FIGURES_PNG_CLI } from "../../notebooks/figures_png.ts";
import { BENCH_CLI } from "../../bench/run.ts";
import { README_TABLE_CLI } from "../../bench/readme_table.ts";

const DEMO = {
  name: "demo",
  synopsis: ["deno task demo --in FILE [--max-hits N] [NAME ...]"],
  about: "A command for the tests.",
  flags: {
    in: { value: "FILE", help: "the input" },
    "max-hits": { value: "N", help: "at most N hits" },
    tag: { value: "T", multiple: true, help: "a tag" },
    dry: { help: "do nothing" },
    mode: { value: "M", help: "fast or slow" },
  },
  positionals: true,
  schema: z.object({
    args: z.array(z.string()).max(2, "at most two NAMEs"),
    in: textFlag(),
    maxHits: intFlag({ min: 1, max: 100 }).default(10),
    tag: z.array(textFlag()).default([]),
    dry: z.boolean().default(false),
    mode: z.enum(["fast", "slow"], { error: "must be fast or slow" }).optional(),
  }).refine((a) => !(a.dry && a.tag.length), { message: "--dry takes no --tag" }),
  failure: "the demo broke",
} satisfies CliSpec;

Deno.test("parseCli: kebab flags arrive camelCase, validated, with defaults; --help wins", () => {
  assertEquals(parseCli(DEMO, ["--in", "a", "--max-hits", "7", "--tag", "x", "--tag", "y", "n"]), {
    args: ["n"],
    in: "a",
    maxHits: 7,
    tag: ["x", "y"],
    dry: false,
  });
  assertEquals(parseCli(DEMO, ["--help"]), HELP);
  assertEquals(parseCli(DEMO, ["-h", "--max-hits", "0"]), HELP);
  assertEquals(camelCase("jackhmmer-binary"), "jackhmmerBinary");
});

Deno.test("parseCli: each problem is one UsageError line naming the flag", () => {
  const cases: [string[], string][] = [
    [["--bogus"], "Unknown option '--bogus'"],
    [["--in"], "Option '--in <value>' argument missing"],
    [["--dry=yes", "--in", "a"], "Option '--dry' does not take an argument"],
    [["--max-hits", "-3", "--in", "a"], "Option '--max-hits' argument is ambiguous."],
    [[], "--in is required"],
    [["--in", ""], "--in: must not be empty"],
    [["--in", "a", "--max-hits", "x"], '--max-hits: must be an integer, got "x"'],
    [["--in", "a", "--max-hits", "0"], '--max-hits: must be at least 1, got "0"'],
    [["--in", "a", "--max-hits", "101"], '--max-hits: must be at most 100, got "101"'],
    [["--in", "a", "--tag", "ok", "--tag", ""], "--tag: must not be empty"],
    [["--in", "a", "--mode", "warp"], '--mode: must be fast or slow, got "warp"'],
    [["--in", "a", "x", "y", "z"], "at most two NAMEs"],
    [["--in", "a", "--dry", "--tag", "t"], "--dry takes no --tag"],
  ];
  for (const [argv, want] of cases) {
    const e = assertThrows(() => parseCli(DEMO, argv), UsageError);
    assert(e.message.startsWith(want), `${argv.join(" ")}: ${e.message}`);
    assert(!e.message.includes("\n"), e.message);
  }
  // Without positionals, one is refused; Node's long advice is cut to its first sentence.
  const { positionals: _, ...noArgs } = DEMO;
  const e = assertThrows(() => parseCli(noArgs, ["--in", "a", "stray"]), UsageError);
  assertEquals(
    e.message,
    "Unexpected argument 'stray'. This command does not take positional arguments",
  );
});

Deno.test("inputPath and unreadable: missing, wrong kind and unreadable paths, named", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/f.txt`, "x");
    assertEquals(unreadable(`${dir}/f.txt`, "file"), undefined);
    assertEquals(unreadable(dir, "directory"), undefined);
    assertEquals(unreadable(dir, "file or directory"), undefined);
    assertEquals(unreadable(`${dir}/no`, "file"), `no such file ${dir}/no`);
    assertEquals(unreadable(`${dir}/no`, "directory"), `no such directory ${dir}/no`);
    assertEquals(unreadable(dir, "file"), `${dir} is a directory, not a file`);
    assertEquals(unreadable(`${dir}/f.txt`, "directory"), `${dir}/f.txt is not a directory`);
    const spec = { ...DEMO, schema: z.object({ in: inputPath("file") }) };
    assertThrows(
      () => parseCli(spec, ["--in", `${dir}/no`]),
      UsageError,
      `--in: no such file ${dir}/no`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("checkQuery: letters other than the 20 amino acids and X, and lengths above the maximum", () => {
  checkQuery("ACDEFGHIKLMNPQRSTVWYXacdx", { file: "q.fa", line: 1 }, 25);
  assertThrows(
    () => checkQuery("MKVBA", { file: "q.fa", line: 4 }, 10, "q1: "),
    ParseError,
    "q.fa:4: q1: 'B' at residue 4 is not an amino acid",
  );
  assertThrows(
    () => checkQuery("MKV", { file: "q.fa", line: 1 }, 2),
    ParseError,
    "q.fa:1: 3 residues is above the maximum 2",
  );
});

Deno.test("readJsonFile: a missing file is an InputError, bad JSON a ParseError with its line", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/ok.json`, '{"a": 1}');
    await Deno.writeTextFile(`${dir}/bad.json`, '{\n  "a": 1,\n  b\n}');
    assertEquals(await readJsonFile(`${dir}/ok.json`), { a: 1 });
    await assertRejects(
      () => readJsonFile(`${dir}/no.json`, "--config"),
      InputError,
      `--config: no such file ${dir}/no.json`,
    );
    const e = await assertRejects(() => readJsonFile(`${dir}/bad.json`), ParseError);
    assertEquals([e.file, e.line], [`${dir}/bad.json`, 3]);
    assert(e.message.startsWith(`${dir}/bad.json:3: not JSON: `), e.message);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("usageText: synopsis, every flag with its value and line, --help/--debug, exit codes", () => {
  const text = usageText(DEMO);
  assert(text.startsWith("usage: deno task demo --in FILE"), text);
  for (
    const line of [
      "      --in FILE     the input",
      "      --max-hits N  at most N hits",
      "      --tag T ...   a tag",
      "      --dry         do nothing",
      "  -h, --help        print this help and exit",
      "  0  success",
      "  1  the run failed: the demo broke",
      "  2  unusable input: arguments, missing, unreadable or malformed files, bad sequences",
    ]
  ) {
    assert(
      text.includes(`\n${line}\n`) || text.endsWith(`\n${line}`),
      `missing "${line}":\n${text}`,
    );
  }
  assert(/\n {6}--debug {7}on failure/.test(text), text);
});

/** Run `cliMain` with console output captured. */
async function captured(main: () => void | Promise<void>, argv: string[]) {
  const out: string[] = [], err: string[] = [];
  const { log, error } = console;
  console.log = (...a: unknown[]) => out.push(a.map(String).join(" "));
  console.error = (...a: unknown[]) =>
    err.push(a.map((x) => (x instanceof Error ? x.stack : String(x))).join(" "));
  try {
    const code = await cliMain(DEMO, main, ["--in", "a", ...argv]);
    return { code, out: out.join("\n"), err: err.join("\n") };
  } finally {
    console.log = log;
    console.error = error;
  }
}

Deno.test("cliMain: 0 on success, 2 for unusable input, 1 for a failed run; one line, --debug adds the stack", async () => {
  assertEquals(await captured(() => {}, []), { code: 0, out: "", err: "" });
  const help = await captured(() => {}, ["--help"]);
  assertEquals([help.code, help.out, help.err], [0, usageText(DEMO), ""]);
  const cases: [() => never, string[], number, string][] = [
    [
      () => {
        throw new Error("unreached");
      },
      ["--bogus"],
      2,
      "demo: Unknown option '--bogus'",
    ],
    [
      () => {
        throw new ParseError({ file: "q.fa", line: 3 }, "bad");
      },
      [],
      2,
      "demo: q.fa:3: bad",
    ],
    [
      () => {
        throw new InputError("no sequence");
      },
      [],
      2,
      "demo: no sequence",
    ],
    [
      () => {
        throw new RunError("disk full\nmore detail");
      },
      [],
      1,
      "demo: disk full",
    ],
    [
      () => {
        throw new TypeError("a bug");
      },
      [],
      1,
      "demo: a bug",
    ],
    [
      () => {
        throw "a string";
      },
      [],
      1,
      "demo: a string",
    ],
  ];
  for (const [main, argv, code, line] of cases) {
    const r = await captured(main, argv);
    assertEquals([r.code, r.err, r.out], [code, line, ""], line);
    const debug = await captured(main, [...argv, "--debug"]);
    assertEquals(debug.code, code);
    assert(debug.err.startsWith(`${line}\n`), debug.err);
    if (line !== "demo: a string") assert(/\n\s+at /.test(debug.err), `no stack: ${debug.err}`);
  }
});

/** The option names a schema reads: the keys of its object, under refinements and transforms. */
function schemaKeys(s: z.ZodType): string[] {
  if (s instanceof z.ZodObject) return Object.keys(s.shape);
  if (s instanceof z.ZodPipe) return schemaKeys(s.in as z.ZodType);
  throw new Error(`cannot read the keys of a ${s.constructor.name}`);
}

Deno.test("every command: its flags and its schema name the same options", () => {
  const specs: CliSpec[] = [
    TRAIN_CLI,
    PREDICT_CLI,
    EXPORT_CLI,
    ANALYZE_CLI,
    DYNAMICS_CLI,
    MSA_CLI,
    PARITY_CLI,
    NOTEBOOKS_CLI,
    FIGURES_PNG_CLI,
    BENCH_CLI,
    README_TABLE_CLI,
  ];
  for (const spec of specs) {
    const declared = Object.keys(spec.flags).map(camelCase);
    if (spec.positionals) declared.push("args");
    assertEquals(schemaKeys(spec.schema).sort(), declared.sort(), spec.name);
    // And the usage text is plain text for a terminal.
    assert(!/\*|@module|\{@link/.test(usageText(spec)), spec.name);
  }
});
