// The firmware image cache: `apt-get download` is a fake on PATH that builds a real .deb with
// dpkg-deb --build, so fetch, unpack, manifest and the atomic rename run as they do for real.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  defaultImageDirectory,
  describeImages,
  fetchImages,
  findImage,
  formatImageDescriptions,
  ImageError,
  type ImageManifest,
} from '../../src/host/images.js';
import { loadSystemConfig, validateSystemConfig } from '../../src/servers/root/vm-config.js';

const FAKE_APT_GET = `#!/bin/sh
# A stand-in for "apt-get download PKG": builds PKG_VERSION_all.deb in the current directory, laid
# out as Debian's seabios (or, for u-boot-qemu, as that package: usr/lib/u-boot/<board>/u-boot.bin).
# FAKE_APT=fail fails as apt-get does without network; FAKE_APT=corrupt writes a broken .deb.
[ "$1" = download ] || { echo "E: the fake apt-get only downloads" >&2; exit 100; }
pkg=$2
version=\${FAKE_VERSION:-1.16.2-1}
if [ "$FAKE_APT" = fail ]; then
  echo "Err:1 http://deb.example.org/debian bookworm/main amd64 $pkg all $version" >&2
  echo "E: Failed to fetch http://deb.example.org/debian/pool/main/$pkg.deb  Temporary failure resolving 'deb.example.org'" >&2
  exit 100
fi
echo "Get:1 http://deb.example.org/debian bookworm/main amd64 $pkg all $version [1 kB]"
if [ "$FAKE_APT" = corrupt ]; then
  echo "not a deb" > "./\${pkg}_\${version}_all.deb"
  exit 0
fi
tree=$(mktemp -d)
mkdir -p "$tree/DEBIAN" "$tree/usr/share/seabios" "$tree/usr/share/doc/$pkg"
chmod 755 "$tree" "$tree/DEBIAN"
printf 'Package: %s\\nVersion: %s\\nArchitecture: all\\nMaintainer: Test <test@example.org>\\nDescription: fake firmware\\n' "$pkg" "$version" > "$tree/DEBIAN/control"
if [ "$pkg" = u-boot-qemu ]; then
  rmdir "$tree/usr/share/seabios"
  for board in qemu_arm qemu_arm64; do
    mkdir -p "$tree/usr/lib/u-boot/$board"
    echo "u-boot $board $version" > "$tree/usr/lib/u-boot/$board/u-boot.bin"
  done
else
  head -c \${FAKE_BIOS_SIZE:-131072} /dev/zero > "$tree/usr/share/seabios/bios.bin"
  echo "isa vga $version" > "$tree/usr/share/seabios/vgabios-isavga.bin"
  echo "std vga $version" > "$tree/usr/share/seabios/vgabios-stdvga.bin"
fi
echo "copyright" > "$tree/usr/share/doc/$pkg/copyright"
dpkg-deb -Zgzip --root-owner-group --build "$tree" "./\${pkg}_\${version}_all.deb" > /dev/null || exit 1
rm -rf "$tree"
echo "Fetched 1 kB in 0s"
`;

interface Fixture {
  root: string;
  cache: string;
  /** PATH with the fake apt-get first, then the real one (for dpkg-deb, sh, head). */
  env: NodeJS.ProcessEnv;
}

