/**
 * plotly.js's own `Plotly.validate(data, layout)` in Deno, as an independent
 * check that our figure specs use only attributes and values of plotly's schema.
 * plotly.js expects a browser; loading it needs only a few inert stand-ins for
 * browser globals (every unknown DOM property is a do-nothing object), which is
 * enough for the schema code — nothing is drawn.
 *
 * @module
 */

import { plotlyJsPath } from "../../analysis/report.ts";
import type { PlotlyFigure } from "../../analysis/figures/plotly_spec.ts";

/** One problem reported by Plotly.validate. */
export interface PlotlyIssue {
  /** "schema", "value", "object", ... */
  code: string;
  /** Human-readable message. */
  msg: string;
}

// deno-lint-ignore no-explicit-any
type Any = any;

let plotly: Any;

function inert(): Any {
  return new Proxy(function () {}, {
    get: (t, k) => (k === Symbol.toPrimitive ? () => "" : k in t ? (t as Any)[k] : inert()),
    apply: () => inert(),
    set: () => true,
  });
}

async function load(): Promise<Any> {
  if (plotly) return plotly;
  const g = globalThis as Any;
  const stubs: Record<string, unknown> = {
    window: g,
    document: new Proxy({
      getElementById: () => null,
      querySelector: () => null,
      querySelectorAll: () => [],
      getElementsByTagName: () => [],
      documentElement: { style: {} },
    }, { get: (t: Any, k) => (k in t ? t[k] : inert()) }),
    navigator: { userAgent: "deno" },
    DOMParser: function () {
      return inert();
    },
    getComputedStyle: () => inert(),
    matchMedia: () => ({ matches: false, addListener() {} }),
    HTMLElement: class {},
  };
  for (const [k, v] of Object.entries(stubs)) if (!(k in g)) g[k] = v;
  const module = { exports: {} as Any };
  new Function("module", "exports", await Deno.readTextFile(plotlyJsPath()))(
    module,
    module.exports,
  );
  plotly = module.exports;
  return plotly;
}

/** Plotly's complaints about a figure (data + layout, and each frame's data); empty when valid. */
export async function plotlyIssues(fig: PlotlyFigure): Promise<PlotlyIssue[]> {
  const P = await load();
  const issues: PlotlyIssue[] = [...(P.validate(fig.data, fig.layout) ?? [])];
  for (const f of fig.frames ?? []) issues.push(...(P.validate(f.data, fig.layout) ?? []));
  // Plotly.validate compares object-valued slider/button `args` by identity after
  // copying them, so it reports "(set to 'X') got reset to 'X'" for valid args;
  // only a real change of value is kept.
  const spurious = (i: PlotlyIssue) => {
    const m = /set to '(.*)'\) got reset to '(.*)' during defaults/.exec(i.msg);
    return i.code === "dynamic" && m !== null && m[1] === m[2];
  };
  return issues.map((i) => ({ code: i.code, msg: i.msg })).filter((i) => !spurious(i));
}
