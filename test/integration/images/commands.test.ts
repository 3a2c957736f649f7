// The image commands as a docker user sees them, on images pulled from the test registry:
// images (table, -q, --digests, --filter, --format), image inspect, tag, rmi (and its refusal
// of an image a container uses), system df, image prune.
import test from 'ava';
import { runSandbox } from '../../helpers/cli.js';
import { needs } from '../../helpers/facility.js';
import { fixtures, testRegistry } from '../../helpers/fixtures.js';
import { timeAgo } from '../../../src/format/units.js';
import { ContainerStore } from '../../../src/state/containers.js';
import { sandboxPaths } from '../../../src/state/paths.js';
import { imageHome } from './registries.js';

const withRegistry = needs(test, ['cli', 'monitor', 'fixtures', 'registry', 'unprivileged', 'userns', 'subids', 'newidmap'], 'pulls from the test registry');
const short = (d: string) => d.slice(7, 19);
const CREATED = '2023-11-14T22:13:20Z'; // make-images.sh's fixed creation time

async function pulled(t: Parameters<Parameters<typeof withRegistry>[1]>[0]) {
  const home = await imageHome(t);
  const reg = testRegistry();
  for (const ref of [reg.busybox, reg.busyboxApp]) {
    const r = await runSandbox(['pull', '-q', ref], { env: home.env });
    t.is(r.code, 0, r.stderr);
  }
  return { home, reg, fx: fixtures(), sb: (args: string[], input?: string) => runSandbox(args, { env: home.env, ...(input !== undefined ? { input } : {}) }) };
}

withRegistry('images: docker\'s table, -q, --digests, --filter reference=, --format', async (t) => {
  const { reg, fx, sb } = await pulled(t);
  const ago = timeAgo(new Date(CREATED));
  const repo = `${reg.address}/lab/busybox`;
  const pad = (s: string, w: number) => s.padEnd(w);
  const w = repo.length + 7; // the longest repository, busybox-app, plus the 3 spaces of padding
  const table = await sb(['images']);
  t.is(table.code, 0, table.stderr);
  t.is(
    table.stdout,
    [
      `${pad('REPOSITORY', w)}TAG       IMAGE ID       ${pad('CREATED', ago.length + 3)}SIZE`,
      `${pad(`${repo}-app`, w)}latest    ${short(fx.busyboxApp.configDigest)}   ${ago}   2.15MB`,
      `${pad(repo, w)}latest    ${short(fx.busybox.configDigest)}   ${ago}   2.15MB`,
      '',
    ].join('\n'),
  );
  t.is((await sb(['images', '-q'])).stdout, `${short(fx.busyboxApp.configDigest)}\n${short(fx.busybox.configDigest)}\n`);
  t.is((await sb(['images', '--filter', 'reference=*/lab/busybox', '--format', '{{.Repository}}:{{.Tag}}'])).stdout, `${repo}:latest\n`);
  t.is((await sb(['images', `${repo}-app`, '--format', '{{.ID}} {{.Size}}'])).stdout, `${short(fx.busyboxApp.configDigest)} 2.15MB\n`);
  const digests = await sb(['images', '--digests', '--format', 'table {{.Repository}}\\t{{.Digest}}', repo]);
  t.is(digests.stdout, `${pad('REPOSITORY', repo.length + 3)}DIGEST\n${repo}   ${fx.busybox.manifestDigest}\n`);
  const bad = await sb(['images', '--filter', 'color=red']);
  t.is(bad.code, 125);
  t.is(bad.stderr, "sandbox: invalid filter 'color'; images can be filtered by reference, dangling, label, before and since\n");
});

withRegistry('image inspect prints docker\'s JSON; --format takes a template', async (t) => {
  const { reg, fx, sb } = await pulled(t);
  const r = await sb(['image', 'inspect', reg.busyboxApp]);
  t.is(r.code, 0, r.stderr);
  const [doc] = JSON.parse(r.stdout) as Record<string, unknown>[];
  t.deepEqual(Object.keys(doc!), ['Id', 'RepoTags', 'RepoDigests', 'Parent', 'Comment', 'Created', 'DockerVersion', 'Author', 'Config', 'Architecture', 'Os', 'Size', 'GraphDriver', 'RootFS', 'Metadata']);
  t.like(doc, {
    Id: fx.busyboxApp.configDigest,
    RepoTags: [reg.busyboxApp],
    RepoDigests: [`${reg.address}/lab/busybox-app@${fx.busyboxApp.manifestDigest}`],
    Created: CREATED,
    Os: 'linux',
    RootFS: { Type: 'layers', Layers: fx.layers.map((l) => l.diffId) },
    Config: { User: 'www-data', WorkingDir: '/srv/app', Entrypoint: ['/bin/sh', '/srv/app/entry.sh'], ExposedPorts: { '8080/tcp': {} }, Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'APP_MODE=fixture'] },
  });
  t.true(r.stdout.startsWith('[\n    {\n        "Id": '), 'indented by 4 spaces, as docker');
  const f = await sb(['image', 'inspect', '-f', '{{.Config.User}} {{json .Config.Cmd}} {{index .Config.Labels "org.opencontainers.image.title"}}', reg.busyboxApp]);
  t.is(f.stdout, 'www-data ["echo","from-cmd"] busybox-app\n');
  const missing = await sb(['image', 'inspect', 'nope']);
  t.is(missing.code, 125);
  t.is(missing.stdout, '[]\n');
  t.is(missing.stderr, 'sandbox: No such image: nope:latest\n');
});