function fixture(t: TestContext): Fixture {
  const root = mkdtempSync(join(tmpdir(), 'l4vm-images-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const bin = join(root, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'apt-get'), FAKE_APT_GET);
  chmodSync(join(bin, 'apt-get'), 0o755);
  return { root, cache: join(root, 'cache'), env: { PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}` } };
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

const hasDpkgDeb = spawnSync('dpkg-deb', ['--version']).status === 0;
const skip = hasDpkgDeb ? false : 'dpkg-deb is not installed';

test('IMG0001 fetch downloads with apt-get, unpacks into <cache>/<package>/ and streams apt-get\'s lines to the log', { skip }, async (t) => {
  const { cache, env } = fixture(t);
  const lines: string[] = [];
  const manifests = await fetchImages({ dir: cache, env, log: (line) => lines.push(line) });
  assert.deepEqual(
    manifests.map((manifest) => manifest.package),
    ['seabios', 'u-boot-qemu'],
    'without names, every package of the catalogue',
  );
  const bios = join(cache, 'seabios', 'usr/share/seabios/bios.bin');
  assert.equal(readFileSync(bios).length, 131072);
  assert.equal(readFileSync(join(cache, 'seabios', 'usr/share/seabios/vgabios-stdvga.bin'), 'utf8'), 'std vga 1.16.2-1\n');
  assert.ok(lines.includes('seabios: Get:1 http://deb.example.org/debian bookworm/main amd64 seabios all 1.16.2-1 [1 kB]'), lines.join('\n'));
  assert.ok(lines.includes('seabios: Fetched 1 kB in 0s'));
  assert.equal(readFileSync(join(cache, 'u-boot-qemu', 'usr/lib/u-boot/qemu_arm/u-boot.bin'), 'utf8'), 'u-boot qemu_arm 1.16.2-1\n');
  assert.deepEqual(readdirSync(cache).sort(), ['seabios', 'u-boot-qemu'], 'no work directory is left behind');
});

test('IMG0002 the manifest names the package, its version and each file with its size and SHA-256', { skip }, async (t) => {
  const { cache, env } = fixture(t);
  const [returned] = await fetchImages({ dir: cache, env, packages: ['seabios'], log: () => undefined });
  const manifest = JSON.parse(readFileSync(join(cache, 'seabios', 'manifest.json'), 'utf8')) as ImageManifest;
  assert.deepEqual(manifest, returned);
  assert.equal(manifest.package, 'seabios');
  assert.equal(manifest.version, '1.16.2-1');
  assert.equal(manifest.architecture, 'all');
  assert.deepEqual(
    manifest.files.map((file) => file.path),
    ['usr/share/doc/seabios/copyright', 'usr/share/seabios/bios.bin', 'usr/share/seabios/vgabios-isavga.bin', 'usr/share/seabios/vgabios-stdvga.bin'],
  );
  const bios = manifest.files.find((file) => file.path === 'usr/share/seabios/bios.bin');
  assert.deepEqual(bios, { path: 'usr/share/seabios/bios.bin', size: 131072, sha256: sha256(Buffer.alloc(131072)) });
  const isa = manifest.files.find((file) => file.path === 'usr/share/seabios/vgabios-isavga.bin');
  assert.equal(isa?.sha256, sha256(Buffer.from('isa vga 1.16.2-1\n')));
});

test('IMG0003 a fetch that fails leaves no package directory and no work directory', { skip }, async (t) => {
  const { cache, env } = fixture(t);
  for (const [mode, extra, pattern] of [
    ['fail', {}, /apt-get download seabios failed \(E: Failed to fetch .*Temporary failure resolving.*\): check the network and run apt-get update/],
    ['corrupt', {}, /dpkg-deb .*seabios_1\.16\.2-1_all\.deb.*try again/],
    ['', { FAKE_BIOS_SIZE: '1000' }, /usr\/share\/seabios\/bios\.bin in seabios 1\.16\.2-1 is 1000 bytes, not 131072/],
  ] as const) {
    await assert.rejects(
      fetchImages({ dir: cache, env: { ...env, FAKE_APT: mode, ...extra }, log: () => undefined }),
      (error: unknown) => error instanceof ImageError && pattern.test(error.message),
      mode || 'wrong bios size',
    );
    assert.deepEqual(readdirSync(cache), [], `after ${mode || 'wrong bios size'}`);
  }
});

test('IMG0004 a new fetch replaces the old image whole; a failed one leaves the old image as it was', { skip }, async (t) => {
  const { cache, env } = fixture(t);
  const packages = ['seabios'];
  await fetchImages({ dir: cache, env: { ...env, FAKE_VERSION: '1.16.0-1' }, packages, log: () => undefined });
  const isa = join(cache, 'seabios', 'usr/share/seabios/vgabios-isavga.bin');
  assert.equal(readFileSync(isa, 'utf8'), 'isa vga 1.16.0-1\n');
  const lines: string[] = [];
  await fetchImages({ dir: cache, env: { ...env, FAKE_VERSION: '1.16.2-1' }, packages, log: (line) => lines.push(line) });
  assert.equal(readFileSync(isa, 'utf8'), 'isa vga 1.16.2-1\n');
  assert.equal(describeImages({ dir: cache, systemRoot: join(cache, 'no-system') })[0]?.cache?.version, '1.16.2-1');
  await assert.rejects(fetchImages({ dir: cache, env: { ...env, FAKE_VERSION: '1.17.0-1', FAKE_APT: 'corrupt' }, packages, log: () => undefined }), ImageError);
  assert.equal(readFileSync(isa, 'utf8'), 'isa vga 1.16.2-1\n');
  assert.deepEqual(readdirSync(cache), ['seabios']);
  assert.ok(!lines.some((line) => /note: version/.test(line)), 'the tested version brings no note');
});

test('IMG0005 the work directory of a fetch that was killed is removed by the next fetch', { skip }, async (t) => {
  const { cache, env } = fixture(t);
  const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  const abandoned = join(cache, `.fetch-seabios-${gone.stdout}-AbC123`);
  mkdirSync(join(abandoned, 'tree'), { recursive: true });
  const running = join(cache, `.fetch-seabios-${process.pid}-XyZ789`);
  mkdirSync(running);
  await fetchImages({ dir: cache, env, packages: ['seabios'], log: () => undefined });
  assert.ok(!existsSync(abandoned));
  assert.ok(existsSync(running), 'a fetch whose process still runs is left alone');
});

test('IMG0006 without apt-get the error says what to copy where, and nothing is created', async (t) => {
  const { root, cache } = fixture(t);
  const empty = join(root, 'empty');
  mkdirSync(empty);
  await assert.rejects(fetchImages({ dir: cache, env: { PATH: empty }, log: () => undefined }), (error: unknown) => {
    assert.ok(error instanceof ImageError);
    assert.match(error.message, /^apt-get is not available here/);
    assert.ok(
      error.message.includes(
        `install Debian's seabios package (l4vm is tested with 1.16.2-1) elsewhere and copy usr/share/seabios/bios.bin, usr/share/seabios/vgabios-isavga.bin, usr/share/seabios/vgabios-stdvga.bin into ${cache}/seabios/ keeping those paths, or pass --bios FILE`,
      ),
      error.message,
    );
    return true;
  });
  assert.ok(!existsSync(cache));
});

