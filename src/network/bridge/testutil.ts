// The bridge network the data plane's unit tests start from (172.18/16 on br-1), with overrides.
import type { BridgeNetworkSpec } from '../driver.ts';

export const testNet = (over: Partial<BridgeNetworkSpec> = {}): BridgeNetworkSpec => ({
  id: 'n1',
  bridge: 'br-1',
  subnet: '172.18.0.0/16',
  gateway: '172.18.0.1',
  mtu: 1500,
  icc: true,
  internal: false,
  masquerade: true,
  ...over,
});
