/** The link contract on real data channels: node-datachannel on both sides, signaling in-process. */
import type { LinkTypes } from '@rallypoint/core';
import { describeLinkContract, type ContractFactory } from '../helpers/link-contract.js';
import { createLinkPair } from '../helpers/pair.js';

const createPair: ContractFactory = async <T extends LinkTypes>(options = {}) => {
  const pair = await createLinkPair<T>(options);
  return {
    a: pair.a,
    b: pair.b,
    injectFromB: (lane, data) => pair.spyB.sendRaw(lane, data),
    filterB: (filter) => pair.spyB.setFilter(filter),
    close: () => pair.close(),
  };
};

describeLinkContract('WebRTC data channels (node-datachannel)', createPair);
