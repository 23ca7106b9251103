import type { EngineClient } from '../../../shared/contract/index.ts';
import type { ShellClient } from '../lib/api/bridge-client.ts';
import type { ProjectInfo } from '../../../shared/domain/project.ts';
import type { Navigation } from '../lib/state/navigation.svelte.ts';

/**
 * What every workspace view receives. Its own module because tabs.ts imports every view: a view
 * that took this type from tabs.ts would import the list that imports it.
 */
export interface ViewProps {
  client: EngineClient;
  info: ProjectInfo;
  onError: (e: unknown) => void;
  /** Native dialogs in the desktop app; null in browser mode, where paths are typed. */
  shell?: ShellClient | null;
  /** Where the window is (view, run), kept over a reload; absent in tests that do not need it. */
  nav?: Navigation | null;
}
