// The firmware image cache behind `l4vm images fetch` and `l4vm images list`: Debian packages
// (SeaBIOS and U-Boot now; OpenBIOS and the rest later) downloaded with `apt-get download`,
// unpacked with `dpkg-deb -x`, and kept as `<cache>/<package>/<the package's own paths>` with a
// manifest beside them. A machine asks `findImage('usr/share/seabios/bios.bin')`, which looks in
// the cache first and then where dpkg installs the package on the host.
//
// An image appears in the cache only whole: the package is downloaded and unpacked into a
// temporary directory inside the cache (so the final rename stays on one file system) and that
// finished directory is renamed to `<cache>/<package>`. An interrupted fetch leaves at most a
// `.fetch-*` directory, which the next fetch removes.
//
// Unpacking without dpkg-deb is not done here: a .deb holds data.tar.xz (or .zst), and reading
// those in JavaScript would take two more npm dependencies for a case that does not arise where
// apt-get works, since apt itself depends on dpkg.

import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, join, relative, sep } from 'node:path';

/** A file a machine takes from a package, by its path inside the package. */
export interface ImageFile {
  /** The path inside the package, without a leading slash: `usr/share/seabios/bios.bin`. */
  readonly path: string;
  /** The size the machine expects, when it must be exact (a BIOS ROM is mapped below 1 MiB). */
  readonly size?: number;
  readonly purpose: string;
}

/** One Debian package of firmware: one record per package in IMAGE_CATALOGUE. */
export interface ImagePackage {
  /** The Debian package name, as `apt-get download` takes it. */
  readonly name: string;
  /** The version l4vm was tested with (Debian 12 "bookworm"); another version is accepted. */
  readonly testedVersion: string;
  readonly description: string;
  readonly files: readonly ImageFile[];
  /** The option that gives a machine the file directly, for the error that says what to do. */
  readonly overrideOption?: string;
}

export const IMAGE_CATALOGUE: readonly ImagePackage[] = [
  {
    name: 'seabios',
    testedVersion: '1.16.2-1',
    description: 'SeaBIOS, the PC BIOS, and its VGA BIOSes (the pc machine)',
    files: [
      { path: 'usr/share/seabios/bios.bin', size: 131072, purpose: 'the PC BIOS ROM (128 KiB, mapped at 0xE0000)' },
      { path: 'usr/share/seabios/vgabios-isavga.bin', purpose: 'the VGA BIOS for the ISA VGA card' },
      { path: 'usr/share/seabios/vgabios-stdvga.bin', purpose: 'the VGA BIOS for the Bochs/QEMU standard VGA' },
    ],
    overrideOption: '--bios FILE',
  },
  {
    name: 'u-boot-qemu',
    testedVersion: '2023.01+dfsg-2+deb12u3',
    description: "U-Boot built for QEMU's boards; qemu_arm is the firmware of the 32-bit virt machine",
    files: [{ path: 'usr/lib/u-boot/qemu_arm/u-boot.bin', purpose: 'U-Boot for the 32-bit ARM virt board, loaded into flash bank 0' }],
    overrideOption: '--bios FILE (or firmware.bios in a configuration)',
  },
];

export const MANIFEST_NAME = 'manifest.json';

/** What `fetchImages` wrote beside the unpacked package, as `<cache>/<package>/manifest.json`. */
export interface ImageManifest {
  package: string;
  version: string;
  architecture: string;
  /** ISO 8601 time of the fetch. */
  fetched: string;
  files: { path: string; size: number; sha256: string }[];
}

/** An error for a person: its message says what went wrong and what to do. */
export class ImageError extends Error {
  override readonly name = 'ImageError';
}

export interface ImageDirectoryOptions {
  /** The cache directory; default `defaultImageDirectory()`. */
  dir?: string;
  /** Environment variables to read (PATH, L4VM_IMAGES, XDG_CACHE_HOME, HOME); default process.env. */
  env?: NodeJS.ProcessEnv;
}

/** `$L4VM_IMAGES`, else `$XDG_CACHE_HOME/l4vm/images`, else `~/.cache/l4vm/images`. */
export function defaultImageDirectory(env: NodeJS.ProcessEnv = process.env): string {
  if (env.L4VM_IMAGES) return env.L4VM_IMAGES;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'l4vm', 'images');
  return join(env.HOME || homedir(), '.cache', 'l4vm', 'images');
}

function imageDirectory(options: ImageDirectoryOptions): string {
  return options.dir ?? defaultImageDirectory(options.env);
}

