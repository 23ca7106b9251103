import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startServer } from '../../server/server.ts';
import { PROJECT_DB } from '../../projects/project.ts';
import { createDemoProject } from '../../datasets/demo/create-demo-project.ts';
import { type Command, UsageError, numberOption, shellPath } from '../command.ts';

export const serveCommand: Command = {
  name: 'serve',
  usage: 'serve [project-dir] [--port N] [--sample]',
  summary: 'Browser mode: serve the app on 127.0.0.1 and print its URL (with an access token); --sample opens (or first creates) a demo project.',
  options: { port: { type: 'string' }, sample: { type: 'boolean' } },
  maxPositionals: 1,
  async run({ positionals, values, engine, client, json, out, err }) {
    const port = numberOption(values, 'port') ?? 0;
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port must be between 0 and 65535');
    const dir = positionals[0] !== undefined ? shellPath(positionals[0]) : (values.sample ? join(engine.ctx.homeDir, 'sample-project') : undefined);
    if (dir) {
      const exists = existsSync(join(dir, PROJECT_DB));
      if (!exists && !values.sample) {
        throw new UsageError(`${dir} is not a LabelTune project; create it with "labeltune init ${dir}" or use --sample`);
      }
      if (exists) await client.invoke('project.open', { dir });
      else {
        if (!json) err(`Creating the sample project (synthetic chest X-rays) in ${dir} ...`);
        await createDemoProject(dir, { client });
      }
    }
    const server = await startServer({ engine, port });
    const info = engine.ctx.hasProject ? engine.ctx.project().info() : null;
    if (json) out(JSON.stringify({ url: server.url, port: server.port, token: server.token, project: info }));
    else {
      out(`LabelTune is serving ${info ? `"${info.name}" (${info.dir})` : 'no project'} in browser mode.`);
      out(`Open ${server.url}`);
      err('Press Ctrl+C to stop.');
    }
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await server.close();
    return undefined;
  },
};
