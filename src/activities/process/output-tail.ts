/** A bounded tail of a process's output: the last `maxBytes` bytes, whatever was written. */
export class OutputTail {
  private chunks: Buffer[] = [];
  private size = 0;
  /** Bytes written in all, kept or not. */
  total = 0;

  /** @param maxBytes bytes kept (8 KiB by default). */
  constructor(readonly maxBytes = 8192) {}

  write(chunk: Buffer): void {
    this.total += chunk.length;
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size - this.chunks[0]!.length >= this.maxBytes) this.size -= this.chunks.shift()!.length;
  }

  /** The tail as text (a cut multi-byte character at its start is dropped), with a note of what was cut. */
  text(): string {
    let buffer = Buffer.concat(this.chunks);
    if (buffer.length > this.maxBytes) buffer = buffer.subarray(buffer.length - this.maxBytes);
    const text = buffer.toString('utf8').replace(/^\uFFFD+/, '');
    return this.total > buffer.length ? `[… ${this.total - buffer.length} earlier bytes not kept]\n${text}` : text;
  }
}
