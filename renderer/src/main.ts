import { mount } from 'svelte';
import App from './App.svelte';
import { connect } from './lib/api/connect.ts';
import { ConnectionState } from './lib/state/connection.svelte.ts';
import { JobsState } from './lib/state/jobs.svelte.ts';
import { Navigation } from './lib/state/navigation.svelte.ts';
import { ProjectState } from './lib/state/project.svelte.ts';
import { handleError, reportFinishedJob, toasts } from './lib/state/toasts.svelte.ts';
import './app.css';

const connection = new ConnectionState();
const { client, shell, mode } = connect(window, (s) => connection.set(s));
const nav = new Navigation(window);
// A reload after the engine restarted finds no project open: reopen the one the window showed.
const project = new ProjectState(client, handleError, nav.place.project);
const jobs = new JobsState(client, handleError, (job) => reportFinishedJob(job));

mount(App, {
  target: document.getElementById('app')!,
  props: { client, project, jobs, toasts, connection, shell, mode, nav },
});