test('IMG0007 a name that is not a Debian package name is refused before anything runs', async (t) => {
  const { cache, env } = fixture(t);
  await assert.rejects(fetchImages({ dir: cache, env, packages: ['../etc'], log: () => undefined }), /"\.\.\/etc" is not a Debian package name/);
  assert.ok(!existsSync(cache));
});

test('IMG0008 findImage looks in the cache first, then where dpkg installs, and returns null when neither has the file', (t) => {
  const { root, cache } = fixture(t);
  const systemRoot = join(root, 'system');
  const put = (path: string): void => {
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, 'x');
  };
  const options = { dir: cache, systemRoot };
  assert.equal(findImage('usr/share/seabios/bios.bin', options), null);
  put(join(systemRoot, 'usr/share/seabios/bios.bin'));
  assert.equal(findImage('usr/share/seabios/bios.bin', options), join(systemRoot, 'usr/share/seabios/bios.bin'));
  put(join(cache, 'seabios/usr/share/seabios/bios.bin'));
  assert.equal(findImage('usr/share/seabios/bios.bin', options), join(cache, 'seabios/usr/share/seabios/bios.bin'));
  assert.equal(findImage('/usr/share/seabios/bios.bin', options), join(cache, 'seabios/usr/share/seabios/bios.bin'), 'a leading slash is allowed');
  // A package outside the catalogue is searched too, but not a work directory.
  put(join(cache, 'u-boot-qemu/usr/lib/u-boot/qemu_arm/u-boot.bin'));
  put(join(cache, '.fetch-openbios-1-abc/tree/usr/share/openbios/openbios-sparc32'));
  assert.equal(findImage('usr/lib/u-boot/qemu_arm/u-boot.bin', options), join(cache, 'u-boot-qemu/usr/lib/u-boot/qemu_arm/u-boot.bin'));
  assert.equal(findImage('tree/usr/share/openbios/openbios-sparc32', options), null);
});

