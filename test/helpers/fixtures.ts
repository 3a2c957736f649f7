// Where the fixture images and the test registry are. test/run.mjs builds the images
// (test/fixtures/make-images.sh), starts a registry (test/fixtures/registry.sh) and exports
// SANDBOX_FIXTURES, SANDBOX_TEST_REGISTRY and SANDBOX_TEST_REGISTRY_DIR; both scripts describe
// what they made in KEY='value' files, read here. A developer can export the same variables
// by hand to run one test file with ava directly.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** KEY='value' / KEY="value" / KEY=value lines; blank lines and # comments ignored. Pure. */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) throw new Error(`not a KEY=value line: ${line}`);
    const [, key, value] = m as unknown as [string, string, string];
    const quoted = /^'([^']*)'$/.exec(value) ?? /^"([^"\\$`]*)"$/.exec(value);
    out[key] = quoted ? (quoted[1] as string) : value;
  }
  return out;
}

export interface FixtureImage {
  /** Short name as a docker user types it: lab/busybox:latest */
  name: string;
  ociArchive: string;
  dockerArchive: string;
  /** Digest of the OCI manifest in the layout and the oci-archive (docker-archive has none). */
  manifestDigest: string;
  /** The Docker image config blob: the same bytes in every archive and in the registry. */
  configDigest: string;
}

export interface FixtureLayer {
  /** The uncompressed layer tar. */
  tar: string;
  /** sha256 of `tar` (rootfs.diff_ids). */
  diffId: string;
  /** sha256 of the gzip blob in the OCI layout and the registry. */
  digest: string;
}

export interface Fixtures {
  dir: string;
  /** OCI image layout holding both images, ref names lab/busybox:latest and lab/busybox-app:latest. */
  ociLayout: string;
  /** Config like the official busybox image's: Cmd ["sh"], PATH, nothing else. */
  busybox: FixtureImage;
  /** Env APP_MODE=fixture, Entrypoint /srv/app/entry.sh, Cmd echo from-cmd, WorkingDir /srv/app,
   *  User www-data, ExposedPorts 8080/tcp, Healthcheck, Labels. */
  busyboxApp: FixtureImage;
  /** layer 1: busybox, /etc, /etc/lower-only, /home/owned-by-1000; layer 2: the whiteout of
   *  /etc/lower-only, /etc/upper-added ("upper\n"), /srv/app/entry.sh. */
  layers: [FixtureLayer, FixtureLayer];
}

function need(vars: Record<string, string>, key: string, file: string): string {
  const v = vars[key];
  if (v === undefined || v === '') throw new Error(`${file} has no ${key}: rebuild it with test/fixtures/make-images.sh`);
  return v;
}

/** The fixture description in DIR/images.env. Throws with the fix when it is missing. */
export function readFixtures(dir: string): Fixtures {
  const file = join(dir, 'images.env');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new Error(`no fixture images in ${dir}: run test/fixtures/make-images.sh ${dir} (npm test does)`);
  }
  const v = parseEnvFile(text);
  const image = (prefix: string): FixtureImage => ({
    name: need(v, `${prefix}_IMAGE`, file),
    ociArchive: need(v, `${prefix}_OCI_ARCHIVE`, file),
    dockerArchive: need(v, `${prefix}_DOCKER_ARCHIVE`, file),
    manifestDigest: need(v, `${prefix}_MANIFEST_DIGEST`, file),
    configDigest: need(v, `${prefix}_CONFIG_DIGEST`, file),
  });
  const layer = (n: number): FixtureLayer => ({
    tar: need(v, `LAYER${n}_TAR`, file),
    diffId: need(v, `LAYER${n}_DIFF_ID`, file),
    digest: need(v, `LAYER${n}_DIGEST`, file),
  });
  return {
    dir: need(v, 'SANDBOX_FIXTURES', file),
    ociLayout: need(v, 'OCI_LAYOUT', file),
    busybox: image('BUSYBOX'),
    busyboxApp: image('BUSYBOX_APP'),
    layers: [layer(1), layer(2)],
  };
}

/** The fixtures named by $SANDBOX_FIXTURES. Guard the test with needs(test, 'fixtures', ...). */
export function fixtures(env: NodeJS.ProcessEnv = process.env): Fixtures {
  const dir = env.SANDBOX_FIXTURES;
  if (!dir) throw new Error('SANDBOX_FIXTURES is not set: run the suite with npm test, or export it after test/fixtures/make-images.sh DIR');
  return readFixtures(dir);
}

export interface TestRegistry {
  /** host:port, for image references: 127.0.0.1:PORT */
  address: string;
  /** http://127.0.0.1:PORT (plain http: a loopback registry with no TLS) */
  url: string;
  /** 127.0.0.1:PORT/lab/busybox:latest, pushed with its OCI manifest */
  busybox: string;
  /** 127.0.0.1:PORT/lab/busybox:v2s2, the same image with a Docker schema 2 manifest */
  busyboxV2s2: string;
  busyboxApp: string;
  busyboxAppV2s2: string;
}

/** Pure: the references registry.sh pushes, on a registry at `address`. */
export function registryAt(address: string): TestRegistry {
  return {
    address,
    url: `http://${address}`,
    busybox: `${address}/lab/busybox:latest`,
    busyboxV2s2: `${address}/lab/busybox:v2s2`,
    busyboxApp: `${address}/lab/busybox-app:latest`,
    busyboxAppV2s2: `${address}/lab/busybox-app:v2s2`,
  };
}

/** The registry run.mjs started ($SANDBOX_TEST_REGISTRY_DIR/registry.env, or just the address
 *  in $SANDBOX_TEST_REGISTRY). Guard the test with needs(test, 'registry', ...). */
export function testRegistry(env: NodeJS.ProcessEnv = process.env): TestRegistry {
  if (env.SANDBOX_TEST_REGISTRY_DIR) {
    try {
      const v = parseEnvFile(readFileSync(join(env.SANDBOX_TEST_REGISTRY_DIR, 'registry.env'), 'utf8'));
      if (v.REGISTRY) return registryAt(v.REGISTRY);
    } catch {
      /* fall back to the bare address below */
    }
  }
  if (env.SANDBOX_TEST_REGISTRY) return registryAt(env.SANDBOX_TEST_REGISTRY);
  throw new Error('no test registry: run the suite with npm test, or test/fixtures/registry.sh start DIR && push DIR and export SANDBOX_TEST_REGISTRY=127.0.0.1:PORT');
}
