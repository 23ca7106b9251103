import { EngineError } from '../../../../shared/contract/errors.ts';
import type { Args, EngineClient, EventName, Events, Method, Result } from '../../../../shared/contract/index.ts';
import type { CountsDelta, CountsMoved } from '../../../../shared/domain/counts.ts';
import type { ProjectInfo } from '../../../../shared/domain/project.ts';
import { Listeners } from '../api/listeners.ts';

export type Answers = { [M in Method]?: (args: Args<M>) => Result<M> | Promise<Result<M>> };

/** An engine client for component tests: canned answers per method, events emitted by hand. */
export class FakeClient implements EngineClient {
  readonly calls: { method: string; args: unknown }[] = [];
  private readonly listeners = new Listeners();

  constructor(private readonly answers: Answers = {}) {}

  async invoke<M extends Method>(method: M, args: Args<M>): Promise<Result<M>> {
    this.calls.push({ method, args });
    const answer = this.answers[method] as ((a: Args<M>) => Result<M> | Promise<Result<M>>) | undefined;
    if (!answer) throw new EngineError('unsupported', `The fake engine has no answer for "${method}".`);
    return answer(args);
  }

  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void {
    return this.listeners.add(event, listener as (p: unknown) => void);
  }

  emit<E extends EventName>(event: E, payload: Events[E]): void {
    this.listeners.emit(event, payload);
  }

  assetUrl(path: string): string {
    return `fake://asset/${path}`;
  }
}

export function projectInfo(overrides: Partial<ProjectInfo> = {}): ProjectInfo {
  return {
    dir: '/data/chest-xray',
    name: 'Chest X-ray triage',
    createdAt: '2026-11-28T10:00:00.000Z',
    schemaVersion: 1,
    counts: { images: 12_345, labelled: 678, excluded: 9, classes: 3, runs: 2 },
    ...overrides,
  };
}

/** A write's count delta for fake answers: zeros except what `moved` names. */
export function countsMoved(moved: Partial<CountsDelta> = {}): CountsMoved {
  return { counts: { total: 0, perClass: {}, unlabeled: 0, excluded: 0, perSplit: {}, labelledPerTask: {}, ...moved } };
}
