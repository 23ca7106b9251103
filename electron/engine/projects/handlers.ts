import { z } from 'zod';
import type { ProjectHandlers } from '../../../shared/contract/project.ts';
import type { EngineContext } from '../context.ts';
import { type Implementation, NAME_MAX, noArgs, nonEmpty, typedName } from '../handler.ts';
import { absolutePath } from './paths.ts';
import { Project } from './project.ts';

export function projectHandlers(ctx: EngineContext): Implementation<ProjectHandlers> {
  return {
    'project.create': {
      schema: z.object({ dir: nonEmpty('dir'), name: z.string().trim().max(NAME_MAX, { message: `name must be at most ${NAME_MAX} characters; shorten it` }).optional() }),
      run: async ({ dir, name }) => {
        const project = Project.create(absolutePath(dir), name);
        await ctx.setProject(project);
        return project.info();
      },
    },
    'project.open': {
      schema: z.object({ dir: nonEmpty('dir') }),
      run: async ({ dir }) => {
        const project = Project.open(absolutePath(dir));
        await ctx.setProject(project);
        return project.info();
      },
    },
    'project.info': {
      schema: noArgs,
      run: () => ctx.project().info(),
    },
    'project.close': {
      schema: noArgs,
      run: async () => {
        const closed = ctx.hasProject;
        await ctx.setProject(null);
        return { closed };
      },
    },
    'project.rename': {
      schema: z.object({ name: typedName('name') }),
      run: ({ name }) => {
        const project = ctx.project();
        project.rename(name);
        ctx.recent.touch({ dir: project.dir, name: project.name });
        return ctx.projectChanged() ?? project.info();
      },
    },
    'project.recent': {
      schema: noArgs,
      run: () => ctx.recent.list(),
    },
  };
}
