import type { ProjectInfo } from '../../../../shared/domain/project.ts';
import { type Command, shellPath } from '../command.ts';

export const initCommand: Command = {
  name: 'init',
  usage: 'init <dir> [--name NAME]',
  summary: 'Create a new, empty project in <dir>.',
  options: { name: { type: 'string' } },
  minPositionals: 1,
  maxPositionals: 1,
  async run({ positionals, values, client, json, out }) {
    const info = await client.invoke('project.create', { dir: shellPath(positionals[0]), name: values.name as string | undefined });
    if (!json) out(`Created project "${info.name}" in ${info.dir}`);
    return info;
  },
};

export const infoCommand: Command = {
  name: 'info',
  usage: 'info <dir>',
  summary: 'Show a project: name, schema version, counts of images, labels, classes and runs.',
  minPositionals: 1,
  maxPositionals: 1,
  async run({ positionals, client, json, out }) {
    const info = await client.invoke('project.open', { dir: shellPath(positionals[0]) });
    if (!json) out(formatInfo(info));
    return info;
  },
};

export function formatInfo(info: ProjectInfo): string {
  const c = info.counts;
  return [
    `Project   ${info.name}`,
    `Folder    ${info.dir}`,
    `Created   ${info.createdAt}`,
    `Schema    ${info.schemaVersion}`,
    `Images    ${c.images} (${c.labelled} labelled, ${c.excluded} excluded)`,
    `Classes   ${c.classes}`,
    `Runs      ${c.runs}`,
  ].join('\n');
}
