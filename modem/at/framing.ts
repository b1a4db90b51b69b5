/**
 * Splits an AT byte stream into lines, in both directions (commands into the modem, responses out of
 * it). Rules, after NCS `lib/at_host` and the nRF91 AT reference:
 * - a line ends at CR, LF or CRLF (a CRLF pair ends one line, not two);
 * - inside a double-quoted string CR and LF are content, not terminators: `%CMNG` writes PEM bodies
 *   that way, and `%CMNG` reads return them that way;
 * - a line longer than `maxLineLength` is discarded up to its terminator and reported once as an
 *   overflow, so a 10 MB line costs no more memory than a legal one;
 * - with line editing (the modem's input, as at_host reads its UART): Backspace (0x08) and DEL (0x7F)
 *   delete the character before them, anywhere in the line, and NUL is ignored.
 * Bytes are handled as latin1 so binary junk never fails to decode.
 */
export type FramedItem = { kind: 'line'; line: string } | { kind: 'overflow'; length: number };

export const DEFAULT_MAX_LINE_LENGTH = 16 * 1024;

const CR = 0x0d;
const LF = 0x0a;
const QUOTE = 0x22;
const NUL = 0x00;
const BS = 0x08;
const DEL = 0x7f;

export interface LineFramerOptions {
  /** Backspace/DEL delete and NUL is ignored (NCS lib/at_host uart_rx_handler). */
  lineEditing?: boolean;
}

/**
 * Where the echo of the input goes (`ATE1`): the characters as received, a line end as CRLF so a
 * terminal shows the response on the next line, a deleted character as backspace-space-backspace.
 */
export type EchoSink = (text: string) => void;

export class LineFramer {
  private parts: string[] = [];
  private length = 0;
  private inQuote = false;
  private overflowed = false;
  private lastWasCr = false;
  private newlineInQuote = false;
  /** The last byte echoed was a CR (so the LF of a CRLF echoes nothing). */
  private echoedCr = false;
  private readonly lineEditing: boolean;

  constructor(
    private readonly maxLineLength = DEFAULT_MAX_LINE_LENGTH,
    options: LineFramerOptions = {},
  ) {
    this.lineEditing = options.lineEditing === true;
  }

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

  push(chunk: Buffer, echo?: EchoSink): FramedItem[] {
    if (this.lineEditing || echo) return this.pushEditing(chunk, echo);
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

  /** The modem's side: line editing and echo, byte by byte (command input is small and interactive). */
  private pushEditing(chunk: Buffer, echo: EchoSink | undefined): FramedItem[] {
    const out: FramedItem[] = [];
    const editing = this.lineEditing;
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i] as number;
      if (editing && (byte === NUL || byte === BS || byte === DEL)) {
        this.append(chunk, start, i);
        start = i + 1;
        this.lastWasCr = false;
        this.echoedCr = false;
        if (byte !== NUL && this.deleteLast()) echo?.('\b \b');
        continue;
      }
      if (byte === CR || byte === LF) {
        if (byte === CR || !this.echoedCr) echo?.('\r\n');
        this.echoedCr = byte === CR;
      } else {
        this.echoedCr = false;
        echo?.(String.fromCharCode(byte));
      }
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

  /** Removes the last character of the line; false when there is none to remove. */
  private deleteLast(): boolean {
    if (this.length === 0) return false;
    this.length--;
    if (this.overflowed) return true;
    let last = this.parts.pop() as string;
    while (last.length === 0) last = this.parts.pop() as string;
    const removed = last.charCodeAt(last.length - 1);
    if (last.length > 1) this.parts.push(last.slice(0, -1));
    // The quote state follows the text that is left: deleting a quote closes or reopens the string.
    if (removed === QUOTE) this.inQuote = !this.inQuote;
    if (!this.inQuote) this.newlineInQuote = false;
    return true;
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
    this.echoedCr = false;
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
