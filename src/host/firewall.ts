// iptables behind a small interface, so the bridge driver's rules can be unit-tested with the
// model in firewall-fake.ts. Scripts go to iptables-restore --noflush: one spawn applies a
// whole batch as one transaction (all or nothing), ≈3 ms for additions here; deletions cost
// ≈20 ms whatever the tool (the kernel's nf_tables commit waits out a grace period).
// iptables (the nf_tables variant on this machine) rather than a table of our own: an accept
// in another nft table does not undo a DROP policy of the filter table's FORWARD chain.
import { execFile } from 'node:child_process';
import { systemError } from '../lib/errors.ts';

export type IpFamily = 4 | 6;

export interface FirewallHost {
  /** Applies an iptables-restore script without flushing what it does not name. Atomic. */
  restore(family: IpFamily, script: string): Promise<void>;
  /** Every table as iptables-save prints them: `*table`, `:CHAIN POLICY [..]` lines, `-A CHAIN ...` rules, COMMIT. */
  save(family: IpFamily): Promise<string>;
}

export interface IptablesOptions {
  /** Binary names or paths; defaults iptables-restore, iptables-save and the ip6 ones. */
  restore4?: string;
  restore6?: string;
  save4?: string;
  save6?: string;
}

function run(bin: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(bin, args, { encoding: 'utf8', maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) reject(systemError(`${bin} ${args.join(' ')}: ${(stderr || err.message).trim()}`, err));
      else resolve(stdout);
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

export class Iptables implements FirewallHost {
  private readonly bins: Required<IptablesOptions>;

  constructor(opts: IptablesOptions = {}) {
    this.bins = {
      restore4: opts.restore4 ?? 'iptables-restore',
      restore6: opts.restore6 ?? 'ip6tables-restore',
      save4: opts.save4 ?? 'iptables-save',
      save6: opts.save6 ?? 'ip6tables-save',
    };
  }

  async restore(family: IpFamily, script: string): Promise<void> {
    const bin = family === 4 ? this.bins.restore4 : this.bins.restore6;
    try {
      await run(bin, ['-w', '--noflush'], script);
    } catch (err) {
      // iptables-restore names only the line number: quote the line.
      const m = /line (\d+) failed/.exec((err as Error).message);
      const line = m ? script.split('\n')[Number(m[1]) - 1] : undefined;
      throw line ? systemError(`${(err as Error).message} (${line})`, err) : err;
    }
  }

  save(family: IpFamily): Promise<string> {
    return run(family === 4 ? this.bins.save4 : this.bins.save6, []);
  }
}
