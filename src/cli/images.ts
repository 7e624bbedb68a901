// `l4vm images fetch` and `l4vm images list`: the firmware image cache (src/host/images.ts).

import type { Command } from 'commander';
import { defaultImageDirectory, describeImages, fetchImages, formatImageDescriptions, IMAGE_CATALOGUE, ImageError } from '../host/images.js';

export function registerImagesCommand(program: Command): void {
  const images = program
    .command('images')
    .description(`firmware images the machines need (${IMAGE_CATALOGUE.map((entry) => entry.name).join(', ')}), fetched from Debian into a cache ($L4VM_IMAGES, else $XDG_CACHE_HOME/l4vm/images, else ~/.cache/l4vm/images)`);

  images
    .command('fetch')
    .description('download Debian packages with apt-get download and unpack them into the cache')
    .argument('[packages...]', `Debian packages to fetch (default: ${IMAGE_CATALOGUE.map((entry) => entry.name).join(' ')})`)
    .option('--dir <dir>', 'the cache directory')
    .action(async (packages: string[], options: { dir?: string }) => {
      try {
        const manifests = await fetchImages({ dir: options.dir, packages, log: (line) => console.log(line) });
        const dir = options.dir ?? defaultImageDirectory();
        for (const manifest of manifests) console.log(`fetched ${manifest.package} ${manifest.version} into ${dir}`);
      } catch (error) {
        if (!(error instanceof ImageError)) throw error;
        console.error(`l4vm images fetch: ${error.message}`);
        process.exitCode = 1;
      }
    });

  images
    .command('list')
    .description('show which images are in the cache and which the host has installed, with their versions')
    .option('--dir <dir>', 'the cache directory')
    .action((options: { dir?: string }) => {
      const dir = options.dir ?? defaultImageDirectory();
      for (const line of formatImageDescriptions(describeImages({ dir }), dir)) console.log(line);
    });
}
