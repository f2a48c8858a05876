/**
 * Putting code and data into HTML pages safely: text inside a `<script>`
 * element must not close it, and JSON embedded as a script expression must
 * not either (nor break on U+2028/U+2029).
 *
 * @module
 */

/** Text that is safe inside a `<script>` element (no `</script`, no `<!--`). */
export function scriptSafe(js: string): string {
  return js.replace(/<\/(script)/gi, "<\\/$1").replace(/<!--/g, "<\\!--");
}

/** JSON as a JS expression that is safe inside `<script>`. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(
    /\u2029/g,
    "\\u2029",
  );
}
