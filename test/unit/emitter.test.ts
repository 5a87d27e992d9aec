import { describe, expect, it } from 'vitest';
import { Emitter } from '../../packages/core/src/emitter.js';

describe('typed emitter', () => {
  it('delivers to on and once listeners, and off removes', () => {
    const e = new Emitter<{ hit: number }>(() => undefined);
    const got: number[] = [];
    const fn = (n: number) => got.push(n);
    e.on('hit', fn);
    e.once('hit', (n) => got.push(n * 10));
    e.emit('hit', 1);
    e.emit('hit', 2);
    e.off('hit', fn);
    e.emit('hit', 3);
    expect(got).toEqual([1, 10, 2]);
  });

  it('reports a throwing listener and still calls the others', () => {
    const failures: string[] = [];
    const e = new Emitter<{ hit: number }>((name) => failures.push(name));
    let called = false;
    e.on('hit', () => {
      throw new Error('game bug');
    });
    e.on('hit', () => (called = true));
    e.emit('hit', 1);
    expect(failures).toEqual(['hit']);
    expect(called).toBe(true);
  });
});
