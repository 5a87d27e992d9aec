/** Bit-level writing and reading for snapshots: fields take the bits they need, not whole bytes. */
export class BitWriter {
  #bytes: Uint8Array;
  #bit = 0;

  constructor(initialBytes = 256) {
    this.#bytes = new Uint8Array(initialBytes);
  }

  /** Write the low `count` bits of `value` (a non-negative safe integer; count ≤ 53). */
  bits(value: number, count: number): void {
    for (let i = count - 1; i >= 0; i--) this.#bit1(Math.floor(value / 2 ** i) & 1);
  }

  bool(value: boolean): void {
    this.#bit1(value ? 1 : 0);
  }

  /** Unsigned integer in 4-bit groups, each followed by a "more" bit: 0–15 cost 5 bits. */
  varuint(value: number): void {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`varuint needs a non-negative safe integer, got ${value}`);
    do {
      const group = value % 16;
      value = Math.floor(value / 16);
      this.bits(group, 4);
      this.#bit1(value > 0 ? 1 : 0);
    } while (value > 0);
  }

  /** Signed integer, zigzag-mapped so small magnitudes stay small. */
  varint(value: number): void {
    this.varuint(value >= 0 ? value * 2 : -value * 2 - 1);
  }

  finish(): Uint8Array {
    return this.#bytes.slice(0, Math.ceil(this.#bit / 8));
  }

  #bit1(bit: number): void {
    const byte = this.#bit >> 3;
    if (byte >= this.#bytes.length) {
      const grown = new Uint8Array(this.#bytes.length * 2);
      grown.set(this.#bytes);
      this.#bytes = grown;
    }
    if (bit) this.#bytes[byte]! |= 0x80 >> (this.#bit & 7);
    this.#bit++;
  }
}

/** A snapshot ended before its last field. */
export class TruncatedSnapshotError extends Error {
  override name = 'TruncatedSnapshotError';
  constructor() {
    super('snapshot ended early');
  }
}

/** Reads the bit-packed fields of a snapshot. */
export class BitReader {
  #bit = 0;

  constructor(private readonly bytes: Uint8Array) {}

  bits(count: number): number {
    let value = 0;
    for (let i = 0; i < count; i++) value = value * 2 + this.#bit1();
    return value;
  }

  bool(): boolean {
    return this.#bit1() === 1;
  }

  varuint(): number {
    let value = 0;
    let scale = 1;
    for (let groups = 0; ; groups++) {
      if (groups > 13) throw new RangeError('varuint too long');
      value += this.bits(4) * scale;
      scale *= 16;
      if (this.#bit1() === 0) return value;
    }
  }

  varint(): number {
    const zigzag = this.varuint();
    return zigzag % 2 === 0 ? zigzag / 2 : -(zigzag + 1) / 2;
  }

  /** Bits left are only padding (fewer than 8, all zero). */
  get atEnd(): boolean {
    return this.bytes.length * 8 - this.#bit < 8;
  }

  #bit1(): number {
    const byte = this.#bit >> 3;
    if (byte >= this.bytes.length) throw new TruncatedSnapshotError();
    const bit = ((this.bytes[byte] as number) >> (7 - (this.#bit & 7))) & 1;
    this.#bit++;
    return bit;
  }
}
