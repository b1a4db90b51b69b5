/**
 * Runs `fn` once the current event-loop turn is over, after the I/O callbacks that are ready now
 * (`setImmediate`): where work that many callbacks of one turn share is done once, such as one host
 * write for a loop of sends or one wake-up for chunks that arrived together. This is ordering, not
 * time: it behaves the same under a VirtualClock, which gives the event loop a turn between timers.
 */
export function afterTurn(fn: () => void): void {
  setImmediate(fn);
}
