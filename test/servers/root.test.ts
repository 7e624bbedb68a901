// The root task: builds a system from a configuration, hands each task exactly the capabilities
// the configuration names, and refuses a wrong configuration naming the field, creating nothing.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Sys } from '../../src/kernel/syscalls.js';
import { System } from '../../src/kernel/system.js';
import { KernelLabel, Rights } from '../../src/kernel/types.js';
import { ConfigError, validateConfig, type CapabilityConfig, type Program } from '../../src/servers/root/config.js';
import { boot } from '../../src/servers/root/root.js';

const idle = async (sys: Sys): Promise<void> => {
  await sys.sleep(Number.POSITIVE_INFINITY);
};

function programs(extra: Record<string, Program> = {}): Map<string, Program> {
  return new Map<string, Program>([['idle', idle], ...Object.entries(extra)]);
}

/** The capability `name` of task `index` of a configuration, for editing it in a test. */
function capOf(config: typeof goodConfig, index: number, name: string): CapabilityConfig {
  const caps = config.tasks[index].caps as Record<string, CapabilityConfig> | undefined;
  const cap = caps?.[name];
  assert.ok(cap);
  return cap;
}

const goodConfig = {
  tasks: [
    { name: 'log', program: 'idle', priority: 120, objects: { requests: { kind: 'endpoint' }, ring: { kind: 'dataspace', size: 8192 } } },
    {
      name: 'vm1',
      program: 'idle',
      caps: {
        log: { task: 'log', object: 'requests', rights: 'w', badge: 1 },
        ring: { task: 'log', object: 'ring', rights: 'rw' },
      },
    },
    { name: 'vm2', program: 'idle', caps: { log: { task: 'log', object: 'requests', badge: 2 } } },
  ],
};

async function bootAndRun(config: unknown, extra: Record<string, Program> = {}): Promise<System> {
  const system = await System.start({ log: () => undefined });
  const booting = boot(system, config, programs(extra));
  await system.cpu0.kernel.run();
  await booting.done;
  return system;
}

function task(system: System, name: string) {
  const found = [...system.cpu0.kernel.tasks].find((t) => t.name === name);
  assert.ok(found, `task ${name} exists`);
  return found;
}

test('ROOT0001 every task gets exactly the capabilities its configuration names', async () => {
  const system = await bootAndRun(goodConfig);
  const log = task(system, 'log');
  const vm1 = task(system, 'vm1');
  const vm2 = task(system, 'vm2');
  assert.deepEqual([...log.environment.keys()], ['requests', 'ring']);
  assert.deepEqual([...vm1.environment.keys()], ['log', 'ring']);
  assert.deepEqual([...vm2.environment.keys()], ['log']);
  // Nothing beyond the named capabilities is in any capability space.
  assert.equal(log.capabilities.entries().length, 2);
  assert.equal(vm1.capabilities.entries().length, 2);
  assert.equal(vm2.capabilities.entries().length, 1);
  const cap = (t: typeof vm1, name: string) => {
    const slot = t.environment.get(name);
    assert.notEqual(slot, undefined);
    const c = t.capabilities.get(slot ?? -1);
    assert.ok(c);
    return c;
  };
  assert.equal(cap(log, 'requests').rights, Rights.all);
  assert.equal(cap(vm1, 'log').rights, Rights.write);
  assert.equal(cap(vm1, 'log').badge, 1);
  assert.equal(cap(vm2, 'log').badge, 2);
  assert.equal(cap(vm2, 'log').rights, Rights.write, 'the default right for an endpoint is send only');
  assert.equal(cap(vm1, 'ring').rights, Rights.read | Rights.write);
  assert.equal(cap(vm1, 'ring').size, 8192);
  assert.equal(cap(vm1, 'log').object, cap(log, 'requests').object, 'both name the same endpoint');
});

function refuses(config: unknown, field: string, words: RegExp, cpus = 1): void {
  assert.throws(
    () => validateConfig(config, programs(), cpus),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError, `a ConfigError, got ${String(error)}`);
      assert.equal(error.field, field);
      assert.match(error.message, words);
      assert.ok(error.message.startsWith(`${field}: `), 'the message starts with the field');
      return true;
    },
  );
}

test('ROOT0002 a configuration naming an unknown task is refused, naming the field, and nothing is created', async () => {
  const config = structuredClone(goodConfig);
  capOf(config, 2, 'log').task = 'logger';
  refuses(config, 'tasks[2].caps.log.task', /no task named "logger"/);
  const system = await System.start();
  assert.throws(() => boot(system, config, programs()), ConfigError);
  assert.equal(system.cpu0.kernel.tasks.size, 0, 'no task was created');
  assert.equal(system.cpu0.kernel.threads.size, 0, 'no thread was created');
});

