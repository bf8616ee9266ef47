/**
 * The README's walk-through, run as written: every `sh` block of "Five minutes with it" and "Each
 * role, on the local stack" (bar `npm ci`/`npm start`/`npm test`, which this test stands in for)
 * runs in bash against a local stack started by `npm start`'s entry in a fresh data folder. A
 * command passes when it exits with the code its comment names (`exit code N`), else 0. `text`
 * blocks (with placeholders such as `<intakeId>`) are not run. Commands run from a scratch folder
 * that links `samples/`, `test/` and `node_modules/`, so `> denied.csv` writes nothing into the
 * repository; the ports are free ones, and `127.0.0.1:4580` in a command becomes the stack's.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readState } from '../../shared/adapters/local/stack-state.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SECTIONS = ['## Five minutes with it', '## Each role, on the local stack'];

/** The commands of the README's `sh` blocks in the walk-through sections, continuation lines joined. */
export function readmeCommands(readme: string): string[] {
  const commands: string[] = [];
  for (const title of SECTIONS) {
    const start = readme.indexOf(title);
    assert.ok(start >= 0, `README has a section ${title}`);
    const end = readme.indexOf('\n## ', start + title.length);
    const section = readme.slice(start, end < 0 ? undefined : end);
    for (const m of section.matchAll(/^ *```sh\n([\s\S]*?)^ *```/gm)) {
      const lines = m[1]!.split('\n').map((l) => l.trim());
      let current = '';
      for (const line of lines) {
        if (!line || line.startsWith('#')) continue;
        current += line.endsWith('\\') ? `${line.slice(0, -1)} ` : line;
        if (line.endsWith('\\')) continue;
        if (!/\bnpm (ci|start|test)\b/.test(current)) commands.push(current);
        current = '';
      }
    }
  }
  return commands;
}

function expectedExit(command: string): number {
  const m = /#.*exit code (\d+)/.exec(command);
  return m ? Number(m[1]) : 0;
}

describe('README walk-through', { timeout: 600_000 }, () => {
  let dataDir: string;
  let work: string;
  let stack: ChildProcess;
  let apiUrl: string;
  const env = () => ({ ...process.env, RULING_INTAKE_DATA: dataDir, FORCE_COLOR: '0' });

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'readme-data-'));
    work = await mkdtemp(join(tmpdir(), 'readme-work-'));
    for (const d of ['samples', 'test', 'node_modules']) await symlink(join(ROOT, d), join(work, d));
    stack = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'infra/local/start.ts')], {
      cwd: ROOT,
      env: {
        ...env(),
        RULING_INTAKE_API_PORT: '0',
        RULING_INTAKE_S3_PORT: '0',
        RULING_INTAKE_DYNAMODB_PORT: '0',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    stack.stdout!.resume();
    const deadline = Date.now() + 180_000;
    for (;;) {
      const state = await readState(dataDir);
      if (state) {
        apiUrl = state.apiUrl;
        break;
      }
      assert.ok(Date.now() < deadline, 'the local stack did not start');
      await new Promise((r) => setTimeout(r, 250));
    }
  });

  after(async () => {
    if (stack && stack.exitCode === null) {
      stack.kill('SIGINT');
      await new Promise((r) => stack.once('exit', r));
    }
    await rm(work, { recursive: true, force: true });
    await rm(dataDir, { recursive: true, force: true });
  });

  it('every command does what its comment says', async () => {
    const commands = readmeCommands(await readFile(join(ROOT, 'README.md'), 'utf8'));
    assert.ok(commands.length > 20, `found ${commands.length} commands`);
    const failures: string[] = [];
    for (const command of commands) {
      const run = command
        .replaceAll('npx ruling-intake', `node ${join(ROOT, 'bin/ruling-intake.js')}`)
        .replaceAll('http://127.0.0.1:4580', apiUrl);
      const r = spawnSync('bash', ['-c', run], { cwd: work, env: env(), encoding: 'utf8', timeout: 180_000 });
      if (r.status !== expectedExit(command))
        failures.push(
          `${command}\n  → exit ${r.status}, expected ${expectedExit(command)}\n  ${r.stderr.trim()}`,
        );
    }
    assert.deepEqual(failures, []);
  });
});
