// The guest images committed in guests/ are what their sources build to (the builds are
// reproducible), so the binaries the demo and the tests boot are the programs whose sources ship:
// the PC guests with nasm, the ARM guest (guests/virt-demo) with its build.sh (Debian's
// gcc-arm-linux-gnueabihf through guests/arm-image.sh).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));

const IMAGES = [
  { folder: 'minibios', source: 'bios.asm', image: 'bios.bin' },
  { folder: 'pc-boot', source: 'boot.asm', image: 'disk.img' },
  { folder: 'demo-counter', source: 'boot.asm', image: 'disk.img' },
  { folder: 'demo-primes', source: 'boot.asm', image: 'disk.img' },
];

/** Guests whose build.sh takes an output directory and writes these images there. */
const BUILT_BY_SCRIPT = [{ folder: 'virt-demo', images: ['flash.bin', 'disk.img'] }];

test('GUEST0001 every committed guest image is exactly what nasm (or the guest\'s build.sh) builds from its sources', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'l4vm-guests-'));
  try {
    for (const { folder, source, image } of IMAGES) {
      const output = join(scratch, `${folder}-${image}`);
      const result = spawnSync('nasm', ['-f', 'bin', '-o', output, source], { cwd: join(root, 'guests', folder), encoding: 'utf8' });
      assert.equal(result.status, 0, `nasm (Debian package nasm) builds guests/${folder}/${source}: ${result.stderr}`);
      assert.ok(readFileSync(output).equals(readFileSync(join(root, 'guests', folder, image))), `guests/${folder}/${image} is stale: run guests/${folder}/build.sh and commit the result`);
    }
    for (const { folder, images } of BUILT_BY_SCRIPT) {
      const output = join(scratch, folder);
      mkdirSync(output);
      const result = spawnSync(join(root, 'guests', folder, 'build.sh'), [output], { encoding: 'utf8' });
      assert.equal(result.error, undefined, `guests/${folder}/build.sh runs: ${String(result.error)}`);
      assert.equal(result.status, 0, `guests/${folder}/build.sh builds (it needs Debian's gcc-arm-linux-gnueabihf): ${result.stderr}`);
      for (const image of images) {
        assert.ok(readFileSync(join(output, image)).equals(readFileSync(join(root, 'guests', folder, image))), `guests/${folder}/${image} is stale: run guests/${folder}/build.sh and commit the result`);
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});
