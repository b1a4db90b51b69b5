/**
 * `MQTTBufferHandle_t`: the buffer a received publish sits in. A callback that returns true takes
 * it and must give it back with `returnBuffer`; one that returns false leaves it to the agent, which
 * clears it as soon as the callbacks are done (prvReturnBuffer zeroes the memory), so its bytes
 * must be copied if they are needed later.
 */
export class MqttBufferHandle {
  private inUse = true;

  /** @internal */
  constructor(
    /** @internal */ readonly owner: BufferPool,
    /** The received payload; zero-filled once the buffer is back in the pool. */
    readonly data: Buffer,
  ) {}

  /** False once the buffer has gone back to the pool. */
  get held(): boolean {
    return this.inUse;
  }

  /** @internal */
  release(): boolean {
    if (!this.inUse) return false;
    this.inUse = false;
    this.data.fill(0);
    return true;
  }
}

/**
 * The central buffer pool (aws_bufferpool.c): a fixed number of receive buffers. When every one is
 * held by the application, what arrives is dropped (eMQTTPacketDropped) until one comes back.
 */
export class BufferPool {
  private out = 0;

  /** @param size bufferpoolconfigNUM_BUFFERS. */
  constructor(readonly size: number) {}

  /** Buffers in use (taken by a callback or being dispatched). */
  get inUse(): number {
    return this.out;
  }

  /** A buffer holding `data`, or undefined when the pool is empty. */
  take(data: Buffer): MqttBufferHandle | undefined {
    if (this.out >= this.size) return undefined;
    this.out++;
    return new MqttBufferHandle(this, data);
  }

  /** Puts `buffer` back; false for a buffer of another pool or one already returned. */
  give(buffer: MqttBufferHandle): boolean {
    if (buffer.owner !== this || !buffer.release()) return false;
    this.out--;
    return true;
  }
}
