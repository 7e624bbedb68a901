// What the guest of guests/pc-boot draws in mode 12h (its README): pixel (x, y) has colour
// ((x >> 5) + (y >> 5)) & 15, and a white line at y = 470 from x = 100 to 539 — checked pixel by
// pixel against the default mode 12h palette.

import assert from 'node:assert/strict';

/** The EGA colours of mode 12h's default palette (the DAC's 6 bits scaled to 8). */
const EGA = [0x000000, 0x0000aa, 0x00aa00, 0x00aaaa, 0xaa0000, 0xaa00aa, 0xaa5500, 0xaaaaaa, 0x555555, 0x5555ff, 0x55ff55, 0x55ffff, 0xff5555, 0xff55ff, 0xffff55, 0xffffff];

/** Asserts that an RGBA 640x480 image shows the pattern (each channel within 3 of the EGA colour). */
export function checkPattern(rgba: Uint8Array | Uint8ClampedArray, what: string): void {
  let wrong = 0;
  let first = '';
  for (let y = 0; y < 480; y++) {
    for (let x = 0; x < 640; x++) {
      const colour = y === 470 && x >= 100 && x <= 539 ? 15 : ((x >> 5) + (y >> 5)) & 15;
      const rgb = EGA[colour];
      const at = (y * 640 + x) * 4;
      const ok =
        Math.abs(rgba[at] - (rgb >> 16)) <= 3 && Math.abs(rgba[at + 1] - ((rgb >> 8) & 0xff)) <= 3 && Math.abs(rgba[at + 2] - (rgb & 0xff)) <= 3 && rgba[at + 3] === 255;
      if (!ok) {
        if (wrong === 0) first = `(${x}, ${y}) is ${[rgba[at], rgba[at + 1], rgba[at + 2], rgba[at + 3]].join(',')}, not colour ${colour} #${rgb.toString(16).padStart(6, '0')}`;
        wrong++;
      }
    }
  }
  assert.equal(wrong, 0, `${what}: ${wrong} of 307200 pixels differ from the pattern; first: ${first}`);
}

