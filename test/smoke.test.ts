import { describe, expect, it } from 'vitest';
import { pair, readAll } from './helpers.js';

describe('smoke', () => {
  it('echoes', async () => {
    await using p = await pair();
    await p.client.send('hello');
    await p.client.shutdown('send');
    const got = await readAll(p.server);
    expect(got.toString()).toBe('hello');
    await p.server.send(got);
    await p.server.shutdown('send');
    expect((await readAll(p.client)).toString()).toBe('hello');
    expect((await p.client.closed).reason).toBe('closed');
    expect((await p.server.closed).reason).toBe('closed');
  });
});
