import { describe, expect, it } from 'vitest';
import { errorMessage, toFailure } from './errors';

describe('errorMessage', () => {
  it('strips Electron\'s IPC wrapper so the user reads the session\'s words', () => {
    expect(errorMessage(new Error("Error invoking remote method 'streamwatch:command': Error: Group word-count is not empty"))).toBe(
      'Group word-count is not empty',
    );
  });
  it('reads CommandError objects and strings', () => {
    expect(errorMessage({ message: 'Topic not found' })).toBe('Topic not found');
    expect(errorMessage('plain')).toBe('plain');
    expect(errorMessage(42)).toBe('Unknown error');
  });
  it('keeps codes', () => {
    expect(toFailure({ message: 'x', code: 'C' }, 'cmd')).toMatchObject({ message: 'x', code: 'C', command: 'cmd' });
  });
});
