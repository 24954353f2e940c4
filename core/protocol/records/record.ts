// One record inside a magic-2 batch (Kafka DefaultRecord):
//   length varint | attributes int8 | timestampDelta varlong | offsetDelta varint |
//   keyLength varint | key | valueLength varint | value | headerCount varint |
//   [headerKeyLength varint | headerKey (utf-8) | headerValueLength varint | headerValue]...
// All lengths are zigzag varints; -1 means null (key, value, header value). `length` counts the
// bytes after itself.
import { ProtocolError, Reader, sizeOfVarint, sizeOfVarlong, Writer } from '../primitives.js';

export interface KafkaRecord {
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: { key: string; value: Buffer | null }[];
}

export interface RecordHeaderInput {
  key: string;
  value: Buffer | null;
}

export interface RecordInput {
  key?: Buffer | null;
  value?: Buffer | null;
  headers?: RecordHeaderInput[];
  timestamp?: number;
}

function sizeOfNullableBytes(b: Uint8Array | null): number {
  return b === null ? 1 : sizeOfVarint(b.length) + b.length;
}

/** Appends one record (with its length prefix) to w. */
export function writeRecord(
  w: Writer,
  offsetDelta: number,
  timestampDelta: number,
  key: Buffer | null,
  value: Buffer | null,
  headers: readonly RecordHeaderInput[],
): void {
  const headerKeys = headers.map((h) => Buffer.from(h.key, 'utf8'));
  let bodySize =
    1 + sizeOfVarlong(timestampDelta) + sizeOfVarint(offsetDelta) + sizeOfNullableBytes(key) + sizeOfNullableBytes(value);
  bodySize += sizeOfVarint(headers.length);
  for (let i = 0; i < headers.length; i++) {
    bodySize += sizeOfNullableBytes(headerKeys[i]!) + sizeOfNullableBytes(headers[i]!.value);
  }
  w.varint(bodySize);
  const start = w.length;
  w.int8(0); // record attributes: unused by every format version so far
  w.varlong(timestampDelta);
  w.varint(offsetDelta);
  writeNullableBytes(w, key);
  writeNullableBytes(w, value);
  w.varint(headers.length);
  for (let i = 0; i < headers.length; i++) {
    writeNullableBytes(w, headerKeys[i]!);
    writeNullableBytes(w, headers[i]!.value);
  }
  if (w.length - start !== bodySize) throw new Error(`record size mismatch: computed ${bodySize}, wrote ${w.length - start}`);
}

function writeNullableBytes(w: Writer, b: Uint8Array | null): void {
  if (b === null) {
    w.varint(-1);
  } else {
    w.varint(b.length);
    w.raw(b);
  }
}

export interface RecordContext {
  baseOffset: number;
  firstTimestamp: number;
  /** Set for LogAppendTime batches: every record's timestamp is the batch's maxTimestamp. */
  logAppendTime: number | null;
}

/**
 * Decodes exactly `count` records filling buf[start, end). Key, value and header values are
 * slices of buf. Throws ProtocolError on any structural problem.
 */
export function readRecords(buf: Buffer, start: number, end: number, count: number, ctx: RecordContext): KafkaRecord[] {
  const r = new Reader(buf, start, end);
  const out: KafkaRecord[] = [];
  for (let i = 0; i < count; i++) {
    if (r.remaining === 0) throw new ProtocolError(`batch declares ${count} records but holds only ${i}`);
    const length = r.varint();
    if (length < 0 || length > r.remaining) throw new ProtocolError(`record ${i} has invalid length ${length}`);
    const recordEnd = r.pos + length;
    const rr = new Reader(buf, r.pos, recordEnd);
    rr.int8();
    const timestampDelta = rr.varlong();
    const offsetDelta = rr.varint();
    const key = readNullableBytes(rr, 'key');
    const value = readNullableBytes(rr, 'value');
    const headerCount = rr.varint();
    if (headerCount < 0) throw new ProtocolError(`record ${i} has a negative header count ${headerCount}`);
    const headers: { key: string; value: Buffer | null }[] = [];
    for (let h = 0; h < headerCount; h++) {
      const keyLength = rr.varint();
      if (keyLength < 0) throw new ProtocolError(`record ${i} header ${h} has a null or negative key length`);
      const hKey = rr.slice(keyLength).toString('utf8');
      headers.push({ key: hKey, value: readNullableBytes(rr, 'header value') });
    }
    if (rr.pos !== recordEnd) {
      throw new ProtocolError(`record ${i} declares ${length} bytes but its fields use ${rr.pos - r.pos}`);
    }
    out.push({
      offset: ctx.baseOffset + offsetDelta,
      timestamp: ctx.logAppendTime ?? ctx.firstTimestamp + timestampDelta,
      key,
      value,
      headers,
    });
    r.pos = recordEnd;
  }
  if (r.remaining !== 0) throw new ProtocolError(`${r.remaining} bytes left over after the batch's ${count} records`);
  return out;
}

function readNullableBytes(r: Reader, what: string): Buffer | null {
  const n = r.varint();
  if (n === -1) return null;
  if (n < -1) throw new ProtocolError(`invalid ${what} length ${n}`);
  return r.slice(n);
}

/**
 * The allocation-free twin of readRecords, for validating produced batches: returns null when
 * exactly `count` well-formed records fill buf[start, end), else a description of the problem.
 * Never throws.
 */
export function checkRecords(buf: Buffer, start: number, end: number, count: number): string | null {
  const r = new Reader(buf, start, end);
  let i = 0;
  try {
    for (; i < count; i++) {
      if (r.remaining === 0) return `batch declares ${count} records but holds only ${i}`;
      const length = r.varint();
      if (length < 0 || length > r.remaining) return `record ${i} has invalid length ${length}`;
      const recordEnd = r.pos + length;
      const rr = new Reader(buf, r.pos, recordEnd);
      rr.int8();
      rr.varlong();
      rr.varint();
      skipNullableBytes(rr);
      skipNullableBytes(rr);
      const headerCount = rr.varint();
      if (headerCount < 0) return `record ${i} has a negative header count ${headerCount}`;
      for (let h = 0; h < headerCount; h++) {
        const keyLength = rr.varint();
        if (keyLength < 0) return `record ${i} header ${h} has a null or negative key length`;
        rr.skip(keyLength);
        skipNullableBytes(rr);
      }
      if (rr.pos !== recordEnd) return `record ${i} declares ${length} bytes but its fields use ${rr.pos - r.pos}`;
      r.pos = recordEnd;
    }
  } catch (e) {
    if (e instanceof ProtocolError) return `record ${i}: ${e.message}`;
    return `record ${i}: ${String(e)}`;
  }
  if (r.remaining !== 0) return `${r.remaining} bytes left over after the batch's ${count} records`;
  return null;
}

function skipNullableBytes(r: Reader): void {
  const n = r.varint();
  if (n === -1) return;
  if (n < -1) throw new ProtocolError(`invalid length ${n}`);
  r.skip(n);
}
