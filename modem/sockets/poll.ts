import type { Clock, TimerHandle } from '../../core/clock.js';
import { POLLERR, POLLHUP, POLLNVAL, type PollFd } from './constants.js';
import type { ModemSocket } from './modem-socket.js';

/**
 * poll(): fills `revents` for each entry and resolves with how many have any. An fd that is not an
 * open socket reports POLLNVAL; a negative fd is ignored. POLLERR, POLLHUP and POLLNVAL are reported
 * whether asked for or not. `timeoutMs` 0 returns at once, a negative value waits forever; the wait
 * runs on the modem's clock.
 */
export function pollSockets(
  fds: PollFd[],
  timeoutMs: number,
  lookup: (fd: number) => ModemSocket | undefined,
  clock: Clock,
): Promise<number> {
  const evaluate = (): number => {
    let ready = 0;
    for (const p of fds) {
      p.revents = 0;
      if (p.fd < 0) continue;
      const socket = lookup(p.fd);
      p.revents = socket ? socket.pollEvents() & (p.events | POLLERR | POLLHUP) : POLLNVAL;
      if (p.revents !== 0) ready++;
    }
    return ready;
  };
  const now = evaluate();
  if (now > 0 || timeoutMs === 0) return Promise.resolve(now);
  const sockets = [...new Set(fds.map((p) => lookup(p.fd)).filter((s): s is ModemSocket => s !== undefined))];
  return new Promise((resolve) => {
    let timer: TimerHandle | undefined;
    const finish = (count: number): void => {
      for (const s of sockets) s.off('ready', onReady);
      timer?.cancel();
      resolve(count);
    };
    const onReady = (): void => {
      const count = evaluate();
      if (count > 0) finish(count);
    };
    for (const s of sockets) s.on('ready', onReady);
    if (timeoutMs > 0) timer = clock.setTimeout(() => finish(evaluate()), timeoutMs);
  });
}
