/** Types that follow the state: inside `linkOpen` a link's transport is known, not `| null`. */
import type { LinkTransport } from '@rallypoint/core';
import type { RoomSessionEvents } from '@rallypoint/lobby';
import { expectTypeOf, test } from 'vitest';

test('linkOpen hands out a link whose transport is a LinkTransport; a link in general may have none yet', () => {
  expectTypeOf<RoomSessionEvents['linkOpen']['link']['transport']>().toEqualTypeOf<LinkTransport>();
  expectTypeOf<import('@rallypoint/core').Link['transport']>().toEqualTypeOf<LinkTransport | null>();
});
