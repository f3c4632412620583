// The plane's extent in the page, as explorer/plane/extent.py has it: every view of a model starts
// at its extent (the centred square holding 99.5% of its encoded test digits, a nice
// number, sent by Python), and a view extends, a nice step at a time, to show a z set
// beyond it, up to REACH extents. Farther than that is refused, and said so.

export const REACH = 100;
const NICE = [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]; // mantissas, as explorer/plane/extent.py

/** The smallest nice number (NICE times a power of ten) at least x > 0. */
export function niceCeil(x) {
  if (!(x > 0) || !Number.isFinite(x)) return 1;
  const power = 10 ** Math.floor(Math.log10(x));
  const m = NICE.find((v) => v * power >= x * (1 - 1e-12)) ?? 10;
  return +(m * power).toPrecision(6);
}

/** `half`, or a nice half-width that shows z (with 5% to spare) too. */
export function cover(half, z) {
  const far = Math.max(Math.abs(z[0]), Math.abs(z[1]));
  return far <= half ? half : niceCeil(far * 1.05);
}

/** The ranges a manifold offers over a plane of half-width `lim`: eighths of it from a
 *  quarter to the whole (±1 to ±4 for a standard-prior model's ±4). */
export function gridRanges(lim) {
  return [2, 3, 4, 5, 6, 7, 8].map((k) => +((lim * k) / 8).toPrecision(4));
}
