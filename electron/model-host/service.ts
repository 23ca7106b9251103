import type { HostArgs, HostEvent, HostMethod, HostResult, TrainControl } from '../../shared/contract/model-host.ts';

/** What a service gets besides its arguments: a way to report, to notice cancellation, and training's controls. */
export interface ServiceContext<M extends HostMethod> {
  emit(event: HostEvent<M>): void;
  /** Aborted when the engine cancels the request; services stop at their next safe point. */
  readonly signal: AbortSignal;
  /** Training only: the engine's pause, resume and checkpoint answers. */
  onControl(listener: (c: TrainControl) => void): void;
}

export type Service<M extends HostMethod> = (args: HostArgs<M>, ctx: ServiceContext<M>) => Promise<HostResult<M>>;

/** One service per protocol method: the map is total, so a method without a service does not compile. */
export type Services = { [M in HostMethod]: Service<M> };
