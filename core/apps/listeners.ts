// Callbacks for one kind of event, for the apps' onProgress / onUpdate / onError hooks.
export class Listeners<T> {
  readonly #fns = new Set<(value: T) => void>();

  /** Returns the function that removes the listener again. */
  add(fn: (value: T) => void): () => void {
    this.#fns.add(fn);
    return () => void this.#fns.delete(fn);
  }

  emit(value: T): void {
    for (const fn of this.#fns) fn(value);
  }
}
