import type { Component } from 'svelte';
import type { ViewProps } from './view-props.ts';
import ProjectOverview from './ProjectOverview.svelte';
import SplitsView from './SplitsView.svelte';
import TrainView from './TrainView.svelte';
import RunsView from './RunsView.svelte';
import EvaluateView from './EvaluateView.svelte';
import ExportView from './ExportView.svelte';
import ImportView from './ImportView.svelte';
import DatasetView from './DatasetView.svelte';
import WeightsView from './WeightsView.svelte';
import AssistView from './AssistView.svelte';

export interface WorkspaceTab {
  id: string;
  label: string;
  component: Component<ViewProps>;
}

/**
 * The views of an open project, in the order of the tab bar (Alt+1 … Alt+9). A feature's view
 * adds one entry here.
 */
export const WORKSPACE_TABS: WorkspaceTab[] = [{ id: 'overview', label: 'Overview', component: ProjectOverview },
  { id: 'import', label: 'Import', component: ImportView },
  { id: 'dataset', label: 'Dataset', component: DatasetView },
  { id: 'splits', label: 'Splits', component: SplitsView },
  { id: 'train', label: 'Train', component: TrainView },
  { id: 'runs', label: 'Runs', component: RunsView },
  { id: 'evaluate', label: 'Evaluate', component: EvaluateView },
  { id: 'export', label: 'Export', component: ExportView },
  { id: 'weights', label: 'Weights', component: WeightsView },
  { id: 'assist', label: 'Label with the model', component: AssistView }];