test('IMG0009 the cache directory: $L4VM_IMAGES, else $XDG_CACHE_HOME/l4vm/images, else ~/.cache/l4vm/images', () => {
  assert.equal(defaultImageDirectory({ L4VM_IMAGES: '/a', XDG_CACHE_HOME: '/b', HOME: '/c' }), '/a');
  assert.equal(defaultImageDirectory({ XDG_CACHE_HOME: '/b', HOME: '/c' }), '/b/l4vm/images');
  assert.equal(defaultImageDirectory({ HOME: '/c' }), '/c/.cache/l4vm/images');
});

test('IMG0010 list shows the cached version and where, and the version dpkg installed on the host', (t) => {
  const { root, cache } = fixture(t);
  const systemRoot = join(root, 'system');
  mkdirSync(join(systemRoot, 'var/lib/dpkg'), { recursive: true });
  writeFileSync(
    join(systemRoot, 'var/lib/dpkg/status'),
    'Package: seabios-extra\nStatus: install ok installed\nVersion: 9\n\nPackage: seabios\nStatus: install ok installed\nVersion: 1.16.2-1\nArchitecture: all\n\n',
  );
  mkdirSync(join(cache, 'seabios/usr/share/seabios'), { recursive: true });
  writeFileSync(join(cache, 'seabios/usr/share/seabios/bios.bin'), 'x');
  writeFileSync(join(cache, 'seabios/manifest.json'), JSON.stringify({ package: 'seabios', version: '1.16.1-1', fetched: '2026-01-02T03:04:05.000Z', files: [] }));
  const [seabios] = describeImages({ dir: cache, systemRoot });
  assert.deepEqual(seabios?.cache, {
    directory: join(cache, 'seabios'),
    version: '1.16.1-1',
    fetched: '2026-01-02T03:04:05.000Z',
    missing: ['usr/share/seabios/vgabios-isavga.bin', 'usr/share/seabios/vgabios-stdvga.bin'],
  });
  assert.equal(seabios?.system?.version, '1.16.2-1');
  const text = formatImageDescriptions(describeImages({ dir: cache, systemRoot }), cache).join('\n');
  assert.match(text, /cache: {2}1\.16\.1-1 in .*seabios \(fetched 2026-01-02T03:04:05\.000Z\), MISSING usr\/share\/seabios\/vgabios-isavga\.bin/);
  assert.match(text, /system: 1\.16\.2-1 installed by dpkg, MISSING/);
  const nothing = formatImageDescriptions(describeImages({ dir: join(root, 'none'), systemRoot: join(root, 'none') }), join(root, 'none')).join('\n');
  assert.match(nothing, /cache: {2}not fetched \(l4vm images fetch seabios\)/);
  assert.match(nothing, /system: not installed/);
});

