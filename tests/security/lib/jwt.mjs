// A JWT-protected deskstream for the attack tests: an Ed25519 key pair in a temp dir, the env
// that turns JWT on, and mint() through the real binary's `deskstream token`. The temp dir goes
// with the harness's stopAll().
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { deskstreamBin, tempDir } from '../../e2e/lib/harness.mjs';
export { scrape } from '../../e2e/lib/metrics.mjs';

export function jwtSetup({ session = 's-1' } = {}) {
  const dir = tempDir('ds-sec-');
  const key = path.join(dir, 'signing.pem');
  const pub = path.join(dir, 'signing.pub');
  execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', key]);
  execFileSync('openssl', ['pkey', '-in', key, '-pubout', '-out', pub]);
  const env = {
    DESKSTREAM_JWT_PUBLIC_KEY_FILE: pub,
    DESKSTREAM_JWT_ISSUER: 'https://portal.test',
    DESKSTREAM_JWT_AUDIENCE: 'deskstream',
    DESKSTREAM_JWT_SESSION: session,
  };
  const mint = ({ sub, role = 'view', ttl = 600 }) => execFileSync(deskstreamBin, ['token', '--key', key, '--sub', sub,
    '--session', session, '--role', role, '--ttl', String(ttl), '--iss', 'https://portal.test', '--aud', 'deskstream'])
    .toString().trim();
  return { env, mint, dir };
}

// One Prometheus scrape as { series: value }.
export function rssKiB(pid) {
  return Number(/VmRSS:\s+(\d+)/.exec(execFileSync('cat', [`/proc/${pid}/status`]).toString())[1]);
}
