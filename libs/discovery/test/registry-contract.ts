import { describe, it, expect, beforeEach, afterEach } from '@jest/globals';
import { ManualClock } from '@lattice/core';
import {
  DiscoveryInvalidInstanceError,
  DiscoveryReadOnlyRegistryError,
  type InstanceDescriptor,
  type ServiceRegistry,
  type ServiceSnapshot,
} from '@lattice/discovery';
import { waitFor } from '#test/wait.js';

/** One registry under test, with a way to make instances exist and disappear. */
export interface ContractSubject {
  readonly registry: ServiceRegistry;
  /** Makes instances exist: register for writable registries, configuration or API objects otherwise. */
  seed(instances: readonly InstanceDescriptor[]): Promise<void>;
  remove(service: string, instanceId: string): Promise<void>;
  close(): Promise<void>;
}

export interface ContractTarget {
  readonly name: string;
  /** Registers with leases (memory, Redis) rather than mirroring another source (static, Kubernetes). */
  readonly leases: boolean;
  /** Keeps `version` and `metadata` as registered (Kubernetes endpoints carry neither). @default true */
  readonly carriesDetails?: boolean;
  /** Accepts setStatus (Kubernetes refuses it). @default true */
  readonly statusWritable?: boolean;
  create(clock: ManualClock): Promise<ContractSubject>;
}

let serial = 0;
const uniqueService = (): string => `svc-${process.pid}-${++serial}`;

export function instance(service: string, id: string, extra: Partial<InstanceDescriptor> = {}): InstanceDescriptor {
  return { service, instanceId: id, host: `10.0.0.${serial % 250}`, ports: { http: 8080, grpc: 50051 }, ...extra };
}

/** Resolves with the first snapshot that satisfies `predicate`. */
export function nextSnapshot(
  registry: ServiceRegistry,
  service: string,
  predicate: (s: ServiceSnapshot) => boolean,
  timeoutMs = 5_000,
): Promise<ServiceSnapshot> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`no matching snapshot of ${service} within ${timeoutMs} ms`));
    }, timeoutMs);
    const stop = registry.watch(service, {
      onSnapshot: (s) => {
        if (!predicate(s)) return;
        clearTimeout(timer);
        stop();
        resolve(s);
      },
    });
  });
}

const ids = (s: ServiceSnapshot): string[] => s.instances.map((i) => i.instanceId);