test('IMG0011 u-boot-qemu: `images fetch u-boot-qemu` puts qemu_arm/u-boot.bin in the cache, and a virt VM without firmware.bios boots it from there (or from Debian\'s package on the host)', { skip }, async (t) => {
  const { root, cache, env } = fixture(t);
  const systemRoot = join(root, 'system');
  const finder = (path: string): string | null => findImage(path, { dir: cache, systemRoot });
  const raw = { vms: [{ name: 'arm', machine: 'virt', memory: '64M' }] };
  assert.throws(
    () => validateSystemConfig(raw, root, finder),
    /vms\[0\]\.firmware\.bios: none given, and no u-boot\.bin found: run `l4vm images fetch u-boot-qemu`, install Debian's u-boot-qemu package, or name a file/,
  );
  const [manifest] = await fetchImages({ dir: cache, env, packages: ['u-boot-qemu'], log: () => undefined });
  assert.equal(manifest?.package, 'u-boot-qemu');
  const uboot = join(cache, 'u-boot-qemu', 'usr/lib/u-boot/qemu_arm/u-boot.bin');
  assert.equal(manifest?.files.find((file) => file.path === 'usr/lib/u-boot/qemu_arm/u-boot.bin')?.sha256, sha256(readFileSync(uboot)));
  assert.equal(validateSystemConfig(raw, root, finder).vms[0]?.firmware.bios, uboot, 'the cache\'s U-Boot is the default');
  const line = formatImageDescriptions(describeImages({ dir: cache, systemRoot }), cache).find((text) => text.startsWith('u-boot-qemu:'));
  assert.equal(line, "u-boot-qemu: U-Boot built for QEMU's boards; qemu_arm is the firmware of the 32-bit virt machine (tested with 2023.01+dfsg-2+deb12u3)");
  rmSync(join(cache, 'u-boot-qemu'), { recursive: true });
  mkdirSync(join(systemRoot, 'usr/lib/u-boot/qemu_arm'), { recursive: true });
  writeFileSync(join(systemRoot, 'usr/lib/u-boot/qemu_arm/u-boot.bin'), 'u-boot');
  assert.equal(validateSystemConfig(raw, root, finder).vms[0]?.firmware.bios, join(systemRoot, 'usr/lib/u-boot/qemu_arm/u-boot.bin'), 'else the host\'s');
});

test('IMG0012 without apt-get, fetching u-boot-qemu says which file to copy where', async (t) => {
  const { root, cache } = fixture(t);
  const empty = join(root, 'empty');
  mkdirSync(empty);
  await assert.rejects(
    fetchImages({ dir: cache, env: { PATH: empty }, packages: ['u-boot-qemu'], log: () => undefined }),
    (error: unknown) =>
      error instanceof ImageError &&
      error.message.includes(
        `install Debian's u-boot-qemu package (l4vm is tested with 2023.01+dfsg-2+deb12u3) elsewhere and copy usr/lib/u-boot/qemu_arm/u-boot.bin into ${cache}/u-boot-qemu/ keeping those paths, or pass --bios FILE (or firmware.bios in a configuration)`,
      ),
  );
});

test('IMG0013 configs/uboot.yaml runs a virt VM on the u-boot-qemu image the cache (or the host) has', (t) => {
  const { root, cache } = fixture(t);
  const repository = fileURLToPath(new URL('../../../', import.meta.url));
  const uboot = join(cache, 'u-boot-qemu', 'usr/lib/u-boot/qemu_arm/u-boot.bin');
  mkdirSync(join(uboot, '..'), { recursive: true });
  writeFileSync(uboot, 'u-boot');
  const config = loadSystemConfig(join(repository, 'configs/uboot.yaml'), (path) => findImage(path, { dir: cache, systemRoot: join(root, 'system') }));
  assert.deepEqual(
    config.vms.map((vm) => ({ machine: vm.machine, bios: vm.firmware.bios, disks: vm.disks })),
    [{ machine: 'virt', bios: uboot, disks: [{ file: join(repository, 'guests/virt-demo/disk.img'), mode: 'read-only' }] }],
  );
});
