/**
 * Data mode on a serial AT session, a seam the modem offers to applications with commands of their
 * own (the Serial LTE Modem's `AT#XSEND` without data): once the running command's response is
 * written, the bytes the client sends are payload for the application, not command lines, until it
 * hands the line back. Only sessions on a byte stream offer it; in-process channels do not.
 */

/** Takes the raw client bytes while data mode lasts. */
export interface DataModeConsumer {
  /**
   * Raw bytes from the client. Returns how many of them belong to data mode: after calling
   * {@link DataModeSession.exit}, the bytes from that count on are command lines again.
   */
  data(chunk: Buffer): number;
}

export interface DataModeSession {
  /**
   * Leaves data mode. Bytes after the terminator are framed as commands at once but run only after
   * `done` settles and its lines (the SLM's `#XDATAMODE: 0`) are written. Notifications held during
   * data mode follow those lines.
   */
  exit(done: Promise<readonly string[]> | readonly string[]): void;
  readonly active: boolean;
}

/** What a command handler reaches through `ctx.session.dataMode`. */
export interface DataModePort {
  /**
   * Switches the session to data mode once the running command's response is written; bytes the
   * client sent after the command line (even in the same write) go to `consumer`.
   */
  enterDataMode(consumer: DataModeConsumer): DataModeSession;
}
