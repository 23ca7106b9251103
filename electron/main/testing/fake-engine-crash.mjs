// The engine process dies under the window, twice (FAKE_KILL_ENGINE): what the window sees of it.

/**
 * `call` is the window's engine:invoke, `utility` the fake's record of forked utility processes.
 * The first engine is stopped (SIGSTOP) so that a request is certainly in flight, then killed; the
 * app must reject that request, restart the engine with the project reopened, and answer again. The
 * restarted engine is killed too: the app must give up and refuse at once from then on.
 */
export async function crashEngine(call, utility) {
  const first = utility.at(-1);
  const before = await call('project.info', {});
  process.kill(first.pid, 'SIGSTOP');
  const inFlight = call('project.info', {});
  await sleep(200);
  process.kill(first.pid, 'SIGKILL');
  const rejected = await inFlight;
  const afterRestart = await call('project.info', {});
  const second = utility.at(-1);
  process.kill(second.pid, 'SIGKILL');
  await until(() => second.exit !== null);
  const afterSecondDeath = await call('project.info', {});
  return { pids: [first.pid, second.pid], before, rejected, afterRestart, afterSecondDeath };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(done) {
  for (let i = 0; i < 200 && !done(); i++) await sleep(25);
  await sleep(25); // the exit event has reached the app's listener too
}
