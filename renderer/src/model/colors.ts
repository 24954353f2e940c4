// A stable colour per owner (instance or member): an owner keeps its colour for the life of the
// window while others come and go, so a partition changing colour on the board means it changed
// owner. Colours are handed out in order of first sight, so up to 12 owners never share one.

export const PALETTE = [
  '#4e79a7',
  '#f28e2b',
  '#59a14f',
  '#e15759',
  '#76b7b2',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#86bc86',
  '#d37295',
  '#a0cbe8',
] as const;

export const UNASSIGNED = '#3a4150';

export class ColorBook {
  private readonly assigned = new Map<string, string>();
  colorFor(key: string | null | undefined): string {
    if (!key) return UNASSIGNED;
    let color = this.assigned.get(key);
    if (!color) {
      color = PALETTE[this.assigned.size % PALETTE.length] ?? UNASSIGNED;
      this.assigned.set(key, color);
    }
    return color;
  }
}

const shared = new ColorBook();

export function colorFor(key: string | null | undefined): string {
  return shared.colorFor(key);
}
