import { execFile } from 'node:child_process';
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { readFileSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { BOOT_CONFIG_DEFAULTS } from '@lattice/boot';
import { DEVICE_DEFAULTS } from '@lattice-platform/device';
import { GATEWAY_DEFAULTS } from '@lattice-platform/gateway';
import { PUSH_DEFAULTS } from '@lattice-platform/push';
import { SCHEDULER_DEFAULTS } from '@lattice-platform/scheduler';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IStatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { ISecret } from 'kubernetes-models/v1/Secret';
import type { IService } from 'kubernetes-models/v1/Service';
import {
  checkAppPorts,
  checkEnvironment,
  checkNetworkPolicies,
  checkNoSecretsInConfigMaps,
  checkProbes,
  checkRbac,
  checkResources,
  checkSecurityContext,
  checkShutdownTiming,
  matchesSelector,
  resolveEnv,
  workloads,
  type AppSpec,
  type ConfigTree,
  type NetworkRules,
} from './support/policy.js';
import {
  addKustomization,
  copyDeployTree,
  generateSecrets,
  K8S_DIR,
  kustomize,
  type K8sObject,
  type Workspace,
} from './support/render.js';
import { validateObjects } from './support/schema.js';

const REPO = join(K8S_DIR, '..', '..');
const run = promisify(execFile);

/** The apps, their ports and the config keys that set them (a port change in an app breaks this test). */
const APPS: Record<string, AppSpec> = {
  gateway: { defaults: GATEWAY_DEFAULTS, ports: { http: 'server.port' } },
  device: {
    defaults: DEVICE_DEFAULTS,
    ports: { http: 'server.port', hub: 'device.hubLinkPort', grpc: 'device.internalGrpcPort' },
  },
  push: { defaults: PUSH_DEFAULTS, ports: { http: 'server.port' } },
  scheduler: { defaults: SCHEDULER_DEFAULTS, ports: { http: 'server.port' } },
};
const APP_NAMES = Object.keys(APPS);
const BOOT_DEFAULTS = BOOT_CONFIG_DEFAULTS as unknown as ConfigTree;

const NETWORK: NetworkRules = {
  publicPorts: { gateway: [GATEWAY_DEFAULTS.server.port], device: [DEVICE_DEFAULTS.device.hubLinkPort] },
  platformPodLabels: { 'app.kubernetes.io/part-of': 'lattice' },
  monitoringNamespaces: ['monitoring'],
};

const PROD_REDIS = { REDIS_USERNAME: 'lattice', REDIS_PASSWORD: 'prod-test-password-0123456789' };

type Rendering = 'dev' | 'prod' | 'prod-with-hooks';
const rendered = {} as Record<Rendering, K8sObject[]>;
let workspace: Workspace;

beforeAll(async () => {
  workspace = copyDeployTree();
  await generateSecrets(workspace, 'dev');
  await generateSecrets(workspace, 'prod', PROD_REDIS);
  const hooks = addKustomization(
    workspace,
    'overlays/prod-with-hooks',
    [
      'apiVersion: kustomize.config.k8s.io/v1beta1',
      'kind: Kustomization',
      'resources: [../prod]',
      'components: [../../components/device-hubs-metric, ../../components/device-grpc-readiness]',
      '',
    ].join('\n'),
  );
  [rendered.dev, rendered.prod, rendered['prod-with-hooks']] = await Promise.all([
    kustomize(join(workspace.dir, 'overlays', 'dev')),
    kustomize(join(workspace.dir, 'overlays', 'prod')),
    kustomize(hooks),
  ]);
}, 50_000);

afterAll(() => workspace?.remove());

function find<T>(objects: readonly K8sObject[], kind: string, name?: string): K8sObject & T {
  const found = objects.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (!found) throw new Error(`no ${kind}${name ? `/${name}` : ''} rendered`);
  return found as K8sObject & T;
}

function all<T>(objects: readonly K8sObject[], kind: string): (K8sObject & T)[] {
  return objects.filter((o) => o.kind === kind) as (K8sObject & T)[];
}

function secretValue(objects: readonly K8sObject[], prefix: string, key: string): string {
  const secret = all<ISecret>(objects, 'Secret').find((s) => s.metadata.name.startsWith(`${prefix}-`));
  const data = secret?.data?.[key];
  if (data === undefined) throw new Error(`no Secret ${prefix} with key ${key}`);
  return Buffer.from(data, 'base64').toString('utf8');
}

describe.each<Rendering>(['dev', 'prod', 'prod-with-hooks'])('overlay %s', (name) => {
  const objects = (): K8sObject[] => rendered[name];

  it('renders the four apps with their Services', () => {
    const apps = workloads(objects()).map((w) => w.app);
    expect(apps).toEqual(expect.arrayContaining(APP_NAMES));
    const services = all<IService>(objects(), 'Service').map((s) => s.metadata.name);
    expect(services).toEqual(expect.arrayContaining([...APP_NAMES, 'device-hub']));
  });

  it('validates against the Kubernetes API schemas, offline', async () => {
    expect(await validateObjects(objects())).toEqual([]);
  });

  it('gives every container a liveness and a readiness probe', () => {
    expect(checkProbes(objects())).toEqual([]);
  });

  it('gives every container CPU and memory requests and limits', () => {
    expect(checkResources(objects())).toEqual([]);
  });

  it('runs every container non-root with a read-only root filesystem', () => {
    expect(checkSecurityContext(objects())).toEqual([]);
  });

  it('keeps every Secret value out of the ConfigMaps', () => {
    expect(checkNoSecretsInConfigMaps(objects())).toEqual([]);
  });

  it('resolves every environment reference; secrets come from Secrets', () => {
    expect(checkEnvironment(objects())).toEqual([]);
  });

  it("declares the apps' own ports everywhere (containers, Services, probes)", () => {
    expect(checkAppPorts(objects(), APPS, BOOT_DEFAULTS)).toEqual([]);
  });

  it("gives each pod more termination time than preStop + boot's deregistration and drain", () => {
    expect(checkShutdownTiming(objects(), APPS, BOOT_DEFAULTS)).toEqual([]);
  });

  it('opens only the gateway and the hub link to the outside', () => {
    expect(checkNetworkPolicies(objects(), NETWORK)).toEqual([]);
  });

  it('grants the apps list/watch on EndpointSlices and nothing else', () => {
    expect(checkRbac(objects(), APP_NAMES)).toEqual([]);
  });

  it('puts every object in the overlay namespace, guarded by the restricted Pod Security Standard', () => {
    const namespace = find<{ metadata: { labels?: Record<string, string> } }>(objects(), 'Namespace');
    expect(namespace.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
    const outside = objects().filter((o) => o.kind !== 'Namespace' && o.metadata.namespace !== namespace.metadata.name);
    expect(outside.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([]);
  });

  it('runs each app from its own build output and uses Redis for backends and Kubernetes for discovery', () => {
    for (const w of workloads(objects()).filter((x) => APP_NAMES.includes(x.app))) {
      const container = w.spec.containers[0]!;
      expect(container.image).toMatch(new RegExp(`lattice/${w.app}:[\\w.-]+$`));
      expect(container.args).toEqual([`apps/${w.app}/dist/main.js`]);
      const env = resolveEnv(objects(), container);
      expect(env.get('LATTICE_BACKEND')).toBe('redis');
      expect(env.get('LATTICE_DISCOVERY')).toBe('kubernetes');
      expect(env.get('LATTICE_CONFIG_FILE')).toBe(`/etc/lattice/application.yaml,/etc/lattice/${w.app}.yaml`);
      expect(env.get('LATTICE__CONFIG__CACHE_DIR')).toBe('/var/cache/lattice');
      const cache = container.volumeMounts?.find((m) => m.mountPath === '/var/cache/lattice');
      expect(w.spec.volumes?.find((v) => v.name === cache?.name)?.emptyDir).toBeDefined();
      const url = container.env?.find((e) => e.name === 'LATTICE_REDIS_URL');
      expect(url?.value).toContain('$(REDIS_PASSWORD)');
      const password = container.env?.find((e) => e.name === 'REDIS_PASSWORD');
      expect(password?.valueFrom?.secretKeyRef?.name).toMatch(/^lattice-redis-/);
      // The gateway signs forwarded identities and every service verifies them: one shared secret.
      const identity = container.env?.find((e) => e.name === 'LATTICE__GATEWAY__IDENTITY_SECRET');
      expect(identity?.valueFrom?.secretKeyRef?.name).toMatch(/^lattice-identity-/);
      // Discovery in redis mode announces the pod IP, never an unresolvable hostname.
      expect(container.env?.find((e) => e.name === 'LATTICE__DISCOVERY__HOST')?.valueFrom?.fieldRef?.fieldPath).toBe(
        'status.podIP',
      );
    }
  });
});

describe('dev overlay', () => {
  const objects = (): K8sObject[] => rendered.dev;

  it('runs one replica of each app', () => {
    for (const app of APP_NAMES) expect(find<IDeployment>(objects(), 'Deployment', app).spec?.replicas).toBe(1);
    expect(all(objects(), 'HorizontalPodAutoscaler')).toEqual([]);
  });

  it('runs Redis 7 as a small StatefulSet behind the password of the lattice-redis Secret', () => {
    const redis = find<IStatefulSet>(objects(), 'StatefulSet', 'redis');
    expect(redis.spec?.replicas).toBe(1);
    const container = redis.spec!.template.spec!.containers[0]!;
    expect(container.image).toMatch(/^redis:7(\.\d+)*-/);
    expect(container.args?.slice(0, 2)).toEqual(['--requirepass', '$(REDIS_PASSWORD)']);
    expect(container.env?.find((e) => e.name === 'REDIS_PASSWORD')?.valueFrom?.secretKeyRef?.name).toMatch(
      /^lattice-redis-/,
    );
    const env = resolveEnv(
      objects(),
      find<IDeployment>(objects(), 'Deployment', 'gateway').spec!.template.spec!.containers[0]!,
    );
    expect(env.get('REDIS_ADDRESS')).toBe(`redis:${container.ports?.[0]?.containerPort}`);
  });

  it('fills the Secrets from the files generate-secrets.mjs wrote', () => {
    const file = (name: string): string =>
      readFileSync(join(workspace.dir, 'overlays', 'dev', 'secrets', name), 'utf8');
    expect(secretValue(objects(), 'lattice-redis', 'password')).toBe(file('redis-password'));
    expect(secretValue(objects(), 'lattice-device-pepper', 'hub-secret-pepper')).toBe(file('hub-secret-pepper'));
    expect(secretValue(objects(), 'lattice-gateway-jwt', 'jwt-public.pem')).toBe(file('jwt-public.pem'));
  });
});

describe('prod overlay', () => {
  const objects = (): K8sObject[] => rendered.prod;

  it('autoscales every app on CPU from three replicas; the Deployments leave the count to the HPA', () => {
    const hpas = all<IHorizontalPodAutoscaler>(objects(), 'HorizontalPodAutoscaler');
    for (const app of APP_NAMES) {
      expect(find<IDeployment>(objects(), 'Deployment', app).spec?.replicas).toBeUndefined();
      const hpa = hpas.find((h) => h.spec?.scaleTargetRef.kind === 'Deployment' && h.spec.scaleTargetRef.name === app);
      expect(hpa?.spec?.minReplicas).toBeGreaterThanOrEqual(3);
      expect(hpa?.spec?.maxReplicas).toBeGreaterThan(hpa?.spec?.minReplicas ?? 0);
      expect(hpa?.spec?.metrics?.some((m) => m.type === 'Resource' && m.resource?.name === 'cpu')).toBe(true);
    }
  });

  it('limits voluntary disruptions of every app to one pod at a time', () => {
    const budgets = all<IPodDisruptionBudget>(objects(), 'PodDisruptionBudget');
    for (const w of workloads(objects()).filter((x) => APP_NAMES.includes(x.app))) {
      const matching = budgets.filter((b) =>
        matchesSelector(w.labels, b.spec?.selector ?? { matchLabels: { none: 'x' } }),
      );
      expect(matching.map((b) => b.spec?.maxUnavailable)).toEqual([1]);
    }
  });

  it('spreads every app across zones', () => {
    for (const w of workloads(objects()).filter((x) => APP_NAMES.includes(x.app))) {
      const zone = w.spec.topologySpreadConstraints?.find((t) => t.topologyKey === 'topology.kubernetes.io/zone');
      expect(zone?.maxSkew).toBe(1);
      expect(matchesSelector(w.labels, zone?.labelSelector ?? { matchLabels: { none: 'x' } })).toBe(true);
      expect(zone?.matchLabelKeys).toContain('app.kubernetes.io/name');
    }
  });

  it('exposes only the gateway and the hub link through load balancers, with long idle timeouts for hubs', () => {
    const external = all<IService>(objects(), 'Service').filter((s) => s.spec?.type === 'LoadBalancer');
    expect(external.map((s) => s.metadata.name).sort()).toEqual(['device-hub', 'gateway']);
    const hub = find<IService>(objects(), 'Service', 'device-hub');
    expect(hub.spec?.ports?.map((p) => p.port)).toEqual([DEVICE_DEFAULTS.device.hubLinkPort]);
    const idle = hub.metadata?.annotations?.['service.beta.kubernetes.io/aws-load-balancer-connection-idle-timeout'];
    expect(Number(idle)).toBeGreaterThanOrEqual(3600);
    expect(find<IService>(objects(), 'Service', 'gateway').spec?.ports?.map((p) => p.port)).toEqual([
      GATEWAY_DEFAULTS.server.port,
    ]);
  });

  it('uses the external Redis with the credentials given to generate-secrets.mjs; no Redis runs in the cluster', () => {
    expect(all(objects(), 'StatefulSet')).toEqual([]);
    expect(secretValue(objects(), 'lattice-redis', 'username')).toBe(PROD_REDIS.REDIS_USERNAME);
    expect(secretValue(objects(), 'lattice-redis', 'password')).toBe(PROD_REDIS.REDIS_PASSWORD);
    const env = resolveEnv(
      objects(),
      find<IDeployment>(objects(), 'Deployment', 'device').spec!.template.spec!.containers[0]!,
    );
    expect(env.get('REDIS_ADDRESS')).not.toMatch(/^redis:/);
  });

  it('gives prod its own keys (never the dev ones)', () => {
    expect(secretValue(rendered.prod, 'lattice-device-pepper', 'hub-secret-pepper')).not.toBe(
      secretValue(rendered.dev, 'lattice-device-pepper', 'hub-secret-pepper'),
    );
  });
});

describe('optional components', () => {
  it('device-hubs-metric adds a hubs-per-pod metric to the device autoscaler', () => {
    const hpa = find<IHorizontalPodAutoscaler>(rendered['prod-with-hooks'], 'HorizontalPodAutoscaler', 'device');
    expect(hpa.spec?.metrics?.map((m) => m.type)).toEqual(['Resource', 'Pods']);
    expect(hpa.spec?.metrics?.[1]?.pods?.metric.name).toBe('lattice_device_connected_hubs');
  });

  it.each(['dev', 'prod', 'prod-with-hooks'] as const)(
    'device-grpc-readiness (in every overlay) probes readiness over gRPC on the internal port, liveness stays HTTP: %s',
    (rendering) => {
      const device = find<IDeployment>(rendered[rendering], 'Deployment', 'device');
      const container = device.spec!.template.spec!.containers[0]!;
      expect(container.readinessProbe?.grpc?.port).toBe(DEVICE_DEFAULTS.device.internalGrpcPort);
      expect(container.readinessProbe?.httpGet).toBeUndefined();
      expect(container.livenessProbe?.httpGet?.path).toBe('/health/live');
    },
  );
});

describe('generate-secrets.mjs', () => {
  const dir = (): string => join(workspace.dir, 'overlays', 'dev', 'secrets');

  it('writes owner-only files and a usable ES256 key pair', () => {
    for (const name of ['jwt-private.pem', 'jwt-public.pem', 'hub-secret-pepper', 'redis-password'])
      expect(statSync(join(dir(), name)).mode & 0o777).toBe(0o600);
    const privateKey = createPrivateKey(readFileSync(join(dir(), 'jwt-private.pem')));
    const publicKey = createPublicKey(readFileSync(join(dir(), 'jwt-public.pem')));
    const signature = sign('sha256', Buffer.from('hub'), privateKey);
    expect(verify('sha256', Buffer.from('hub'), publicKey, signature)).toBe(true);
    expect(readFileSync(join(dir(), 'hub-secret-pepper'), 'utf8')).toMatch(/^[\w-]{43}$/);
  });

  it('keeps existing files when run again, and refuses half a key pair', async () => {
    const before = readFileSync(join(dir(), 'redis-password'), 'utf8');
    const out = await generateSecrets(workspace, 'dev');
    expect(out).not.toContain('generated');
    expect(readFileSync(join(dir(), 'redis-password'), 'utf8')).toBe(before);
    unlinkSync(join(dir(), 'jwt-public.pem'));
    await expect(generateSecrets(workspace, 'dev')).rejects.toThrow(/only one of jwt-private.pem and jwt-public.pem/);
  });

  it('refuses a Redis password that cannot go into a URL as is', async () => {
    await expect(generateSecrets(workspace, 'prod', { REDIS_PASSWORD: 'p@ss/word' })).rejects.toThrow(/URL-safe/);
  });

  it('writes where git ignores it', async () => {
    for (const overlay of ['dev', 'prod']) {
      const file = join(K8S_DIR, 'overlays', overlay, 'secrets', 'redis-password');
      await expect(run('git', ['-C', REPO, 'check-ignore', '-q', file])).resolves.toBeDefined();
    }
  });
});

describe('the policy checks catch violations', () => {
  const dev = (): K8sObject[] => structuredClone(rendered.dev);
  const deployment = (objects: K8sObject[], app: string): IDeployment & K8sObject =>
    find<IDeployment>(objects, 'Deployment', app);
  const container = (objects: K8sObject[], app: string) => deployment(objects, app).spec!.template.spec!.containers[0]!;

  it('a misspelt field, a wrong type, a missing required field', async () => {
    const objects = dev();
    const c = container(objects, 'push') as unknown as Record<string, unknown>;
    c['readinesProbe'] = c['readinessProbe'];
    (c['ports'] as { containerPort: unknown }[])[0]!.containerPort = 'http';
    delete c['name'];
    const problems = await validateObjects([deployment(objects, 'push')]);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('readinesProbe: unknown field of V1Container'),
        expect.stringContaining('containerPort: must be integer'),
        expect.stringContaining('must have required property name'),
      ]),
    );
  });

  it('a missing probe, missing limits, a writable root filesystem', () => {
    const objects = dev();
    const c = container(objects, 'scheduler');
    delete c.readinessProbe;
    delete c.resources!.limits;
    c.securityContext!.readOnlyRootFilesystem = false;
    expect(checkProbes(objects)).toEqual(['Deployment/scheduler: container app has no readinessProbe']);
    expect(checkResources(objects)).toHaveLength(2);
    expect(checkSecurityContext(objects)).toEqual([
      'Deployment/scheduler: container app has a writable root filesystem',
    ]);
  });

  it('a Secret value, a password or a private key in a ConfigMap', () => {
    const objects = dev();
    const config = all<IConfigMap>(objects, 'ConfigMap').find((c) => c.metadata.name.startsWith('lattice-config-'))!;
    config.data!['device.yaml'] =
      `device:\n  hubSecretPepper: ${secretValue(objects, 'lattice-device-pepper', 'hub-secret-pepper')}\n`;
    config.data!['extra.yaml'] = `redis:\n  url: redis://:hunter2hunter2@redis:6379\n`;
    const problems = checkNoSecretsInConfigMaps(objects);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('device.yaml contains the value of Secret lattice-device-pepper'),
        expect.stringContaining('device.yaml sets device.hubSecretPepper, which looks like a secret'),
        expect.stringContaining('extra.yaml contains a URL with a password'),
      ]),
    );
  });

  it('a literal password in the environment, an undefined $(VAR)', () => {
    const objects = dev();
    const c = container(objects, 'gateway');
    c.env!.push({ name: 'REDIS_PASSWORD_BACKUP', value: 'plain' }, { name: 'X', value: '$(NOT_DEFINED)' });
    expect(checkEnvironment(objects)).toEqual([
      'Deployment/gateway: container app: REDIS_PASSWORD_BACKUP looks like a secret but does not come from a Secret',
      'Deployment/gateway: container app: X uses $(NOT_DEFINED), which is not defined before it',
    ]);
  });

  it("a port that is not the app's, and a config file that moves the port", () => {
    const objects = dev();
    container(objects, 'gateway').ports![0]!.containerPort = 8081;
    container(objects, 'push').env!.push({ name: 'LATTICE_PUSH__SERVER__PORT', value: '4000' });
    expect(checkAppPorts(objects, APPS, BOOT_DEFAULTS)).toEqual(
      expect.arrayContaining([
        'Deployment/gateway: container app: port http is 8081, the app listens on 8080 (server.port)',
        "Deployment/push: container app: the pod's configuration sets server.port to 4000, the app's default is 3003",
        'Service/gateway: port http is 8080 but forwards to 8081',
      ]),
    );
  });

  it('a termination grace period shorter than the drain', () => {
    const objects = dev();
    deployment(objects, 'device').spec!.template.spec!.terminationGracePeriodSeconds = 25;
    expect(checkShutdownTiming(objects, APPS, BOOT_DEFAULTS)).toEqual([
      'Deployment/device: terminationGracePeriodSeconds 25 must exceed preStop 5 s + deregistration 1000 ms + drain 20000 ms',
    ]);
  });

  it('an internal port opened to everyone, a missing default deny', () => {
    const objects = dev().filter((o) => !(o.kind === 'NetworkPolicy' && o.metadata.name === 'default-deny-ingress'));
    objects.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'oops', namespace: 'lattice-dev' },
      spec: {
        podSelector: { matchLabels: { 'app.kubernetes.io/name': 'device' } },
        ingress: [{ ports: [{ port: 'grpc' }] }],
      },
    });
    expect(checkNetworkPolicies(objects, NETWORK)).toEqual([
      'no default-deny ingress NetworkPolicy (podSelector {}, no ingress rule)',
      'NetworkPolicy/oops: opens internal port 50052 of Deployment/device to everyone',
    ]);
  });

  it('broader RBAC', () => {
    const objects = dev();
    const role = find<{ rules: { verbs: string[] }[] }>(objects, 'Role');
    role.rules[0]!.verbs.push('get', 'delete');
    objects.push({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'wide' } });
    expect(checkRbac(objects, APP_NAMES)).toEqual([
      'ClusterRole/wide: no cluster-wide RBAC',
      'Role/lattice-discovery: grants more than list/watch on EndpointSlices (get, delete)',
    ]);
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(join(REPO, 'Dockerfile'), 'utf8');
  const dockerignore = readFileSync(join(REPO, '.dockerignore'), 'utf8').split('\n');

  it('builds one app chosen by the APP build argument into a non-root runtime image', () => {
    const stages = [...dockerfile.matchAll(/^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/gim)].map((m) => m[1]);
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(runtime).toMatch(/^ARG APP$/m);
    expect(runtime).toMatch(/^USER\s+(?!0\b|root\b)\S+/m);
    expect(runtime).not.toMatch(/^COPY\s+(?!--from)/m);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(dockerfile).toMatch(/tsc -b "?apps\/\$\{?APP\}?\/tsconfig\.build\.json/);
  });

  it('keeps dependencies, build output, git data and generated secrets out of the build context', () => {
    // deploy/ holds the manifests and the generated secrets (overlays/*/secrets).
    for (const pattern of ['**/node_modules', '**/dist', '.git', 'deploy']) expect(dockerignore).toContain(pattern);
  });
});