export function catalogueEntry(name: string): ImagePackage | undefined {
  return IMAGE_CATALOGUE.find((entry) => entry.name === name);
}

/** The full path of a program found on PATH, or null. */
export function findProgram(name: string, env: NodeJS.ProcessEnv = process.env): string | null {
  for (const directory of (env.PATH ?? '').split(delimiter)) {
    if (directory === '') continue;
    const candidate = join(directory, name);
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not in this directory
    }
  }
  return null;
}

// Debian policy 5.6.1: lower-case letters, digits, + - . ; at least two characters, starting alphanumeric.
const PACKAGE_NAME = /^[a-z0-9][a-z0-9+.-]+$/;

/** What to do by hand when apt-get cannot fetch a package. */
function manualAdvice(name: string, dir: string): string {
  const entry = catalogueEntry(name);
  const files = entry ? entry.files.map((file) => file.path).join(', ') : 'its files';
  const version = entry ? ` (l4vm is tested with ${entry.testedVersion})` : '';
  const override = entry?.overrideOption ? `, or pass ${entry.overrideOption}` : '';
  return `install Debian's ${name} package${version} elsewhere and copy ${files} into ${join(dir, name)}/ keeping those paths${override}`;
}

export interface FetchOptions extends ImageDirectoryOptions {
  /** Debian packages to fetch; default every package in IMAGE_CATALOGUE. */
  packages?: string[];
  /** Progress: apt-get's own lines and what is done with the package. */
  log: (line: string) => void;
}

/**
 * Downloads each package with `apt-get download`, unpacks it, checks the files the catalogue
 * expects, and puts it in place as `<dir>/<package>/` with a manifest. Throws ImageError (a
 * sentence saying what to do) on the first package that fails; packages fetched before it stay.
 */
export async function fetchImages(options: FetchOptions): Promise<ImageManifest[]> {
  const dir = imageDirectory(options);
  const env = options.env ?? process.env;
  const packages = options.packages && options.packages.length > 0 ? options.packages : IMAGE_CATALOGUE.map((entry) => entry.name);
  for (const name of packages) {
    if (!PACKAGE_NAME.test(name)) throw new ImageError(`"${name}" is not a Debian package name (lower-case letters, digits and + - . only)`);
  }
  const aptGet = findProgram('apt-get', env);
  if (aptGet === null) {
    throw new ImageError(
      `apt-get is not available here, so l4vm cannot download ${packages.join(', ')}: ` + packages.map((name) => manualAdvice(name, dir)).join('; '),
    );
  }
  const dpkgDeb = findProgram('dpkg-deb', env);
  if (dpkgDeb === null) {
    throw new ImageError('dpkg-deb is not available here, and l4vm needs it to unpack Debian packages: install dpkg (apt-get install dpkg), or ' + packages.map((name) => manualAdvice(name, dir)).join('; '));
  }
  await mkdir(dir, { recursive: true });
  await removeAbandonedFetches(dir);
  const manifests: ImageManifest[] = [];
  for (const name of packages) manifests.push(await fetchOne(name, dir, aptGet, dpkgDeb, env, options.log));
  return manifests;
}

