// The one interpreter for every schema table: for a (schema, version) pair it compiles the
// field list into encode/decode closures once, then reuses them. Flexible versions use
// compact strings/arrays and carry tagged fields after each struct's regular fields.
import { ProtocolError, Reader, Writer } from './primitives.js';
import { inVersions, type FieldSchema, type MessageSchema, type PrimitiveType } from './schema/types.js';

type Obj = Record<string, unknown>;
type Enc = (w: Writer, v: unknown) => void;
type Dec = (r: Reader) => unknown;

interface StructCodec {
  encode(w: Writer, value: Obj | undefined): void;
  decode(r: Reader): Obj;
  defaults(): Obj;
}

const ZERO_UUID = Buffer.alloc(16);

function primitiveDefault(type: PrimitiveType): unknown {
  switch (type) {
    case 'bool':
      return false;
    case 'string':
      return '';
    case 'bytes':
      return Buffer.alloc(0);
    case 'records':
      return null;
    case 'uuid':
      return uuidToString(ZERO_UUID);
    default:
      return 0;
  }
}

/** Kafka prints UUIDs as URL-safe base64 without padding (22 chars). */
export function uuidToString(b: Buffer): string {
  return b.toString('base64url');
}
export function uuidFromString(s: string): Buffer {
  const b = Buffer.from(s, 'base64url');
  if (b.length !== 16) throw new ProtocolError(`bad uuid ${s}`);
  return b;
}

function fieldDefault(f: FieldSchema): unknown {
  if (f.default !== undefined) return f.default;
  if (f.type === 'array') return [];
  if (f.type === 'struct') return defaultsOf(f.fields ?? []);
  return primitiveDefault(f.type);
}

function defaultsOf(fields: readonly FieldSchema[]): Obj {
  const o: Obj = {};
  for (const f of fields) o[f.name] = fieldDefault(f);
  return o;
}

function encodePrimitive(type: PrimitiveType, flexible: boolean, nullable: boolean, name: string): Enc {
  switch (type) {
    case 'bool':
      return (w, v) => w.bool(Boolean(v));
    case 'int8':
      return (w, v) => w.int8(Number(v ?? 0));
    case 'int16':
      return (w, v) => w.int16(Number(v ?? 0));
    case 'uint16':
      return (w, v) => w.uint16(Number(v ?? 0));
    case 'int32':
      return (w, v) => w.int32(Number(v ?? 0));
    case 'uint32':
      return (w, v) => w.uint32(Number(v ?? 0));
    case 'int64':
      return (w, v) => w.int64(Number(v ?? 0));
    case 'float64':
      return (w, v) => w.float64(Number(v ?? 0));
    case 'uuid':
      return (w, v) => w.raw(v === undefined || v === null ? ZERO_UUID : uuidFromString(String(v)));
    case 'string':
      return (w, v) => {
        if (v === null || v === undefined) {
          if (!nullable && v === null) throw new ProtocolError(`${name} is not nullable in this version`);
          if (v === null) return void (flexible ? w.uvarint(0) : w.int16(-1));
          v = '';
        }
        const s = String(v);
        const n = Buffer.byteLength(s);
        if (flexible) w.uvarint(n + 1);
        else w.int16(n);
        w.utf8(s, n);
      };
    case 'bytes':
    case 'records':
      return (w, v) => {
        if (v === null || v === undefined) {
          if (!nullable && v === null) throw new ProtocolError(`${name} is not nullable in this version`);
          if (v === null || type === 'records') return void (flexible ? w.uvarint(0) : w.int32(-1));
          v = ZERO_UUID.subarray(0, 0);
        }
        const chunks: readonly Buffer[] = Array.isArray(v) ? (v as Buffer[]) : [v as Buffer];
        let n = 0;
        for (const c of chunks) n += c.length;
        if (flexible) w.uvarint(n + 1);
        else w.int32(n);
        for (const c of chunks) w.raw(c);
      };
  }
}

function decodePrimitive(type: PrimitiveType, flexible: boolean, nullable: boolean, name: string): Dec {
  const nullErr = () => new ProtocolError(`${name}: null in a non-nullable field`);
  switch (type) {
    case 'bool':
      return (r) => r.bool();
    case 'int8':
      return (r) => r.int8();
    case 'int16':
      return (r) => r.int16();
    case 'uint16':
      return (r) => r.uint16();
    case 'int32':
      return (r) => r.int32();
    case 'uint32':
      return (r) => r.uint32();
    case 'int64':
      return (r) => r.int64();
    case 'float64':
      return (r) => r.float64();
    case 'uuid':
      return (r) => uuidToString(r.slice(16));
    case 'string':
      return (r) => {
        const n = flexible ? r.uvarint() - 1 : r.int16();
        if (n < 0) {
          if (!nullable) throw nullErr();
          return null;
        }
        return r.string(n);
      };
    case 'bytes':
    case 'records':
      return (r) => {
        const n = flexible ? r.uvarint() - 1 : r.int32();
        if (n < 0) {
          if (!nullable) throw nullErr();
          return null;
        }
        return r.slice(n);
      };
  }
}