test('ROOT0003 a configuration naming an unknown capability or object is refused, naming the field', () => {
  const unknownObject = structuredClone(goodConfig);
  capOf(unknownObject, 1, 'log').object = 'requests2';
  refuses(unknownObject, 'tasks[1].caps.log.object', /declares no object named "requests2"/);
  refuses(
    { tasks: [{ name: 'a', program: 'idle', faultHandler: 'faults' }] },
    'tasks[0].faultHandler',
    /no capability named "faults"/,
  );
  refuses(
    { tasks: [{ name: 'a', program: 'idle', objects: { d: { kind: 'dataspace', size: 4096 } }, faultHandler: 'd' }] },
    'tasks[0].faultHandler',
    /not an endpoint/,
  );
});

test('ROOT0004 other configuration errors name their field', () => {
  refuses({}, 'tasks', /non-empty list/);
  refuses({ tasks: [], extra: 1 }, 'configuration.extra', /unknown field/);
  refuses({ tasks: [{ name: 'a', program: 'nope' }] }, 'tasks[0].program', /no program named "nope"/);
  refuses({ tasks: [{ name: 'a', program: 'idle', cpu: 1 }] }, 'tasks[0].cpu', /from 0 to 0/);
  refuses({ tasks: [{ name: 'a', program: 'idle', cpu: 1 }] }, 'tasks[0].cpu', /function of the main thread/, 2);
  refuses({ tasks: [{ name: 'a', program: 'idle', priority: 255 }] }, 'tasks[0].priority', /from 0 to 254/);
  refuses({ tasks: [{ name: 'a', program: 'idle', prio: 3 }] }, 'tasks[0].prio', /unknown field/);
  refuses({ tasks: [{ name: 'a', program: 'idle' }, { name: 'a', program: 'idle' }] }, 'tasks[1].name', /named twice/);
  refuses({ tasks: [{ name: 'a', program: 'idle', objects: { e: { kind: 'pipe' } } }] }, 'tasks[0].objects.e.kind', /not one of/);
  refuses({ tasks: [{ name: 'a', program: 'idle', objects: { e: { kind: 'dataspace' } } }] }, 'tasks[0].objects.e.size', /needs its size/);
  const badRights = structuredClone(goodConfig);
  capOf(badRights, 1, 'log').rights = 'rx';
  refuses(badRights, 'tasks[1].caps.log.rights', /letters r, w, g/);
  refuses(
    { tasks: [{ name: 'a', program: 'idle', objects: { d: { kind: 'dataspace', size: 1 } } }, { name: 'b', program: 'idle', caps: { d: { task: 'a', object: 'd', badge: 3 } } }] },
    'tasks[1].caps.d.badge',
    /no badge/,
  );
});

test('ROOT0005 capabilities from the configuration are derived from the original: destroying the object removes them', async () => {
  let deleted: string | null = 'not run';
  const owner = async (sys: Sys): Promise<void> => {
    await sys.sleep(1000);
    deleted = await sys.delete(sys.capability('requests'));
  };
  const system = await bootAndRun(
    { tasks: [{ name: 'owner', program: 'owner', objects: { requests: { kind: 'endpoint' } } }, { name: 'client', program: 'idle', caps: { server: { task: 'owner', object: 'requests' } } }] },
    { owner },
  );
  assert.equal(deleted, null);
  const client = task(system, 'client');
  assert.equal(client.capabilities.entries().length, 0, "the client's capability went with the object");
});

test('ROOT0006 the fault handler named in the configuration receives the fault', async () => {
  const seen: string[] = [];
  const supervisor = async (sys: Sys): Promise<void> => {
    const r = await sys.receive(sys.capability('faults'));
    const item = sys.received[0];
    seen.push(`${r.ok ? r.tag.label : r.error} ${r.ok ? r.badge : ''} ${item?.kind === 'string' ? new TextDecoder().decode(item.bytes).split('\n')[0] : ''}`);
  };
  const crasher = async (): Promise<void> => {
    throw new TypeError('bad thing');
  };
  await bootAndRun(
    {
      tasks: [
        { name: 'supervisor', program: 'supervisor', objects: { faults: { kind: 'endpoint' } } },
        { name: 'crasher', program: 'crasher', caps: { handler: { task: 'supervisor', object: 'faults', badge: 4 } }, faultHandler: 'handler' },
      ],
    },
    { supervisor, crasher },
  );
  assert.deepEqual(seen, [`${KernelLabel.fault} 4 TypeError: bad thing`]);
});
