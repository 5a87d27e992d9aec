import type { Link } from './link.js';
import type { LinkTransport, LinkTypes } from '../types.js';

/** A link that has opened (a lobby session's `linkOpen` hands these out): its transport is known from then on, and stays the last one after it closes. */
export type OpenLink<T extends LinkTypes = LinkTypes> = Link<T> & { readonly transport: LinkTransport };
