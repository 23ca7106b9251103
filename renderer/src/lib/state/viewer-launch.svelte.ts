import type { EngineClient } from '../../../../shared/contract/index.ts';

/**
 * The image viewer opened from a view other than the grid (Evaluate, Splits): which image, and the
 * class names its label history needs, loaded once on the first open.
 */
export class ViewerLaunch {
  imageId = $state<number | null>(null);
  private names = $state<Map<number, string> | null>(null);

  constructor(
    private readonly client: EngineClient,
    private readonly onError: (e: unknown) => void,
  ) {}

  async open(imageId: number): Promise<void> {
    this.imageId = imageId;
    if (this.names) return;
    try {
      const tasks = await this.client.invoke('labels.tasks', {});
      this.names = new Map(tasks.flatMap((t) => t.classes.map((c) => [c.id, c.name] as const)));
    } catch (e) {
      this.onError(e);
    }
  }

  close(): void {
    this.imageId = null;
  }

  readonly className = (id: number): string => this.names?.get(id) ?? `#${id}`;
}
