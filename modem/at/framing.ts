/**
 * Splits an AT byte stream into lines, in both directions (commands into the modem, responses out of
 * it). Rules, after NCS `lib/at_host` and the nRF91 AT reference:
 * - a line ends at CR, LF or CRLF (a CRLF pair ends one line, not two);
 * - inside a double-quoted string CR and LF are content, not terminators: `%CMNG` writes PEM bodies
 *   that way, and `%CMNG` reads return them that way;
 * - a line longer than `maxLineLength` is discarded up to its terminator and reported once as an
 *   overflow, so a 10 MB line costs no more memory than a legal one.
 * Bytes are handled as latin1 so binary junk never fails to decode.
 */
export type FramedItem = { kind: 'line'; line: string } | { kind: 'overflow'; length: number };

export const DEFAULT_MAX_LINE_LENGTH = 16 * 1024;

const CR = 0x0d;
const LF = 0x0a;
const QUOTE = 0x22;

export class LineFramer {
  private parts: string[] = [];
  private length = 0;
  private inQuote = false;
  private overflowed = false;
  private lastWasCr = false;
  private newlineInQuote = false;

  constructor(private readonly maxLineLength = DEFAULT_MAX_LINE_LENGTH) {}

  /** True while a line has started but not ended. */
  get partial(): boolean {
    return this.length > 0 || this.overflowed;
  }

  /**
   * True when a quoted string is open and the sender has already pressed Enter inside it: a client
   * that forgot the closing quote. The session answers it with ERROR after a quiet period.
   */
  get stuckInQuote(): boolean {
    return this.inQuote && this.newlineInQuote;
  }

  push(chunk: Buffer): FramedItem[] {
    const out: FramedItem[] = [];
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i] as number;
      if (this.inQuote) {
        if (byte === QUOTE) this.inQuote = false;
        else if (byte === CR || byte === LF) this.newlineInQuote = true;
        this.lastWasCr = false;
        continue;
      }
      if (byte === CR || byte === LF) {
        this.append(chunk, start, i);
        start = i + 1;
        if (byte === LF && this.lastWasCr) {
          this.lastWasCr = false;
          continue;
        }
        this.lastWasCr = byte === CR;
        out.push(this.finish());
        continue;
      }
      this.lastWasCr = false;
      if (byte === QUOTE) this.inQuote = true;
    }
    this.append(chunk, start, chunk.length);
    return out;
  }

  /** Drops a partial line (used when a stuck quote times out). Returns whether anything was dropped. */
  reset(): boolean {
    const had = this.partial;
    this.parts = [];
    this.length = 0;
    this.inQuote = false;
    this.overflowed = false;
    this.newlineInQuote = false;
    this.lastWasCr = false;
    return had;
  }

  private append(chunk: Buffer, from: number, to: number): void {
    if (to <= from) return;
    const n = to - from;
    if (this.overflowed) {
      this.length += n;
      return;
    }
    if (this.length + n > this.maxLineLength) {
      this.overflowed = true;
      this.parts = [];
      this.length += n;
      return;
    }
    this.parts.push(chunk.toString('latin1', from, to));
    this.length += n;
  }

  private finish(): FramedItem {
    const item: FramedItem = this.overflowed
      ? { kind: 'overflow', length: this.length }
      : { kind: 'line', line: this.parts.join('') };
    this.parts = [];
    this.length = 0;
    this.overflowed = false;
    this.newlineInQuote = false;
    return item;
  }
}