withRegistry('tag and rmi: untag while other names remain, delete with the last; docker\'s lines', async (t) => {
  const { reg, fx, sb } = await pulled(t);
  t.is((await sb(['tag', reg.busybox, 'mine:1'])).code, 0);
  t.is((await sb(['images', 'mine', '--format', '{{.ID}}'])).stdout, `${short(fx.busybox.configDigest)}\n`);
  t.is((await sb(['rmi', 'mine:1'])).stdout, 'Untagged: mine:1\n');
  const r = await sb(['rmi', reg.busybox]);
  t.is(r.code, 0, r.stderr);
  t.is(
    r.stdout,
    [
      `Untagged: ${reg.busybox}`,
      `Untagged: ${reg.address}/lab/busybox@${fx.busybox.manifestDigest}`,
      `Deleted: ${fx.busybox.configDigest}`,
      '', // both layers are still busybox-app's: none deleted
    ].join('\n'),
  );
  const gone = await sb(['rmi', reg.busybox]);
  t.is(gone.code, 125);
  t.is(gone.stderr, `sandbox: No such image: ${reg.busybox}\n`);
  t.is((await sb(['tag', 'nope', 'x'])).stderr, 'sandbox: No such image: nope:latest\n');
});

withRegistry('rmi refuses an image a container uses unless -f; image prune keeps it', async (t) => {
  const { home, reg, fx, sb } = await pulled(t);
  const containers = new ContainerStore(sandboxPaths(home.env));
  const c = await containers.create({ id: 'c0ffee'.padEnd(64, '0'), image: reg.busybox, imageId: fx.busybox.configDigest, command: ['sh'], autoRemove: false });
  await containers.transition(c, 'exited', { exitCode: 0 });
  const refused = await sb(['rmi', reg.busybox]);
  t.is(refused.code, 125);
  t.is(refused.stderr, `sandbox: conflict: unable to remove repository reference "${reg.busybox}" (must force) - container c0ffee000000 is using its referenced image ${short(fx.busybox.configDigest)}\n`);
  const byId = await sb(['rmi', short(fx.busybox.configDigest)]);
  t.is(byId.stderr, `sandbox: conflict: unable to delete ${short(fx.busybox.configDigest)} (must be forced) - image is being used by stopped container c0ffee000000\n`);

  const pruned = await sb(['image', 'prune', '-a', '-f']);
  t.is(pruned.code, 0, pruned.stderr);
  t.true(pruned.stdout.startsWith(`Deleted Images:\nuntagged: ${reg.busyboxApp}\n`));
  t.true(pruned.stdout.endsWith('Total reclaimed space: 0B\n'), 'its layers are still the kept image\'s');
  t.is((await sb(['images', '--format', '{{.Repository}}'])).stdout, `${reg.address}/lab/busybox\n`);

  const forced = await sb(['rmi', '-f', reg.busybox]);
  t.is(forced.code, 0, forced.stderr);
  t.true(forced.stdout.includes(`Deleted: ${fx.busybox.configDigest}`));
  t.is((await sb(['images', '-q'])).stdout, '');
});

withRegistry('system df: docker\'s columns, layers shared by two images counted once', async (t) => {
  const { sb } = await pulled(t);
  const r = await sb(['system', 'df']);
  t.is(r.code, 0, r.stderr);
  t.is(
    r.stdout,
    [
      'TYPE            TOTAL     ACTIVE    SIZE      RECLAIMABLE',
      'Images          2         0         2.15MB    2.15MB (100%)',
      'Containers      0         0         0B        0B',
      'Local Volumes   0         0         0B        0B',
      'Build Cache     0         0         0B        0B',
      '',
    ].join('\n'),
  );
  t.is((await sb(['system', 'df', '--format', '{{.Type}}={{.TotalCount}}'])).stdout, 'Images=2\nContainers=0\nLocal Volumes=0\nBuild Cache=0\n');
});

withRegistry('image prune without -f asks first, as docker does', async (t) => {
  const { sb } = await pulled(t);
  const no = await sb(['image', 'prune', '-a'], 'n\n');
  t.is(no.stdout, 'WARNING! This will remove all images without at least one container associated to them.\nAre you sure you want to continue? [y/N] ');
  t.is((await sb(['images', '-q'])).stdout.split('\n').filter(Boolean).length, 2);
  const yes = await sb(['image', 'prune', '-a'], 'y\n');
  t.true(yes.stdout.endsWith('\n\nTotal reclaimed space: 2.15MB\n'));
  t.is((await sb(['images', '-q'])).stdout, '');
});
