// Turns Kafka's JSON message specs into our schema tables (core/protocol/schema/generated),
// with TypeScript types for each message: the decoded shape (every field present) and an
// input shape for encoding (fields that have defaults or are not in every version optional).
// Usage: npm run gen:schemas -- [SPEC_DIR]   (default ../shared/kafka-protocol/specs)
import { readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MAX_VERSION, type Versions } from '../core/protocol/schema/types.js';

const PRIMITIVES = new Set([
  'bool', 'int8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'float64', 'string', 'bytes', 'records', 'uuid',
]);

interface SpecField {
  name: string;
  type: string;
  versions?: string;
  nullableVersions?: string;
  taggedVersions?: string;
  tag?: number;
  default?: string | number | boolean;
  fields?: SpecField[];
}
interface Spec {
  name: string;
  apiKey?: number;
  type: 'request' | 'response' | 'header' | 'data';
  validVersions: string;
  flexibleVersions: string;
  fields: SpecField[];
  commonStructs?: { name: string; versions?: string; fields: SpecField[] }[];
}

/** Drops `//` comments outside strings (the specs are JSON with line comments). */
function stripComments(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else out += c;
  }
  return out;
}

function parseVersions(s: string | undefined): Versions | null {
  if (s === undefined || s === 'none') return null;
  if (s.endsWith('+')) return [Number(s.slice(0, -1)), MAX_VERSION];
  const [a, b] = s.split('-');
  return [Number(a), Number(b ?? a)];
}

const camel = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1);
const fmtV = (v: Versions): string => `[${v[0]}, ${v[1] === MAX_VERSION ? 'MAX' : v[1]}]`;

function parseDefault(f: SpecField, kind: string): string | undefined {
  if (f.default === undefined) return undefined;
  const d = String(f.default);
  if (d === 'null') return 'null';
  if (kind === 'bool') return d === 'true' ? 'true' : 'false';
  if (kind === 'string') return JSON.stringify(d);
  if (/^-?0x/i.test(d)) return String(Number(d.replace('0x', '').replace(/^(-?)/, '$10x')));
  return String(Number(d));
}

class Generator {
  private interfaces: string[] = [];
  private common = new Map<string, SpecField[]>();
  private emitted = new Set<string>();
  private valid: Versions;
  constructor(private spec: Spec) {
    for (const s of spec.commonStructs ?? []) this.common.set(s.name, s.fields);
    this.valid = parseVersions(spec.validVersions)!;
  }

  private tsType(f: SpecField, input: boolean): string {
    const nullable = parseVersions(f.nullableVersions) ? ' | null' : '';
    const arr = f.type.startsWith('[]');
    const base = arr ? f.type.slice(2) : f.type;
    let t: string;
    if (PRIMITIVES.has(base)) {
      t = { bool: 'boolean', string: 'string', bytes: 'Buffer', records: input ? 'RecordsData' : 'Buffer', uuid: 'string' }[
        base as 'bool'
      ] ?? 'number';
      if (base === 'records') return input ? 'RecordsData' : 'Buffer | null';
    } else {
      t = this.spec.name + base + (input ? 'Input' : '');
    }
    return (arr ? `${t}[]` : t) + nullable;
  }

  private structFields(f: SpecField): SpecField[] {
    const base = f.type.replace(/^\[\]/, '');
    const fields = f.fields ?? this.common.get(base);
    if (!fields) throw new Error(`${this.spec.name}.${f.name}: no fields for struct ${base}`);
    return fields;
  }

  private emitInterfaces(name: string, fields: SpecField[]): void {
    for (const input of [false, true]) {
      const lines = fields.map((f) => {
        const v = parseVersions(f.versions)!;
        const optional =
          input && (f.taggedVersions !== undefined || f.default !== undefined || v[0] > this.valid[0] || v[1] < this.valid[1]);
        return `  ${camel(f.name)}${optional ? '?' : ''}: ${this.tsType(f, input)};`;
      });
      this.interfaces.push(`export interface ${name}${input ? 'Input' : ''} {\n${lines.join('\n')}\n}`);
    }
    for (const f of fields) {
      const base = f.type.replace(/^\[\]/, '');
      if (!PRIMITIVES.has(base) && !(f.fields === undefined && this.emitted.has(base))) {
        if (this.emitted.has(base)) continue;
        this.emitted.add(base);
        this.emitInterfaces(this.spec.name + base, this.structFields(f));
      }
    }
  }

  private field(f: SpecField, indent: string): string {
    const arr = f.type.startsWith('[]');
    const base = arr ? f.type.slice(2) : f.type;
    const prim = PRIMITIVES.has(base);
    const type = arr ? 'array' : prim ? base : 'struct';
    const parts = [`name: '${camel(f.name)}'`, `type: '${type}'`, `versions: ${fmtV(parseVersions(f.versions)!)}`];
    const nullable = parseVersions(f.nullableVersions);
    if (nullable) parts.push(`nullable: ${fmtV(nullable)}`);
    const tagged = parseVersions(f.taggedVersions);
    if (tagged) parts.push(`tag: ${f.tag}`, `tagged: ${fmtV(tagged)}`);
    const d = parseDefault(f, base);
    if (d !== undefined) parts.push(`default: ${d}`);
    if (arr && prim) parts.push(`items: '${base}'`);
    if (!prim) {
      const inner = this.structFields(f).map((x) => this.field(x, indent + '  '));
      parts.push(`fields: [\n${inner.join(',\n')},\n${indent}]`);
    }
    return `${indent}{ ${parts.join(', ')} }`;
  }

  render(source: string): string {
    const s = this.spec;
    this.emitInterfaces(s.name, s.fields);
    const flex = parseVersions(s.flexibleVersions);
    const head = [
      `name: '${s.name}'`,
      ...(s.apiKey !== undefined ? [`apiKey: ${s.apiKey}`] : []),
      `kind: '${s.type}'`,
      `validVersions: ${fmtV(this.valid)}`,
      `flexibleVersions: ${flex ? fmtV(flex) : 'null'}`,
    ];
    const fields = s.fields.map((f) => this.field(f, '    '));
    const usesRecords = JSON.stringify(s).includes('"records"');
    return [
      `// Generated by scripts/gen-schemas.ts from Kafka's ${source}. Do not edit; regenerate.`,
      `import { MAX_VERSION as MAX, type MessageSchema${usesRecords ? ', type RecordsData' : ''} } from '../types.js';`,
      '',
      `export const ${s.name}Schema: MessageSchema = {`,
      `  ${head.join(',\n  ')},`,
      `  fields: [\n${fields.join(',\n')},\n  ],`,
      `};`,
      '',
      ...this.interfaces.flatMap((i) => [i, '']),
    ].join('\n');
  }
}

const specDir = resolve(process.argv[2] ?? '../shared/kafka-protocol/specs');
const outDir = resolve('core/protocol/schema/generated');
mkdirSync(outDir, { recursive: true });
const names: string[] = [];
for (const file of readdirSync(specDir).filter((f) => f.endsWith('.json')).sort()) {
  const spec = JSON.parse(stripComments(readFileSync(join(specDir, file), 'utf8'))) as Spec;
  writeFileSync(join(outDir, `${spec.name}.ts`), new Generator(spec).render(file));
  names.push(spec.name);
}
writeFileSync(
  join(outDir, 'index.ts'),
  `// Generated by scripts/gen-schemas.ts. Do not edit; regenerate.\n` +
    names.map((n) => `export * from './${n}.js';`).join('\n') +
    '\n',
);
console.log(`generated ${names.length} schemas into ${outDir}`);
