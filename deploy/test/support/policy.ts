import { posix } from 'node:path';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { ISecret } from 'kubernetes-models/v1/Secret';
import type { IService } from 'kubernetes-models/v1/Service';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { IRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import type { IRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { parse as parseYaml } from 'yaml';
import { isObject, type K8sObject } from './render.js';

/**
 * Our own deployment rules, checked on rendered manifests. Each check returns every problem
 * it finds as `Kind/name: message`; an empty list means the rule holds.
 */

export type ConfigTree = Record<string, unknown>;

/** A pod template and where it came from. */
export interface Workload {
  object: K8sObject;
  /** `app.kubernetes.io/name` of the pods. */
  app: string;
  labels: Record<string, string>;
  spec: IPodSpec;
}

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job']);

export function workloads(objects: readonly K8sObject[]): Workload[] {
  return objects
    .filter((o) => WORKLOAD_KINDS.has(o.kind))
    .map((object) => {
      const template = (
        object['spec'] as { template?: { metadata?: { labels?: Record<string, string> }; spec?: IPodSpec } }
      ).template;
      const labels = template?.metadata?.labels ?? {};
      return {
        object,
        app: labels['app.kubernetes.io/name'] ?? '',
        labels,
        spec: template?.spec ?? { containers: [] },
      };
    });
}

function ref(object: K8sObject): string {
  return `${object.kind}/${object.metadata.name}`;
}

function allContainers(spec: IPodSpec): IContainer[] {
  return [...(spec.initContainers ?? []), ...spec.containers];
}

function byKind<T>(objects: readonly K8sObject[], kind: string): (K8sObject & T)[] {
  return objects.filter((o) => o.kind === kind) as (K8sObject & T)[];
}

// ---------------------------------------------------------------------------------------
// Containers: probes, resources, security context

/** Every container has a liveness and a readiness probe. */
export function checkProbes(objects: readonly K8sObject[]): string[] {
  const problems: string[] = [];
  for (const { object, spec } of workloads(objects)) {
    for (const c of spec.containers) {
      if (!c.livenessProbe) problems.push(`${ref(object)}: container ${c.name} has no livenessProbe`);
      if (!c.readinessProbe) problems.push(`${ref(object)}: container ${c.name} has no readinessProbe`);
    }
  }
  return problems;
}

/** Every container requests and limits CPU and memory. */
export function checkResources(objects: readonly K8sObject[]): string[] {
  const problems: string[] = [];
  for (const { object, spec } of workloads(objects)) {
    for (const c of allContainers(spec)) {
      for (const kind of ['requests', 'limits'] as const) {
        for (const resource of ['cpu', 'memory']) {
          if (c.resources?.[kind]?.[resource] === undefined)
            problems.push(`${ref(object)}: container ${c.name} has no resources.${kind}.${resource}`);
        }
      }
    }
  }
  return problems;
}

/** Non-root, read-only root filesystem, no privilege escalation, no capabilities, seccomp. */
export function checkSecurityContext(objects: readonly K8sObject[]): string[] {
  const problems: string[] = [];
  for (const { object, spec } of workloads(objects)) {
    const pod = spec.securityContext ?? {};
    for (const c of allContainers(spec)) {
      const sc = c.securityContext ?? {};
      const where = `${ref(object)}: container ${c.name}`;
      if ((sc.runAsNonRoot ?? pod.runAsNonRoot) !== true) problems.push(`${where} may run as root (runAsNonRoot)`);
      if ((sc.runAsUser ?? pod.runAsUser) === 0) problems.push(`${where} runs as user 0`);
      if (sc.readOnlyRootFilesystem !== true) problems.push(`${where} has a writable root filesystem`);
      if (sc.allowPrivilegeEscalation !== false) problems.push(`${where} allows privilege escalation`);
      if (sc.privileged === true) problems.push(`${where} is privileged`);
      if (!(sc.capabilities?.drop ?? []).includes('ALL')) problems.push(`${where} does not drop ALL capabilities`);
      if ((sc.capabilities?.add ?? []).length > 0) problems.push(`${where} adds capabilities`);
      if ((sc.seccompProfile ?? pod.seccompProfile)?.type !== 'RuntimeDefault')
        problems.push(`${where} has no RuntimeDefault seccomp profile`);
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------
// Secrets stay in Secrets

const SECRET_WORD = /(password|passwd|secret|token|pepper|private_?key|api_?key|credential)/i;
/** A name that says it holds a secret (`REDIS_PASSWORD`, `hubSecretPepper`), not a path to one (`privateKeyFile`). */
function looksSecret(name: string): boolean {
  return SECRET_WORD.test(name) && !/_?(file|path|dir)$/i.test(name);
}
const PRIVATE_KEY_PEM = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;
const URL_WITH_PASSWORD = /[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:([^@\s/]+)@/i;

function decodedSecretValues(objects: readonly K8sObject[]): { secret: string; key: string; value: string }[] {
  const values: { secret: string; key: string; value: string }[] = [];
  for (const s of byKind<ISecret>(objects, 'Secret')) {
    for (const [key, value] of Object.entries(s.data ?? {}))
      values.push({ secret: s.metadata.name, key, value: Buffer.from(value, 'base64').toString('utf8') });
    for (const [key, value] of Object.entries(s.stringData ?? {})) values.push({ secret: s.metadata.name, key, value });
  }
  return values;
}

function leaves(tree: unknown, path: string[] = []): { path: string[]; value: unknown }[] {
  if (isObject(tree)) return Object.entries(tree).flatMap(([k, v]) => leaves(v, [...path, k]));
  if (Array.isArray(tree)) return tree.flatMap((v, i) => leaves(v, [...path, String(i)]));
  return [{ path, value: tree }];
}

/**
 * No ConfigMap holds a value of any rendered Secret, a private key, a URL with a password,
 * or a non-empty entry whose name says it is secret (also inside the YAML files it carries).
 */
export function checkNoSecretsInConfigMaps(objects: readonly K8sObject[]): string[] {
  const problems: string[] = [];
  const secrets = decodedSecretValues(objects).filter(({ value }) => value.trim().length >= 8);
  for (const cm of byKind<IConfigMap>(objects, 'ConfigMap')) {
    const where = ref(cm);
    for (const [key, value] of Object.entries(cm.data ?? {})) {
      for (const s of secrets)
        if (value.includes(s.value.trim()))
          problems.push(`${where}: ${key} contains the value of Secret ${s.secret} (${s.key})`);
      if (PRIVATE_KEY_PEM.test(value)) problems.push(`${where}: ${key} contains a private key`);
      const url = URL_WITH_PASSWORD.exec(value);
      if (url && !url[1]!.startsWith('$(')) problems.push(`${where}: ${key} contains a URL with a password`);
      if (looksSecret(key) && value.trim() !== '') problems.push(`${where}: ${key} looks like a secret`);
      if (/\.ya?ml$/.test(key)) {
        let tree: unknown;
        try {
          tree = parseYaml(value);
        } catch (error) {
          problems.push(`${where}: ${key} is not valid YAML (${String(error)})`);
          continue;
        }
        for (const leaf of leaves(tree)) {
          const name = leaf.path[leaf.path.length - 1] ?? '';
          if (looksSecret(name) && leaf.value !== null && leaf.value !== '')
            problems.push(`${where}: ${key} sets ${leaf.path.join('.')}, which looks like a secret`);
        }
      }
    }
    if (Object.keys(cm.binaryData ?? {}).length > 0)
      problems.push(`${where}: binaryData cannot be checked for secrets`);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------
// Environment: references resolve, secrets come from Secrets

/** What a container's environment resolves to; `undefined` = known only at run time (Secret, downward API). */
export function resolveEnv(objects: readonly K8sObject[], container: IContainer): Map<string, string | undefined> {
  const env = new Map<string, string | undefined>();
  for (const source of container.envFrom ?? []) {
    const prefix = source.prefix ?? '';
    if (source.configMapRef) {
      const cm = findConfigMap(objects, source.configMapRef.name ?? '');
      for (const [k, v] of Object.entries(cm?.data ?? {})) env.set(prefix + k, v);
    }
    if (source.secretRef) {
      const s = objects.find((o) => o.kind === 'Secret' && o.metadata.name === source.secretRef?.name) as
        ISecret | undefined;
      for (const k of Object.keys(s?.data ?? {})) env.set(prefix + k, undefined);
    }
  }
  for (const e of container.env ?? []) {
    if (e.valueFrom?.configMapKeyRef) {
      const { name, key } = e.valueFrom.configMapKeyRef;
      env.set(e.name, findConfigMap(objects, name ?? '')?.data?.[key]);
    } else if (e.valueFrom) env.set(e.name, undefined);
    else env.set(e.name, expand(e.value ?? '', env));
  }
  return env;
}

function findConfigMap(objects: readonly K8sObject[], name: string): IConfigMap | undefined {
  return objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === name) as IConfigMap | undefined;
}

const VARIABLE_REFERENCE = /\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g;

function expand(value: string, env: Map<string, string | undefined>): string | undefined {
  let unknown = false;
  const out = value.replace(VARIABLE_REFERENCE, (whole, name: string) => {
    if (!env.has(name)) return whole;
    const resolved = env.get(name);
    if (resolved === undefined) unknown = true;
    return resolved ?? '';
  });
  return unknown ? undefined : out;
}

/**
 * Every ConfigMap, Secret and key a pod refers to exists (unless marked optional); every
 * `$(VAR)` refers to a variable defined before it; secret-looking variables come from a
 * Secret, never from a literal or a ConfigMap.
 */
export function checkEnvironment(objects: readonly K8sObject[]): string[] {
  const problems: string[] = [];
  const exists = (kind: string, name: string | undefined): K8sObject | undefined =>
    objects.find((o) => o.kind === kind && o.metadata.name === name);
  const keyExists = (kind: 'ConfigMap' | 'Secret', name: string | undefined, key: string): boolean => {
    const object = exists(kind, name) as { data?: Record<string, string> } | undefined;
    return object?.data?.[key] !== undefined;
  };
  for (const { object, spec } of workloads(objects)) {
    for (const volume of spec.volumes ?? []) {
      if (volume.configMap && !volume.configMap.optional && !exists('ConfigMap', volume.configMap.name))
        problems.push(`${ref(object)}: volume ${volume.name} refers to a missing ConfigMap ${volume.configMap.name}`);
      if (volume.secret && !volume.secret.optional && !exists('Secret', volume.secret.secretName))
        problems.push(`${ref(object)}: volume ${volume.name} refers to a missing Secret ${volume.secret.secretName}`);
    }
    for (const c of allContainers(spec)) {
      const where = `${ref(object)}: container ${c.name}`;
      const defined = new Set<string>();
      for (const source of c.envFrom ?? []) {
        const kind = source.configMapRef ? 'ConfigMap' : 'Secret';
        const target = source.configMapRef ?? source.secretRef;
        const found = exists(kind, target?.name) as { data?: Record<string, string> } | undefined;
        if (!found && !target?.optional) problems.push(`${where}: envFrom refers to a missing ${kind} ${target?.name}`);
        for (const key of Object.keys(found?.data ?? {})) defined.add((source.prefix ?? '') + key);
      }
      for (const e of c.env ?? []) {
        const from = e.valueFrom;
        if (
          from?.configMapKeyRef &&
          !from.configMapKeyRef.optional &&
          !keyExists('ConfigMap', from.configMapKeyRef.name, from.configMapKeyRef.key)
        )
          problems.push(
            `${where}: ${e.name} refers to a missing ConfigMap key ${from.configMapKeyRef.name}/${from.configMapKeyRef.key}`,
          );
        if (
          from?.secretKeyRef &&
          !from.secretKeyRef.optional &&
          !keyExists('Secret', from.secretKeyRef.name, from.secretKeyRef.key)
        )
          problems.push(
            `${where}: ${e.name} refers to a missing Secret key ${from.secretKeyRef.name}/${from.secretKeyRef.key}`,
          );
        if (looksSecret(e.name) && !from?.secretKeyRef)
          problems.push(`${where}: ${e.name} looks like a secret but does not come from a Secret`);
        for (const match of (e.value ?? '').matchAll(VARIABLE_REFERENCE)) {
          if (!defined.has(match[1]!))
            problems.push(`${where}: ${e.name} uses $(${match[1]}), which is not defined before it`);
        }
        const url = URL_WITH_PASSWORD.exec(e.value ?? '');
        if (url && !url[1]!.startsWith('$(')) problems.push(`${where}: ${e.name} holds a literal password`);
        defined.add(e.name);
      }
      for (const arg of [...(c.command ?? []), ...(c.args ?? [])]) {
        for (const match of arg.matchAll(VARIABLE_REFERENCE))
          if (!defined.has(match[1]!)) problems.push(`${where}: argument uses $(${match[1]}), which is not defined`);
      }
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------
// Effective app configuration (what boot will load inside the pod)

function deepMerge(base: ConfigTree, override: ConfigTree): ConfigTree {
  const out: ConfigTree = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = out[key];
    out[key] = isObject(current) && isObject(value) ? deepMerge(current, value) : value;
  }
  return out;
}

function nest(path: readonly string[], value: unknown): ConfigTree {
  return path.reduceRight<unknown>((inner, key) => ({ [key]: inner }), value) as ConfigTree;
}

function scalar(value: string): unknown {
  if (/^-?\d+(\.\d+)?$/.test(value) && !/^-?0\d/.test(value)) return Number(value);
  if (value === 'true' || value === 'false') return value === 'true';
  return value;
}

/**
 * The configuration boot builds for `app` in this container: defaults < the YAML files of
 * LATTICE_CONFIG_FILE (read from the ConfigMap volumes mounted there) < `LATTICE__*` and
 * `LATTICE_<APP>__*` variables (boot's documented binding).
 */
export function effectiveConfig(
  objects: readonly K8sObject[],
  workload: Workload,
  container: IContainer,
  defaults: readonly ConfigTree[],
): { config: ConfigTree; problems: string[] } {
  const problems: string[] = [];
  const where = `${ref(workload.object)}: container ${container.name}`;
  let config = defaults.reduce<ConfigTree>((tree, layer) => deepMerge(tree, layer), {});
  const env = resolveEnv(objects, container);
  const files = (env.get('LATTICE_CONFIG_FILE') ?? '')
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);
  if (files.length === 0) problems.push(`${where}: LATTICE_CONFIG_FILE is not set`);
  for (const file of files) {
    const mount = (container.volumeMounts ?? []).find((m) => m.mountPath === posix.dirname(file));
    const volume = (workload.spec.volumes ?? []).find((v) => v.name === mount?.name);
    const text = findConfigMap(objects, volume?.configMap?.name ?? '')?.data?.[posix.basename(file)];
    if (text === undefined) {
      problems.push(`${where}: config file ${file} is not in a ConfigMap mounted at ${posix.dirname(file)}`);
      continue;
    }
    const tree: unknown = parseYaml(text);
    if (tree !== null && tree !== undefined) {
      if (isObject(tree)) config = deepMerge(config, tree);
      else problems.push(`${where}: ${file} is not a mapping`);
    }
  }
  const appPrefix = `LATTICE_${workload.app.toUpperCase().replace(/[^A-Z0-9]/g, '_')}__`;
  for (const prefix of ['LATTICE__', appPrefix]) {
    for (const [name, value] of env) {
      if (!name.startsWith(prefix) || value === undefined) continue;
      const path = name
        .slice(prefix.length)
        .split('__')
        .filter(Boolean)
        .map((s) => s.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()));
      if (path.length > 0) config = deepMerge(config, nest(path, scalar(value)));
    }
  }
  return { config, problems };
}

function at(tree: ConfigTree, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (isObject(node) ? node[key] : undefined), tree);
}

// ---------------------------------------------------------------------------------------
// Ports and shutdown timing of the apps

/** An app of the platform: its container's named ports and the config keys that set them. */
export interface AppSpec {
  /** Configuration defaults of the app (`GATEWAY_DEFAULTS`, ...). */
  defaults: ConfigTree;
  /** Container port name → config key holding its number, e.g. `{ http: 'server.port' }`. */
  ports: Record<string, string>;
}

/**
 * Each app's container declares exactly its ports, with the numbers its configuration gives
 * (the app's defaults, unless the mounted YAML or the environment change them, which is
 * reported too); Services, probes, NetworkPolicies and the scrape annotation use them.
 */
export function checkAppPorts(
  objects: readonly K8sObject[],
  apps: Record<string, AppSpec>,
  bootDefaults: ConfigTree,
): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const workload of workloads(objects)) {
    const app = apps[workload.app];
    if (!app) continue;
    seen.add(workload.app);
    const [container, ...others] = workload.spec.containers;
    if (!container || others.length > 0) {
      problems.push(`${ref(workload.object)}: expected exactly one container`);
      continue;
    }
    const where = `${ref(workload.object)}: container ${container.name}`;
    const { config, problems: configProblems } = effectiveConfig(objects, workload, container, [
      bootDefaults,
      app.defaults,
    ]);
    problems.push(...configProblems);
    const declared = new Map((container.ports ?? []).map((p) => [p.name ?? '', p.containerPort]));
    for (const [name, key] of Object.entries(app.ports)) {
      const expected = at(config, key);
      const fromDefaults = at(app.defaults, key);
      if (expected !== fromDefaults)
        problems.push(
          `${where}: the pod's configuration sets ${key} to ${String(expected)}, the app's default is ${String(fromDefaults)}`,
        );
      if (declared.get(name) !== fromDefaults)
        problems.push(
          `${where}: port ${name} is ${String(declared.get(name))}, the app listens on ${String(fromDefaults)} (${key})`,
        );
    }
    for (const name of declared.keys())
      if (!(name in app.ports)) problems.push(`${where}: port ${name || '(unnamed)'} is not one the app serves`);
    const numbers = new Set(declared.values());
    for (const probe of [container.livenessProbe, container.readinessProbe, container.startupProbe]) {
      const port = probe?.httpGet?.port ?? probe?.grpc?.port ?? probe?.tcpSocket?.port;
      if (port === undefined) continue;
      if (typeof port === 'number' ? !numbers.has(port) : !declared.has(port))
        problems.push(`${where}: a probe uses port ${port}, which the container does not declare`);
      if (probe?.grpc && port !== at(app.defaults, app.ports['grpc'] ?? ''))
        problems.push(`${where}: the gRPC probe must use the internal gRPC port`);
    }
    const annotations = (
      workload.object['spec'] as { template: { metadata?: { annotations?: Record<string, string> } } }
    ).template.metadata?.annotations;
    const scrape = annotations?.['prometheus.io/port'];
    if (scrape !== undefined && Number(scrape) !== declared.get('http'))
      problems.push(`${where}: prometheus.io/port ${scrape} is not the HTTP port ${String(declared.get('http'))}`);
  }
  for (const name of Object.keys(apps)) if (!seen.has(name)) problems.push(`no workload for app ${name}`);

  for (const service of byKind<IService>(objects, 'Service')) {
    const selected = workloads(objects).filter((w) =>
      matchesSelector(w.labels, { matchLabels: service.spec?.selector ?? {} }),
    );
    if (!service.spec?.selector || selected.length === 0) {
      problems.push(`${ref(service)}: selects no workload`);
      continue;
    }
    for (const port of service.spec.ports ?? []) {
      const target = port.targetPort ?? port.port;
      for (const w of selected) {
        const match = w.spec.containers
          .flatMap((c) => c.ports ?? [])
          .find((p) => (typeof target === 'number' ? p.containerPort === target : p.name === target));
        if (!match)
          problems.push(
            `${ref(service)}: port ${port.name ?? port.port} targets ${target}, not a port of ${ref(w.object)}`,
          );
        else if (match.containerPort !== port.port)
          problems.push(
            `${ref(service)}: port ${port.name ?? port.port} is ${port.port} but forwards to ${match.containerPort}`,
          );
      }
    }
  }
  return problems;
}

/**
 * terminationGracePeriodSeconds leaves room for the whole shutdown: preStop sleep +
 * shutdown.deregistrationDelayMs + shutdown.gracePeriodMs (boot's drain), from the pod's
 * effective configuration.
 */
export function checkShutdownTiming(
  objects: readonly K8sObject[],
  apps: Record<string, AppSpec>,
  bootDefaults: ConfigTree,
): string[] {
  const problems: string[] = [];
  for (const workload of workloads(objects)) {
    const app = apps[workload.app];
    const container = workload.spec.containers[0];
    if (!app || !container) continue;
    const where = ref(workload.object);
    const { config } = effectiveConfig(objects, workload, container, [bootDefaults, app.defaults]);
    const preStop = container.lifecycle?.preStop as { sleep?: { seconds?: number } } | undefined;
    const sleepSeconds = preStop?.sleep?.seconds;
    if (sleepSeconds === undefined || sleepSeconds <= 0) problems.push(`${where}: no preStop sleep`);
    const deregistrationMs = Number(at(config, 'shutdown.deregistrationDelayMs'));
    const graceMs = Number(at(config, 'shutdown.gracePeriodMs'));
    const needed = (sleepSeconds ?? 0) + (deregistrationMs + graceMs) / 1000;
    const granted = workload.spec.terminationGracePeriodSeconds ?? 30;
    if (!(granted > needed))
      problems.push(
        `${where}: terminationGracePeriodSeconds ${granted} must exceed preStop ${String(sleepSeconds)} s + deregistration ${deregistrationMs} ms + drain ${graceMs} ms`,
      );
  }
  return problems;
}

// ---------------------------------------------------------------------------------------
// Selectors, network policies, RBAC

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export function matchesSelector(labels: Record<string, string>, selector: LabelSelector): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const value = labels[e.key];
    const ok =
      e.operator === 'In'
        ? value !== undefined && (e.values ?? []).includes(value)
        : e.operator === 'NotIn'
          ? value === undefined || !(e.values ?? []).includes(value)
          : e.operator === 'Exists'
            ? value !== undefined
            : value === undefined;
    if (!ok) return false;
  }
  return true;
}

/** A peer that may reach internal ports: Lattice pods of this namespace, or Prometheus' namespace. */
export interface NetworkRules {
  /** app → container port numbers reachable from anywhere. */
  publicPorts: Record<string, number[]>;
  /** Labels a pod peer must require (e.g. `{ 'app.kubernetes.io/part-of': 'lattice' }`). */
  platformPodLabels: Record<string, string>;
  /** Namespaces (by `kubernetes.io/metadata.name`) allowed to scrape metrics. */
  monitoringNamespaces: string[];
}

/**
 * Ingress is denied by default; only the public ports are open to everyone; every other
 * rule admits only platform pods of the namespace or the monitoring namespace.
 */
export function checkNetworkPolicies(objects: readonly K8sObject[], rules: NetworkRules): string[] {
  const problems: string[] = [];
  const policies = byKind<INetworkPolicy>(objects, 'NetworkPolicy');
  const denyAll = policies.some(
    (p) =>
      Object.keys(p.spec?.podSelector ?? {}).length === 0 &&
      (p.spec?.policyTypes ?? []).includes('Ingress') &&
      (p.spec?.ingress ?? []).length === 0,
  );
  if (!denyAll) problems.push('no default-deny ingress NetworkPolicy (podSelector {}, no ingress rule)');
  const opened = new Map<string, Set<number>>();
  const all = workloads(objects);
  for (const policy of policies) {
    const selected = all.filter((w) => matchesSelector(w.labels, policy.spec?.podSelector ?? {}));
    for (const rule of policy.spec?.ingress ?? []) {
      const peers = rule.from ?? [];
      const open =
        peers.length === 0 ||
        peers.some(
          (p) =>
            (p.ipBlock && ['0.0.0.0/0', '::/0'].includes(p.ipBlock.cidr)) ||
            (p.namespaceSelector && Object.keys(p.namespaceSelector).length === 0),
        );
      if (!rule.ports || rule.ports.length === 0) {
        if (open) problems.push(`${ref(policy)}: a rule opens every port to everyone`);
      }
      for (const w of selected) {
        const declared = w.spec.containers.flatMap((c) => c.ports ?? []);
        const ports = (rule.ports ?? []).flatMap((p) =>
          declared.filter((d) => (typeof p.port === 'number' ? d.containerPort === p.port : d.name === p.port)),
        );
        if (!open) continue;
        for (const port of ports) {
          if (!(rules.publicPorts[w.app] ?? []).includes(port.containerPort))
            problems.push(`${ref(policy)}: opens internal port ${port.containerPort} of ${ref(w.object)} to everyone`);
          else opened.set(w.app, (opened.get(w.app) ?? new Set()).add(port.containerPort));
        }
      }
      if (open) continue;
      for (const peer of peers) {
        const podOk =
          peer.podSelector !== undefined &&
          peer.namespaceSelector === undefined &&
          Object.entries(rules.platformPodLabels).every(([k, v]) => peer.podSelector?.matchLabels?.[k] === v);
        const namespace = peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'];
        const monitoringOk =
          peer.podSelector === undefined && namespace !== undefined && rules.monitoringNamespaces.includes(namespace);
        if (!podOk && !monitoringOk)
          problems.push(`${ref(policy)}: admits a peer that is not a platform pod or monitoring`);
      }
    }
  }
  for (const [app, ports] of Object.entries(rules.publicPorts)) {
    for (const port of ports)
      if (!opened.get(app)?.has(port)) problems.push(`public port ${port} of ${app} is not reachable from outside`);
  }
  return problems;
}

/**
 * RBAC grants the apps exactly what Kubernetes discovery needs: list and watch EndpointSlices
 * in their namespace, through a ServiceAccount only the apps use; nothing cluster-wide.
 */
export function checkRbac(objects: readonly K8sObject[], appNames: readonly string[]): string[] {
  const problems: string[] = [];
  for (const kind of ['ClusterRole', 'ClusterRoleBinding'])
    for (const o of objects.filter((x) => x.kind === kind)) problems.push(`${ref(o)}: no cluster-wide RBAC`);
  const roles = byKind<IRole>(objects, 'Role');
  for (const role of roles) {
    for (const rule of role.rules ?? []) {
      const extra = [
        ...(rule.apiGroups ?? []).filter((g) => g !== 'discovery.k8s.io'),
        ...(rule.resources ?? []).filter((r) => r !== 'endpointslices'),
        ...rule.verbs.filter((v) => v !== 'list' && v !== 'watch'),
      ];
      if (extra.length > 0 || (rule.resourceNames ?? []).length > 0 || (rule.nonResourceURLs ?? []).length > 0)
        problems.push(`${ref(role)}: grants more than list/watch on EndpointSlices (${extra.join(', ')})`);
    }
  }
  const grants = (role: IRole | undefined): boolean =>
    (role?.rules ?? []).some(
      (r) =>
        (r.apiGroups ?? []).includes('discovery.k8s.io') &&
        (r.resources ?? []).includes('endpointslices') &&
        r.verbs.includes('list') &&
        r.verbs.includes('watch'),
    );
  const bound = new Set<string>();
  for (const binding of byKind<IRoleBinding>(objects, 'RoleBinding')) {
    const role = roles.find((r) => r.metadata?.name === binding.roleRef.name);
    if (binding.roleRef.kind !== 'Role' || !role) {
      problems.push(`${ref(binding)}: refers to a missing Role ${binding.roleRef.name}`);
      continue;
    }
    if (grants(role)) for (const s of binding.subjects ?? []) if (s.kind === 'ServiceAccount') bound.add(s.name);
  }
  for (const w of workloads(objects)) {
    const account = w.spec.serviceAccountName ?? 'default';
    const token = w.spec.automountServiceAccountToken;
    if (appNames.includes(w.app)) {
      if (!bound.has(account))
        problems.push(`${ref(w.object)}: ServiceAccount ${account} may not list/watch EndpointSlices`);
      if (!objects.some((o) => o.kind === 'ServiceAccount' && o.metadata.name === account))
        problems.push(`${ref(w.object)}: ServiceAccount ${account} is not declared`);
      if (token !== true) problems.push(`${ref(w.object)}: needs automountServiceAccountToken: true for discovery`);
    } else {
      if (bound.has(account)) problems.push(`${ref(w.object)}: is not an app but uses the discovery ServiceAccount`);
      if (token !== false) problems.push(`${ref(w.object)}: mounts a ServiceAccount token it does not need`);
    }
  }
  return problems;
}