/** Removes `.fetch-<package>-<pid>-*` directories whose process has gone. */
async function removeAbandonedFetches(dir: string): Promise<void> {
  for (const entry of await readdir(dir)) {
    const match = /^\.fetch-.+-(\d+)-[^-]+$/.exec(entry);
    if (!match || processIsAlive(Number(match[1]))) continue;
    await rm(join(dir, entry), { recursive: true, force: true });
  }
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function fetchOne(name: string, dir: string, aptGet: string, dpkgDeb: string, env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<ImageManifest> {
  const work = await mkdtemp(join(dir, `.fetch-${name}-${process.pid}-`));
  try {
    log(`${name}: apt-get download ${name}`);
    // As root, apt warns that its _apt user cannot write to the private work directory and
    // downloads as root instead: expected here, so not shown.
    const download = await runStreaming(aptGet, ['download', name], work, env, (line) => {
      if (!/unsandboxed as root/.test(line)) log(`${name}: ${line}`);
    });
    if (download.status !== 0) {
      const reason = download.lines.filter((line) => /^E: /.test(line)).join(' ') || `apt-get exited with status ${download.status}`;
      throw new ImageError(
        `apt-get download ${name} failed (${reason}): check the network and run apt-get update (as root), or ${manualAdvice(name, dir)}`,
      );
    }
    const debs = (await readdir(work)).filter((entry) => entry.endsWith('.deb'));
    if (debs.length !== 1) throw new ImageError(`apt-get download ${name} left ${debs.length} .deb files instead of one in ${work}: ${manualAdvice(name, dir)}`);
    const deb = join(work, debs[0] ?? '');
    const fields = spawnSync(dpkgDeb, ['--field', deb, 'Package', 'Version', 'Architecture'], { encoding: 'utf8', env });
    if (fields.status !== 0) throw new ImageError(`dpkg-deb cannot read ${debs[0]}: ${fields.stderr.trim()}; the download may be damaged, try again`);
    const field = (key: string): string => new RegExp(`^${key}: (.*)$`, 'm').exec(fields.stdout)?.[1]?.trim() ?? '';
    const version = field('Version');
    const architecture = field('Architecture');

    const tree = join(work, 'tree');
    const unpack = spawnSync(dpkgDeb, ['-x', deb, tree], { encoding: 'utf8', env });
    if (unpack.status !== 0) throw new ImageError(`dpkg-deb -x ${debs[0]} failed: ${unpack.stderr.trim()}; the download may be damaged, try again`);
    log(`${name}: unpacked version ${version}`);

    const entry = catalogueEntry(name);
    for (const file of entry?.files ?? []) {
      const path = join(tree, file.path);
      if (!existsSync(path)) throw new ImageError(`${name} ${version} has no ${file.path}; l4vm is tested with version ${entry?.testedVersion}: ${manualAdvice(name, dir)}`);
      const size = statSync(path).size;
      if (file.size !== undefined && size !== file.size) {
        throw new ImageError(`${file.path} in ${name} ${version} is ${size} bytes, not ${file.size}; l4vm is tested with version ${entry?.testedVersion}: ${manualAdvice(name, dir)}`);
      }
    }
    if (entry && version !== entry.testedVersion) log(`${name}: note: version ${version}, while l4vm is tested with ${entry.testedVersion}`);

    const manifest: ImageManifest = { package: name, version, architecture, fetched: new Date().toISOString(), files: await describeFiles(tree) };
    await writeFile(join(tree, MANIFEST_NAME), `${JSON.stringify(manifest, null, 2)}\n`);

    // Two renames: the old image moves aside, the finished one moves in. rename(2) cannot replace a
    // non-empty directory, so a crash between the two leaves no image (fetch again), never half of one.
    const target = join(dir, name);
    if (existsSync(target)) await rename(target, join(work, 'previous'));
    await rename(tree, target);
    log(`${name}: ${manifest.files.length} files in ${target}`);
    return manifest;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Every regular file below `root`, sorted by path, with its size and SHA-256. */
async function describeFiles(root: string): Promise<ImageManifest['files']> {
  const files: ImageManifest['files'] = [];
  const walk = async (directory: string): Promise<void> => {
    for (const entry of await readdir(directory, { withFileTypes: true })) {
      const path = join(directory, entry.name);
      if (entry.isDirectory()) {
        await walk(path);
      } else if (entry.isFile()) {
        const data = await readFile(path);
        files.push({ path: relative(root, path).split(sep).join('/'), size: data.length, sha256: createHash('sha256').update(data).digest('hex') });
      }
    }
  };
  await walk(root);
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Runs a program, passing each line of its output (stdout and stderr) to `line` as it comes. */
function runStreaming(
  program: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  line: (text: string) => void,
): Promise<{ status: number; lines: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    const splitter = () => {
      let partial = '';
      return {
        push: (chunk: Buffer) => {
          const parts = (partial + chunk.toString('utf8')).split(/\r\n|\r|\n/);
          partial = parts.pop() ?? '';
          for (const part of parts) {
            if (part.trim() === '') continue;
            lines.push(part);
            line(part);
          }
        },
        end: () => {
          if (partial.trim() !== '') {
            lines.push(partial);
            line(partial);
          }
          partial = '';
        },
      };
    };
    const out = splitter();
    const err = splitter();
    child.stdout.on('data', out.push);
    child.stderr.on('data', err.push);
    child.on('error', (error) => reject(new ImageError(`cannot run ${program}: ${error.message}`)));
    child.on('close', (code, signal) => {
      out.end();
      err.end();
      resolve({ status: code ?? (signal ? 128 : 1), lines });
    });
  });
}

export interface FindImageOptions extends ImageDirectoryOptions {
  /** Where dpkg installs packages; default '/'. Tests point it elsewhere. */
  systemRoot?: string;
}

/**
 * Where a machine finds a firmware file, by its path inside its package
 * (`usr/share/seabios/bios.bin`): the cache first (`<cache>/<package>/<path>`, trying the
 * catalogue's package for that path and then every other fetched package), then the host
 * (`/usr/share/seabios/bios.bin` from Debian's own package). Null when neither has it.
 */
export function findImage(relativePath: string, options: FindImageOptions = {}): string | null {
  const path = relativePath.replace(/^\/+/, '');
  const dir = imageDirectory(options);
  const owners = IMAGE_CATALOGUE.filter((entry) => entry.files.some((file) => file.path === path)).map((entry) => entry.name);
  for (const name of [...owners, ...fetchedPackages(dir).filter((name) => !owners.includes(name))]) {
    const candidate = join(dir, name, path);
    if (isFile(candidate)) return candidate;
  }
  const system = join(options.systemRoot ?? '/', path);
  return isFile(system) ? system : null;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Package directories in the cache (the `.fetch-*` work directories are not). */
function fetchedPackages(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.') && PACKAGE_NAME.test(entry.name))
      .map((entry) => entry.name)
      .sort();
  } catch {
    return [];
  }
}

/** One package as `l4vm images list` shows it. */
export interface ImageDescription {
  package: string;
  description: string;
  testedVersion: string | null;
  /** The fetched copy, or null. `missing` lists catalogue files absent from it. */
  cache: { directory: string; version: string; fetched: string; missing: string[] } | null;
  /** Debian's package installed on the host, or null. */
  system: { version: string; missing: string[] } | null;
}

export function describeImages(options: FindImageOptions = {}): ImageDescription[] {
  const dir = imageDirectory(options);
  const systemRoot = options.systemRoot ?? '/';
  const names = [...IMAGE_CATALOGUE.map((entry) => entry.name)];
  for (const name of fetchedPackages(dir)) if (!names.includes(name)) names.push(name);
  return names.map((name) => {
    const entry = catalogueEntry(name);
    const expected = entry?.files.map((file) => file.path) ?? [];
    const directory = join(dir, name);
    let cache: ImageDescription['cache'] = null;
    if (existsSync(directory)) {
      let version = 'unknown';
      let fetched = 'unknown';
      try {
        const manifest = JSON.parse(readFileSync(join(directory, MANIFEST_NAME), 'utf8')) as Partial<ImageManifest>;
        if (typeof manifest.version === 'string') version = manifest.version;
        if (typeof manifest.fetched === 'string') fetched = manifest.fetched;
      } catch {
        // copied in by hand, without a manifest
      }
      cache = { directory, version, fetched, missing: expected.filter((path) => !isFile(join(directory, path))) };
    }
    const installed = installedVersion(name, systemRoot);
    const system = installed === null ? null : { version: installed, missing: expected.filter((path) => !isFile(join(systemRoot, path))) };
    return { package: name, description: entry?.description ?? '(not in the catalogue)', testedVersion: entry?.testedVersion ?? null, cache, system };
  });
}

/** The version dpkg records as installed (from /var/lib/dpkg/status), or null. */
function installedVersion(name: string, systemRoot: string): string | null {
  let status: string;
  try {
    status = readFileSync(join(systemRoot, 'var/lib/dpkg/status'), 'utf8');
  } catch {
    return null;
  }
  for (const stanza of status.split(/\n\n+/)) {
    if (!new RegExp(`^Package: ${name.replace(/[+.]/g, '\\$&')}$`, 'm').test(stanza)) continue;
    if (!/^Status: install ok installed$/m.test(stanza)) continue;
    return /^Version: (.*)$/m.exec(stanza)?.[1]?.trim() ?? null;
  }
  return null;
}

/** The lines `l4vm images list` prints. */
export function formatImageDescriptions(descriptions: ImageDescription[], dir: string): string[] {
  const lines = [`image cache: ${dir}`];
  for (const image of descriptions) {
    lines.push(`${image.package}: ${image.description}${image.testedVersion ? ` (tested with ${image.testedVersion})` : ''}`);
    if (image.cache) {
      const missing = image.cache.missing.length > 0 ? `, MISSING ${image.cache.missing.join(', ')}` : '';
      lines.push(`  cache:  ${image.cache.version} in ${image.cache.directory} (fetched ${image.cache.fetched})${missing}`);
    } else {
      lines.push(`  cache:  not fetched (l4vm images fetch ${image.package})`);
    }
    if (image.system) {
      const missing = image.system.missing.length > 0 ? `, MISSING ${image.system.missing.join(', ')}` : '';
      lines.push(`  system: ${image.system.version} installed by dpkg${missing}`);
    } else {
      lines.push('  system: not installed');
    }
  }
  return lines;
}
