// Several viewers of one session: one controller and view-only viewers (only one controlling
// peer may hold the video uid at a time), admitted by JWTs that `deskstream token` mints with a
// key pair made for the test in a private temp dir.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { deskstreamBin, tempDir } from './harness.mjs';

export function viewerTokens() {
  const dir = tempDir('ds-tokens-');
  const key = path.join(dir, 'signing.pem');
  const pub = path.join(dir, 'signing.pub');
  execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', key]);
  execFileSync('openssl', ['pkey', '-in', key, '-pubout', '-out', pub]);
  let n = 0;
  return {
    // deskstream environment that accepts these tokens.
    env: {
      DESKSTREAM_JWT_PUBLIC_KEY_FILE: pub, DESKSTREAM_JWT_ISSUER: 'https://portal.test',
      DESKSTREAM_JWT_AUDIENCE: 'deskstream', DESKSTREAM_JWT_SESSION: 's-1',
    },
    // "?token=..." for a page URL; role 'control' or 'view'.
    query(role) {
      const token = execFileSync(deskstreamBin, ['token', '--key', key, '--sub', `${role}-${n++}`, '--session', 's-1',
        '--role', role, '--ttl', '600', '--iss', 'https://portal.test', '--aud', 'deskstream']).toString().trim();
      return `?token=${token}`;
    },
  };
}
