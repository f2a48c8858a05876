/**
 * The assertions the tests use (jsr:@std/assert is not reachable here).
 *
 * @module
 */

/** An assertion that failed. */
export class AssertionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AssertionError";
  }
}

/** Fail unless `cond` holds. */
export function assert(cond: unknown, msg = "assertion failed"): asserts cond {
  if (!cond) throw new AssertionError(msg);
}

function same(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (ArrayBuffer.isView(a) && ArrayBuffer.isView(b)) {
    const x = a as unknown as ArrayLike<unknown>, y = b as unknown as ArrayLike<unknown>;
    if (x.length !== y.length || a.constructor !== b.constructor) return false;
    for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return false;
    return true;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a), kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) =>
    same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])
  );
}

/** Fail unless `actual` deep-equals `expected`. */
export function assertEquals<T>(actual: T, expected: T, msg?: string): void {
  if (!same(actual, expected)) {
    const show = (v: unknown) => {
      try {
        return JSON.stringify(v, (_, x) => ArrayBuffer.isView(x) ? Array.from(x as never) : x);
      } catch {
        return String(v);
      }
    };
    throw new AssertionError(
      `${msg ? msg + ": " : ""}values differ\n  actual:   ${show(actual)}\n  expected: ${
        show(expected)
      }`,
    );
  }
}

/** Fail unless `|actual - expected| <= tol`. */
export function assertAlmostEquals(actual: number, expected: number, tol = 1e-7, msg?: string) {
  if (!(Math.abs(actual - expected) <= tol)) {
    throw new AssertionError(
      `${msg ? msg + ": " : ""}${actual} is not within ${tol} of ${expected}`,
    );
  }
}

// deno-lint-ignore no-explicit-any
type ErrorClass<E extends Error> = new (...args: any[]) => E;

/** Fail unless `fn` throws an instance of `cls` whose message includes `includes`. */
export function assertThrows<E extends Error = Error>(
  fn: () => unknown,
  cls?: ErrorClass<E>,
  includes?: string,
): E {
  try {
    fn();
  } catch (e) {
    if (cls && !(e instanceof cls)) {
      throw new AssertionError(`expected ${cls.name}, got ${(e as Error)?.name}: ${e}`);
    }
    if (includes && !String((e as Error).message).includes(includes)) {
      throw new AssertionError(`message "${(e as Error).message}" lacks "${includes}"`);
    }
    return e as E;
  }
  throw new AssertionError("expected the function to throw");
}

/** Async {@link assertThrows}. */
export async function assertRejects<E extends Error = Error>(
  fn: () => Promise<unknown>,
  cls?: ErrorClass<E>,
  includes?: string,
): Promise<E> {
  try {
    await fn();
  } catch (e) {
    if (cls && !(e instanceof cls)) {
      throw new AssertionError(`expected ${cls.name}, got ${(e as Error)?.name}: ${e}`);
    }
    if (includes && !String((e as Error).message).includes(includes)) {
      throw new AssertionError(`message "${(e as Error).message}" lacks "${includes}"`);
    }
    return e as E;
  }
  throw new AssertionError("expected the promise to reject");
}
