// PNG files of screen images (screenshots of a display device's render()), through the fast-png
// encoder. Files are written to a temporary name in the same folder and renamed into place, so a
// reader never sees a half-written image.

import { existsSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { encode } from 'fast-png';

import type { RgbaImage } from '../machines/machine.js';

/** Encodes RGBA pixels (8 bits per channel) as a PNG file's bytes. */
export function encodePng(width: number, height: number, rgba: Uint8Array | Uint8ClampedArray): Uint8Array {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`a PNG image needs a positive whole width and height, not ${width}×${height}`);
  }
  if (rgba.length !== width * height * 4) {
    throw new RangeError(`a ${width}×${height} RGBA image has ${width * height * 4} bytes, but ${rgba.length} were given`);
  }
  return encode({ width, height, data: rgba, depth: 8, channels: 4 });
}

/**
 * Writes `image` as a PNG file at `path`, atomically (temporary file, then rename). Where `path`
 * is not a regular file (a device such as /dev/null, a pipe) it is written directly: renaming over
 * it would replace the device.
 */
export function writePngFile(path: string, image: RgbaImage): void {
  const bytes = encodePng(image.width, image.height, image.rgba);
  if (existsSync(path) && !statSync(path).isFile()) {
    writeFileSync(path, bytes);
    return;
  }
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    writeFileSync(temporary, bytes);
    renameSync(temporary, path);
  } catch (error) {
    try {
      unlinkSync(temporary);
    } catch {
      // The temporary file was never created.
    }
    throw error;
  }
}