/** The behaviour every ServiceRegistry must have. */
export function registryContract(target: ContractTarget): void {
  describe(`${target.name} registry contract`, () => {
    let clock: ManualClock;
    let subject: ContractSubject;
    let registry: ServiceRegistry;

    beforeEach(async () => {
      clock = new ManualClock(1_700_000_000_000);
      subject = await target.create(clock);
      registry = subject.registry;
    });
    afterEach(async () => {
      await subject.close();
    });

    it('returns seeded instances sorted by id with every field', async () => {
      const service = uniqueService();
      await subject.seed([
        instance(service, 'b', { zone: 'z1', version: '1.2.0', metadata: { weight: '3' } }),
        instance(service, 'a', { ports: { http: 9000 } }),
      ]);
      const snap = await registry.snapshot(service);
      expect(snap.service).toBe(service);
      expect(snap.selfPreservation).toBe(false);
      expect(ids(snap)).toEqual(['a', 'b']);
      const b = snap.instances[1]!;
      expect(b).toMatchObject({
        service,
        instanceId: 'b',
        zone: 'z1',
        status: 'UP',
        ports: { http: 8080, grpc: 50051 },
      });
      if (target.carriesDetails ?? true) {
        expect(b.version).toBe('1.2.0');
        expect(b.metadata).toEqual({ weight: '3' });
      }
      expect(snap.instances[0]!.ports).toEqual({ http: 9000 });
      expect(typeof b.registeredAtMs).toBe('number');
    });

    it('answers an empty snapshot for an unknown service and lists services that have instances', async () => {
      const service = uniqueService();
      expect(await registry.snapshot(`${service}-none`)).toEqual({
        service: `${service}-none`,
        instances: [],
        selfPreservation: false,
      });
      await subject.seed([instance(service, 'a')]);
      expect(await registry.services()).toContain(service);
      expect(await registry.services()).not.toContain(`${service}-none`);
    });

    it('delivers the current set to a new watcher, then every change, until unsubscribed', async () => {
      const service = uniqueService();
      await subject.seed([instance(service, 'a')]);
      const seen: string[][] = [];
      const stop = registry.watch(service, { onSnapshot: (s) => seen.push(ids(s)) });
      await waitFor(() => seen.some((s) => s.join() === 'a'));
      await subject.seed([instance(service, 'b')]);
      await waitFor(() => seen.some((s) => s.join() === 'a,b'));
      await subject.remove(service, 'a');
      await waitFor(() => seen.some((s) => s.join() === 'b'));
      stop();
      const count = seen.length;
      await subject.seed([instance(service, 'c')]);
      await new Promise((r) => setTimeout(r, 150));
      expect(seen.length).toBe(count);
    });

    it('changes an instance status and tells watchers; unknown instances answer false', async () => {
      if (!(target.statusWritable ?? true)) {
        await expect(registry.setStatus('any', 'a', 'OUT_OF_SERVICE')).rejects.toBeInstanceOf(
          DiscoveryReadOnlyRegistryError,
        );
        return;
      }
      const service = uniqueService();
      await subject.seed([instance(service, 'a'), instance(service, 'b')]);
      const drained = nextSnapshot(
        registry,
        service,
        (s) => s.instances.find((i) => i.instanceId === 'a')?.status === 'OUT_OF_SERVICE',
      );
      expect(await registry.setStatus(service, 'a', 'OUT_OF_SERVICE')).toBe(true);
      await drained;
      expect((await registry.snapshot(service)).instances.map((i) => i.status)).toEqual(['OUT_OF_SERVICE', 'UP']);
      expect(await registry.setStatus(service, 'nope', 'UP')).toBe(false);
    });

    it('reports its kind and health', () => {
      const health = registry.health();
      expect(health.kind).toBe(registry.kind);
      expect(health.selfPreservation).toEqual([]);
    });

    if (!target.leases) return;

    describe('leases', () => {
      const lease = { leaseTtlMs: 1_000 };

      it('rejects an invalid descriptor listing every problem', async () => {
        const error = await registry
          .register({ service: 'Bad Name', instanceId: '', host: '', ports: { http: 70_000 } }, lease)
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(DiscoveryInvalidInstanceError);
        expect((error as DiscoveryInvalidInstanceError).code).toBe('DISCOVERY_INVALID_INSTANCE');
        expect((error as DiscoveryInvalidInstanceError).data.problems).toHaveLength(4);
      });

      it('keeps an instance while renewed and evicts it on read once the lease lapses', async () => {
        const service = uniqueService();
        const registered = await registry.register(instance(service, 'a'), lease);
        expect(registered.leaseExpiresAtMs).toBe(clock.now() + 1_000);
        await registry.register(instance(service, 'b'), lease);
        await registry.register(instance(service, 'c'), lease);
        clock.advance(800);
        expect(await registry.renew(service, 'a', lease)).toBe(true);
        expect(await registry.renew(service, 'b', lease)).toBe(true);
        clock.advance(400); // c lapsed (1 of 3: no self-preservation)
        const snap = await registry.snapshot(service);
        expect(ids(snap)).toEqual(['a', 'b']);
        expect(snap.instances[0]!.leaseExpiresAtMs).toBe(clock.now() - 400 + 1_000);
        expect(await registry.renew(service, 'c', lease)).toBe(false);
      });

      it('keeps registeredAtMs when an instance registers again', async () => {
        const service = uniqueService();
        const first = await registry.register(instance(service, 'a'), lease);
        clock.advance(500);
        const again = await registry.register(instance(service, 'a', { version: '2' }), lease);
        expect(again.registeredAtMs).toBe(first.registeredAtMs);
        const [stored] = (await registry.snapshot(service)).instances;
        expect(stored!.registeredAtMs).toBe(first.registeredAtMs);
        expect(stored!.version).toBe('2');
      });

      it('deregisters at once and tells watchers', async () => {
        const service = uniqueService();
        await registry.register(instance(service, 'a'), lease);
        await registry.register(instance(service, 'b'), lease);
        await nextSnapshot(registry, service, (s) => s.instances.length === 2);
        const gone = nextSnapshot(registry, service, (s) => ids(s).join() === 'b');
        expect(await registry.deregister(service, 'a')).toBe(true);
        await gone;
        expect(await registry.deregister(service, 'a')).toBe(false);
      });

      it('evicts a lone lapsed instance (services below minInstances never self-preserve)', async () => {
        const service = uniqueService();
        await registry.register(instance(service, 'only'), lease);
        clock.advance(1_001);
        expect((await registry.snapshot(service)).instances).toEqual([]);
        expect(await registry.services()).not.toContain(service);
      });

      it('engages self-preservation on a mass expiry and releases when renewals resume', async () => {
        const service = uniqueService();
        for (const id of ['a', 'b', 'c', 'd']) await registry.register(instance(service, id), lease);
        clock.advance(900);
        await registry.renew(service, 'd', lease);
        clock.advance(200); // a, b, c lapse together: 3 of 4 > 50%
        const held = await registry.snapshot(service);
        expect(held.selfPreservation).toBe(true);
        expect(ids(held)).toEqual(['a', 'b', 'c', 'd']);
        expect(registry.health().selfPreservation).toContain(service);
        clock.advance(2_000); // still partitioned: kept, even long after the leases ran out
        await registry.renew(service, 'd', lease);
        expect((await registry.snapshot(service)).selfPreservation).toBe(true);
        // renewals resume for a and b; c really died
        expect(await registry.renew(service, 'a', lease)).toBe(true);
        expect(await registry.renew(service, 'b', lease)).toBe(true);
        const released = await registry.snapshot(service);
        expect(released.selfPreservation).toBe(false);
        expect(ids(released)).toEqual(['a', 'b', 'd']);
        expect(registry.health().selfPreservation).not.toContain(service);
      });

      it('evicts one-by-one deaths without engaging self-preservation', async () => {
        const service = uniqueService();
        for (const id of ['a', 'b', 'c', 'd']) await registry.register(instance(service, id), lease);
        const step = async (ms: number, alive: string[]): Promise<void> => {
          for (let t = 0; t < ms; t += 250) {
            clock.advance(250);
            for (const id of alive) await registry.renew(service, id, lease);
          }
        };
        await step(1_250, ['b', 'c', 'd']); // a lapses alone
        expect(ids(await registry.snapshot(service))).toEqual(['b', 'c', 'd']);
        await step(6_000, ['b', 'c', 'd']);
        await step(1_250, ['c', 'd']); // then b, alone
        const snap = await registry.snapshot(service);
        expect(snap.selfPreservation).toBe(false);
        expect(ids(snap)).toEqual(['c', 'd']);
      });
    });
  });
}

/** Polls `condition` every 10 ms until it holds (or throws after `timeoutMs`). */

export { waitFor };
