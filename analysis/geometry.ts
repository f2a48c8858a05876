/**
 * Small vector helpers on flattened xyz arrays, shared by DSSP, superposition and
 * the metrics. A "point i" of an array `a` is `a[3i], a[3i+1], a[3i+2]`.
 *
 * @module
 */

/** Coordinates as a flat xyz array (`Float32Array`, `Float64Array` or `number[]`). */
export type Coords = ArrayLike<number>;

/** Euclidean distance between point `i` of `a` and point `j` of `b`. */
export function dist(a: Coords, i: number, b: Coords, j: number): number {
  const dx = a[3 * i] - b[3 * j],
    dy = a[3 * i + 1] - b[3 * j + 1],
    dz = a[3 * i + 2] - b[3 * j + 2];
  return Math.sqrt(dx * dx + dy * dy + dz * dz);
}

/**
 * Dihedral angle in degrees (-180, 180] of points `i1-i2-i3-i4` of `a`, with the
 * IUPAC sign convention (as DSSP's phi/psi).
 */
export function dihedral(
  a: Coords,
  i1: number,
  i2: number,
  i3: number,
  i4: number,
): number {
  const v = (i: number, j: number, d: number) => a[3 * j + d] - a[3 * i + d];
  const b1 = [v(i1, i2, 0), v(i1, i2, 1), v(i1, i2, 2)];
  const b2 = [v(i2, i3, 0), v(i2, i3, 1), v(i2, i3, 2)];
  const b3 = [v(i3, i4, 0), v(i3, i4, 1), v(i3, i4, 2)];
  // atan2(|b2| b1·(b2×b3), (b1×b2)·(b2×b3))
  const n1 = cross(b1, b2), n2 = cross(b2, b3);
  const y = Math.hypot(b2[0], b2[1], b2[2]) * dot(b1, n2), x = dot(n1, n2);
  return (Math.atan2(y, x) * 180) / Math.PI;
}

/** Angle in degrees between the vectors (p2 - p1) and (p4 - p3) of one array. */
export function vectorAngle(a: Coords, i1: number, i2: number, i3: number, i4: number): number {
  let d = 0, n1 = 0, n2 = 0;
  for (let k = 0; k < 3; k++) {
    const u = a[3 * i2 + k] - a[3 * i1 + k], w = a[3 * i4 + k] - a[3 * i3 + k];
    d += u * w;
    n1 += u * u;
    n2 += w * w;
  }
  const c = Math.max(-1, Math.min(1, d / Math.sqrt(n1 * n2)));
  return (Math.acos(c) * 180) / Math.PI;
}

function cross(a: number[], b: number[]): number[] {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

function dot(a: number[], b: number[]): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}
