// The terminal front end as a person sees it, driven in tmux (send-keys, capture-pane): the focused
// VM's screen under a status line, the hotkey switching VMs and panes, and the terminal given back
// on quitting.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { decode } from 'fast-png';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'l4vm-tmux-'));
const session = `l4vm-test-${process.pid}`;
after(() => {
  spawnSync('tmux', ['kill-session', '-t', session]);
  rmSync(scratch, { recursive: true, force: true });
});

function tmux(...args: string[]): string {
  const result = spawnSync('tmux', args, { encoding: 'utf8' });
  if (result.error !== undefined) throw new Error(`this test needs tmux (Debian package tmux; .ci/run installs it): ${result.error.message}`);
  assert.equal(result.status, 0, `tmux ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

async function screenShows(pattern: RegExp, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let screen = '';
  while (Date.now() < deadline) {
    screen = tmux('capture-pane', '-p', '-t', session);
    if (pattern.test(screen)) return screen;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.fail(`the terminal did not show ${String(pattern)}; it shows:\n${screen}`);
}

test('SCN0007 in a terminal (tmux): the status line names every VM, Ctrl-] 2 switches to the second VM, Ctrl-] w saves its screenshot, Ctrl-] s shows its serial pane, Ctrl-] 3 shows the virt VM\'s serial console and types into it, Ctrl-] q quits and gives the terminal back', async () => {
  const config = join(scratch, 'two.yaml');
  const minibios = join(root, 'guests/minibios/bios.bin');
  writeFileSync(
    config,
    JSON.stringify({
      vms: [
        { name: 'alpha', machine: 'pc', memory: '8M', firmware: { bios: minibios, vgabios: 'none' }, disks: [join(root, 'guests/pc-boot/disk.img')] },
        { name: 'counter', machine: 'pc', memory: '8M', firmware: { bios: minibios, vgabios: 'none' }, disks: [join(root, 'guests/demo-counter/disk.img')] },
        { name: 'arm', machine: 'virt', memory: '16M', firmware: { bios: join(root, 'guests/virt-demo/flash.bin') }, disks: [join(root, 'guests/virt-demo/disk.img')] },
      ],
    }),
  );
  tmux('new-session', '-d', '-s', session, '-x', '100', '-y', '30', '-c', scratch);
  tmux('send-keys', '-t', session, `${join(root, 'bin/l4vm')} run ${config}; echo "EXITED $?"`, 'Enter');
  let screen = await screenShows(/Type keys, Enter ends:/);
  assert.match(screen.split('\n')[0] ?? '', /1 alpha x86 \w+ \| 2 counter x86 \w+ \| 3 arm arm \w+ \| screen \| Ctrl-\]/);
  tmux('send-keys', '-t', session, 'x', 'y');
  await screenShows(/Type keys, Enter ends:xy/);
  tmux('send-keys', '-t', session, 'C-]', '2');
  screen = await screenShows(/l4vm demo: counter/);
  assert.doesNotMatch(screen, /Type keys/, 'the console shows the second VM now');
  tmux('send-keys', '-t', session, 'C-]', 'w');
  screen = await screenShows(/saved l4vm-counter-1\.png/);
  const shots = readdirSync(scratch).filter((name) => name.startsWith('l4vm-counter-') && name.endsWith('.png'));
  assert.equal(shots.length, 1, 'Ctrl-] w saved a screenshot of the focused VM in the current directory');
  const png = decode(readFileSync(join(scratch, shots[0] ?? '')));
  assert.ok(png.width >= 640 && png.height >= 400, `a whole text screen rendered with the font: ${png.width}x${png.height}`);
  tmux('send-keys', '-t', session, 'C-]', 's');
  screen = await screenShows(/counter: 2/);
  assert.match(screen.split('\n')[0] ?? '', /\| serial \|/);
  // The virt board has no screen: its serial console is what the screen pane shows, and keys go into it.
  tmux('send-keys', '-t', session, 'C-]', '3');
  screen = await screenShows(/Hello from the disk of l4vm's virt-demo!/);
  assert.match(screen.split('\n')[0] ?? '', /\| serial console \|/);
  tmux('send-keys', '-t', session, 'help', 'Enter');
  await screenShows(/virt-demo> help\s+help +this list/);
  tmux('send-keys', '-t', session, 'C-]', '1');
  await screenShows(/Type keys, Enter ends:xy/);
  tmux('send-keys', '-t', session, 'C-]', 'q');
  screen = await screenShows(/EXITED 0/);
  assert.doesNotMatch(screen, /1 alpha x86/, 'the alternate screen is gone: the shell\'s screen is back');
});
