import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EngineClient } from '../../../shared/contract/index.ts';
import { createEngine, type Engine } from '../engine.ts';
import { createInMemoryClient } from '../transports/in-memory.ts';

export interface TestEngine {
  engine: Engine;
  client: EngineClient;
  /** A fresh temporary folder, removed by `dispose`. */
  tmp: string;
  /** Path of a new project folder inside tmp (not created). */
  projectDir: string;
  dispose(): Promise<void>;
}

/** An engine with its own home folder and a temporary directory, talking over the in-memory transport. */
export function createTestEngine(): TestEngine {
  const tmp = mkdtempSync(join(tmpdir(), 'labeltune-test-'));
  const engine = createEngine({ homeDir: join(tmp, 'home') });
  const client = createInMemoryClient(engine);
  return {
    engine,
    client,
    tmp,
    projectDir: join(tmp, 'project'),
    async dispose() {
      client.dispose();
      await engine.close();
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}

/** An engine with a new, open, empty project. */
export async function createTestProject(name = 'Test project'): Promise<TestEngine> {
  const t = createTestEngine();
  await t.client.invoke('project.create', { dir: t.projectDir, name });
  return t;
}
