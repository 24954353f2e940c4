// For tests: the CommandFailure a session command rejects with (and a failed test if it resolves).
import { expect } from 'vitest';
import { CommandFailure } from '../errors.js';

export async function commandFailure(p: Promise<unknown>): Promise<CommandFailure> {
  try {
    await p;
  } catch (error) {
    expect(error).toBeInstanceOf(CommandFailure);
    return error as CommandFailure;
  }
  throw new Error('expected the command to fail');
}
