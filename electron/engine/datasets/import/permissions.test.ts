import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Project } from '../../projects/project.ts';
import { pattern, rawPng } from '../../../imaging/testing/fixtures.ts';

const CLI = fileURLToPath(new URL('../../cli/labeltune.mjs', import.meta.url));
const SETPRIV = '/usr/bin/setpriv';
// Root reads every file whatever its mode, so the CLI runs as `nobody` to meet a permission error.
const canTest = process.getuid?.() === 0 && existsSync(SETPRIV);

const tmp = mkdtempSync(join(tmpdir(), 'labeltune-perm-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function asNobody(args: string[]) {
  const env = { ...process.env, LABELTUNE_HOME: join(tmp, 'home') };
  return spawnSync(SETPRIV, ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, CLI, ...args], { env, encoding: 'utf8' });
}

describe.skipIf(!canTest)('files the user may not read', () => {
  it('are reported as unreadable, and the readable ones are imported', async () => {
    chmodSync(tmp, 0o777);
    const dir = join(tmp, 'in');
    mkdirSync(join(dir, 'locked'), { recursive: true });
    writeFileSync(join(dir, 'ok.png'), await rawPng(pattern(16, 16, 1, 1), 16, 16, 1));
    writeFileSync(join(dir, 'secret.png'), await rawPng(pattern(16, 16, 1, 2), 16, 16, 1));
    writeFileSync(join(dir, 'locked', 'inside.png'), await rawPng(pattern(16, 16, 1, 3), 16, 16, 1));
    const project = join(tmp, 'project');
    Project.create(project, 'Permissions').close();
    mkdirSync(join(tmp, 'home'));
    execFileSync('chmod', ['-R', 'a+rwX', tmp]); // the project and home folders are nobody's to write
    chmodSync(join(dir, 'secret.png'), 0o000);
    chmodSync(join(dir, 'locked'), 0o000);

    const run = asNobody(['import', project, dir, '--json']);
    expect(run.status).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.imported).toBe(1);
    const issues = Object.fromEntries(report.issues.map((i: { path: string; code: string; message: string }) => [i.path.split('/').pop(), [i.code, i.message]]));
    expect(Object.keys(issues).sort()).toEqual(['locked', 'secret.png']);
    expect(issues['secret.png'][0]).toBe('unreadable');
    expect(issues['secret.png'][1]).toContain('permission denied');
    expect(issues.locked[0]).toBe('unreadable');
  });
});
