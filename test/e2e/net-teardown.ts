// Removes what a test wharfd's bridge data plane leaves on the host: wharfd keeps bridges,
// firewall chains and sandboxes on shutdown (live restore), so the harness takes them back
// after the daemon is gone. Usage: net-teardown.ts <exec-root>/network <fw-prefix>
import { BridgeDataPlane } from '../../src/network/bridge/plane.ts';

const [runDir, prefix] = process.argv.slice(2);
if (!runDir || !prefix) throw new Error('usage: net-teardown.ts <run dir> <fw prefix>');
await new BridgeDataPlane({ runDir, chainPrefix: prefix }).close();
