// The crash test's child process: a kernel with the block server persisting one image and a
// writer thread that, from generation FIRST on, writes the sectors of each generation and flushes,
// printing each generation whose flush completed. The parent kills it with SIGKILL at a random
// moment and checks the image. Usage: node block-crash-writer.js IMAGE FIRST

import { writeSync } from 'node:fs';
import { Kernel } from '../../../src/kernel/kernel.js';
import { blockSystem, complete, session } from './block-harness.js';
import { fillSector, sectorsOf } from './block-crash-plan.js';

// node --test loads every file under test/ as a test file: without arguments this one does nothing.
const [image, firstText] = process.argv.slice(2);
if (image !== undefined) await main(image, Number(firstText));

async function main(image: string, first: number): Promise<void> {
  if (!Number.isInteger(first) || first < 1) {
    process.stderr.write('usage: block-crash-writer IMAGE FIRST-GENERATION\n');
    process.exit(2);
  }
  const kernel = new Kernel({ log: (line) => process.stderr.write(`${line}\n`) });
  blockSystem(kernel, { sessions: [session('writer', 1, image, 'persist')] }, [
    {
      name: 'writer',
      badge: 1,
      doorbellBit: 1,
      body: async (sys, client, events) => {
        const data = new Uint8Array(512);
        for (let generation = first; ; generation++) {
          for (const sector of sectorsOf(generation)) {
            fillSector(data, 0, generation, sector);
            const error = await complete(sys, client, events, (done) => client.write(sector, 1, data, 0, done));
            if (error !== null) throw new Error(`write of generation ${generation} failed: ${error}`);
          }
          const error = await complete(sys, client, events, (done) => client.flush(done));
          if (error !== null) throw new Error(`flush of generation ${generation} failed: ${error}`);
          writeSync(1, `${generation}\n`);
        }
      },
    },
  ]);
  await kernel.run();
}