function compileField(f: FieldSchema, version: number, flexible: boolean): { enc: Enc; dec: Dec } {
  const nullable = inVersions(f.nullable, version);
  if (f.type === 'array') {
    const item =
      f.items !== undefined
        ? { enc: encodePrimitive(f.items, flexible, false, f.name), dec: decodePrimitive(f.items, flexible, false, f.name) }
        : structItem(compileStruct(f.fields ?? [], version, flexible));
    return {
      enc: (w, v) => {
        if (v === null || v === undefined) {
          if (v === null && !nullable) throw new ProtocolError(`${f.name} is not nullable in this version`);
          if (v === null) return void (flexible ? w.uvarint(0) : w.int32(-1));
          v = [];
        }
        const a = v as unknown[];
        if (flexible) w.uvarint(a.length + 1);
        else w.int32(a.length);
        for (const x of a) item.enc(w, x);
      },
      dec: (r) => {
        const n = flexible ? r.uvarint() - 1 : r.int32();
        if (n < 0) {
          if (!nullable) throw new ProtocolError(`${f.name}: null array in a non-nullable field`);
          return null;
        }
        r.count(n);
        const out = new Array<unknown>(n);
        for (let i = 0; i < n; i++) out[i] = item.dec(r);
        return out;
      },
    };
  }
  if (f.type === 'struct') {
    const s = compileStruct(f.fields ?? [], version, flexible);
    if (!nullable) return structItem(s);
    // Nullable structs carry a presence byte: -1 null, 1 present.
    return {
      enc: (w, v) => {
        if (v === null) return void w.int8(-1);
        w.int8(1);
        s.encode(w, v as Obj);
      },
      dec: (r) => (r.int8() < 0 ? null : s.decode(r)),
    };
  }
  return { enc: encodePrimitive(f.type, flexible, nullable, f.name), dec: decodePrimitive(f.type, flexible, nullable, f.name) };
}

function structItem(s: StructCodec): { enc: Enc; dec: Dec } {
  return { enc: (w, v) => s.encode(w, v as Obj | undefined), dec: (r) => s.decode(r) };
}

function isDefault(f: FieldSchema, v: unknown): boolean {
  if (v === undefined) return true;
  if (Array.isArray(v)) return v.length === 0 && f.default === undefined;
  if (f.type === 'struct') return v === null;
  return v === fieldDefault(f);
}

function compileStruct(fields: readonly FieldSchema[], version: number, flexible: boolean): StructCodec {
  const present = fields.filter((f) => inVersions(f.versions, version));
  const regular = present.filter((f) => !(flexible && inVersions(f.tagged, version)));
  const tagged = flexible
    ? present.filter((f) => inVersions(f.tagged, version)).sort((a, b) => (a.tag ?? 0) - (b.tag ?? 0))
    : [];
  const regularCodecs = regular.map((f) => ({ f, ...compileField(f, version, flexible) }));
  const taggedCodecs = new Map(tagged.map((f) => [f.tag ?? -1, { f, ...compileField(f, version, flexible) }]));
  const absent = fields.filter((f) => !regular.includes(f));

  return {
    defaults: () => defaultsOf(fields),
    encode(w, value) {
      const o = value ?? {};
      for (const c of regularCodecs) {
        const v = o[c.f.name];
        c.enc(w, v === undefined ? fieldDefault(c.f) : v);
      }
      if (!flexible) return;
      const out: [number, Buffer][] = [];
      for (const [tag, c] of taggedCodecs) {
        const v = o[c.f.name];
        if (isDefault(c.f, v)) continue;
        const sub = new Writer(64);
        c.enc(sub, v);
        out.push([tag, sub.toBuffer()]);
      }
      w.uvarint(out.length);
      for (const [tag, data] of out) {
        w.uvarint(tag).uvarint(data.length).raw(data);
      }
    },
    decode(r) {
      const o: Obj = {};
      for (const c of regularCodecs) o[c.f.name] = c.dec(r);
      for (const f of absent) o[f.name] = fieldDefault(f);
      if (flexible) {
        const n = r.count(r.uvarint(), 2);
        for (let i = 0; i < n; i++) {
          const tag = r.uvarint();
          const size = r.uvarint();
          const c = taggedCodecs.get(tag);
          const body = r.slice(size);
          if (c) {
            const sub = new Reader(body);
            o[c.f.name] = c.dec(sub);
          }
          // Unknown tags are skipped: that is what tagged fields are for.
        }
      }
      return o;
    },
  };
}

export function isFlexible(schema: MessageSchema, version: number): boolean {
  return inVersions(schema.flexibleVersions ?? undefined, version);
}

const cache = new WeakMap<MessageSchema, Map<number, StructCodec>>();

function codecFor(schema: MessageSchema, version: number): StructCodec {
  let byVersion = cache.get(schema);
  if (!byVersion) cache.set(schema, (byVersion = new Map()));
  let c = byVersion.get(version);
  if (!c) {
    if (!inVersions(schema.validVersions, version)) {
      throw new ProtocolError(`${schema.name} has no version ${version}`);
    }
    c = compileStruct(schema.fields, version, isFlexible(schema, version));
    byVersion.set(version, c);
  }
  return c;
}

/** Appends the message body for `version` to `w`. Missing fields take their defaults. */
export function encodeInto<T>(w: Writer, schema: MessageSchema, version: number, value: T): void {
  codecFor(schema, version).encode(w, value as unknown as Obj);
}

export function encode<T>(schema: MessageSchema, version: number, value: T): Buffer {
  const w = new Writer();
  encodeInto(w, schema, version, value);
  return w.toBuffer();
}

/** Decodes one message body; every field of the schema is present in the result. */
export function decode<T>(schema: MessageSchema, version: number, r: Reader): T {
  return codecFor(schema, version).decode(r) as T;
}
